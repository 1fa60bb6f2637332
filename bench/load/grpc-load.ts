/**
 * A gRPC load generator process: one grpc-js channel keeping `inFlight` unary calls outstanding for a
 * fixed time. Requests and responses stay raw bytes (identity serializers), so the generator spends its
 * CPU on the calls, not on protobuf, and the same generator serves ours and the bare peer alike.
 */
import * as grpc from '@grpc/grpc-js';
import { serveCalls } from '../ipc.js';

const identity = (b: Buffer) => b;

function unary(client: grpc.Client, method: string, request: Buffer, deadlineMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, identity, identity, request, { deadline: Date.now() + deadlineMs }, (err, res) =>
      err ? reject(err) : resolve(res!),
    );
  });
}

// One channel per address for the process's life: connection set-up stays out of the measured runs.
const clients = new Map<string, grpc.Client>();
const clientFor = (address: string) => {
  let client = clients.get(address);
  if (!client) clients.set(address, (client = new grpc.Client(address, grpc.credentials.createInsecure())));
  return client;
};

serveCalls({
  reset() {
    for (const client of clients.values()) client.close();
    clients.clear();
  },
  /** One call's raw response bytes: what the bare peer will send back. */
  async capture(p: { address: string; method: string; request: Uint8Array }) {
    const client = new grpc.Client(p.address, grpc.credentials.createInsecure());
    try {
      return await unary(client, p.method, Buffer.from(p.request));
    } finally {
      client.close();
    }
  },
  async run(p: { address: string; method: string; request: Uint8Array; inFlight: number; warmupMs: number; durationMs: number }) {
    const client = clientFor(p.address);
    const request = Buffer.from(p.request);
    let counting = false;
    let calls = 0;
    let errors = 0;
    let firstError = '';
    let stop = false;
    const loop = async () => {
      while (!stop) {
        try {
          await unary(client, p.method, request);
          if (counting) calls++;
        } catch (err) {
          if (counting) errors++;
          firstError ||= (err as Error).message;
        }
      }
    };
    const loops = Array.from({ length: p.inFlight }, loop);
    await new Promise((r) => setTimeout(r, p.warmupMs));
    counting = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, p.durationMs));
    counting = false;
    const elapsedMs = performance.now() - t0;
    stop = true;
    await Promise.all(loops);
    return { calls, errors, elapsedMs, firstError };
  },
});
