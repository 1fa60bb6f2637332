/**
 * The throughput client for our server over HTTP/JSON or gRPC, in its own process: starts no-op
 * operations (`demo.sleep`, `seconds: 0`) with N in flight, then asks `ListOperations(done = false)`
 * until nothing is left unfinished.
 */
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import { serveCalls } from '../ipc.js';
import { grpcDefinitions } from '../lro-adapter.js';
import { driveStarts } from './drive-starts.js';

interface Client {
  start(): Promise<void>;
  notDone(pageSize: number, pageToken: string): Promise<{ count: number; next: string }>;
  close(): void;
}

/**
 * Node's http with a keep-alive agent, not fetch: on this 2-core machine fetch spent about 1 ms of CPU per
 * start in the client (four times the server's share), so the client, not the server, set the pace.
 */
function httpClient(base: string): Client {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    async start() {
      const res = await request('POST', '/v1/kinds/demo.sleep:start', '{"input":{"seconds":0}}');
      if (res.status !== 200) throw new Error(`StartOperation: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    },
    async notDone(pageSize, pageToken) {
      const q = new URLSearchParams({ filter: 'done = false', pageSize: String(pageSize), ...(pageToken ? { pageToken } : {}) });
      const res = await request('GET', `/v1/operations?${q}`);
      if (res.status !== 200) throw new Error(`ListOperations: HTTP ${res.status} ${res.text.slice(0, 200)}`);
      const page = JSON.parse(res.text) as { operations?: unknown[]; nextPageToken?: string };
      return { count: page.operations?.length ?? 0, next: page.nextPageToken ?? '' };
    },
    close() {
      agent.destroy();
    },
  };
}

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

async function grpcClient(address: string): Promise<Client> {
  const pkg = grpc.loadPackageDefinition(await grpcDefinitions()) as unknown as {
    google: { longrunning: { Operations: grpc.ServiceClientConstructor } };
    lro: { v1: { Kinds: grpc.ServiceClientConstructor } };
  };
  const ops = new pkg.google.longrunning.Operations(address, grpc.credentials.createInsecure());
  const kinds = new pkg.lro.v1.Kinds(address, grpc.credentials.createInsecure());
  const call = <T>(client: grpc.Client, method: string, req: object) =>
    new Promise<T>((resolve, reject) =>
      ((client as unknown as Record<string, Unary>)[method]!).call(client, req, (err, res) => (err ? reject(err) : resolve(res as T))),
    );
  return {
    async start() {
      await call(kinds, 'StartOperation', { kind: 'kinds/demo.sleep', input: { fields: { seconds: { numberValue: 0 } } } });
    },
    async notDone(pageSize, pageToken) {
      const page = await call<{ operations: unknown[]; nextPageToken: string }>(ops, 'ListOperations', { filter: 'done = false', pageSize, pageToken });
      return { count: page.operations.length, next: page.nextPageToken };
    },
    close() {
      ops.close();
      kinds.close();
    },
  };
}

serveCalls({
  reset() {},
  async throughput(p: { transport: 'http' | 'grpc'; address: string; jobs: number; inFlight: number; capMs: number }) {
    const client = p.transport === 'http' ? httpClient(p.address) : await grpcClient(p.address);
    try {
      return await driveStarts({
        count: p.jobs,
        inFlight: p.inFlight,
        capMs: p.capMs,
        start: () => client.start(),
        anyUnfinished: async () => (await client.notDone(1, '')).count > 0,
        countFinished: async () => {
          let notDone = 0;
          let token = '';
          do {
            const page = await client.notDone(1000, token);
            notDone += page.count;
            token = page.next;
          } while (token);
          return p.jobs - notDone;
        },
      });
    } finally {
      client.close();
    }
  },
});
