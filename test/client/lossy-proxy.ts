/**
 * A TCP proxy that loses one answer: it forwards both ways until a client sends bytes containing `marker`
 * (a request id, plain in both a JSON body and a protobuf message); from then on that connection's answers
 * are swallowed, until the test cuts it. Connections made after the cut pass normally: a request that
 * reached the server and whose answer never came back, as across a crash or a restart.
 */
import net from 'node:net';

export interface LossyProxy {
  readonly port: number;
  /** Resolves once the marked request has gone through to the server. */
  readonly requestSeen: Promise<void>;
  /** Cuts every open connection (whatever the server answered is lost). */
  cut(): void;
  close(): Promise<void>;
}

export async function startLossyProxy(target: { host: string; port: number }, marker: Buffer): Promise<LossyProxy> {
  const sockets = new Set<net.Socket>();
  let seen!: () => void;
  const requestSeen = new Promise<void>((resolve) => (seen = resolve));
  let lossy = true;

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    let sent = Buffer.alloc(0);
    let swallowing = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (!lossy || swallowing) return;
      sent = Buffer.concat([sent, chunk]).subarray(-64 * 1024);
      if (sent.includes(marker)) {
        swallowing = true;
        seen();
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!swallowing) client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    requestSeen,
    cut() {
      lossy = false;
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
