/** Starts a real server (both listeners on port 0, a real SQLite file in a temp folder) for one test file. */
import pino from 'pino';
import { createServer, type LroServer, type ServerOptions } from '../../src/app.js';
import { createGrpcClient, type GrpcClient } from './grpc-client.js';
import { tempDir } from './temp-dir.js';

export interface TestServer {
  server: LroServer;
  grpc: GrpcClient;
  http: string;
  grpcAddress: string;
  storePath: string;
  close(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = tempDir();
  const storePath = dir.file('lro.sqlite');
  const server = createServer({
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    store: `sqlite:${storePath}`,
    logger: pino({ level: process.env.LRO_TEST_LOG ?? 'silent' }),
    shutdownGraceMs: 200,
    ...options,
  });
  const addresses = await server.listen();
  const grpc = createGrpcClient(addresses.grpc);
  return {
    server,
    grpc,
    http: addresses.http,
    grpcAddress: addresses.grpc,
    storePath,
    async close() {
      grpc.close();
      await server.close();
      dir.cleanup();
    },
  };
}
