/** Both wires of the SDK against one real server per test file: the URL scheme picks the wire. */
import { afterAll, beforeAll } from 'vitest';
import type { ServerOptions } from '../../src/app.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const WIRES = ['http', 'grpc'] as const;
export type Wire = (typeof WIRES)[number];

export function serverUrl(t: TestServer, wire: Wire): string {
  return wire === 'http' ? t.http : `grpc://${t.grpcAddress}`;
}

/** Starts a test server before the file's tests and closes it after them; call the result for the server. */
export function useTestServer(options: ServerOptions = {}): () => TestServer {
  let t: TestServer | undefined;
  beforeAll(async () => {
    t = await startTestServer(options);
  });
  afterAll(async () => {
    await t?.close();
  });
  return () => {
    if (!t) throw new Error('the test server is not started yet');
    return t;
  };
}
