/**
 * An error that is not an ApiError (a bug, a driver's failure) reaches clients as a generic INTERNAL error:
 * its message may name files, hosts or SQL, so it goes to the log, not to the client.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorInfoOf, grpcFailure, statusOf } from '../helpers/grpc-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const logLines: string[] = [];
let t: TestServer;
let name: string;

beforeAll(async () => {
  t = await startTestServer({ logger: pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) }) });
  name = (await t.grpc.start('demo.sleep', { seconds: 0 })).name;
  // Pull the store out from under the running server: every read now fails inside better-sqlite3.
  await t.server.store.close();
});

afterAll(async () => {
  await t?.close();
});

describe('errors that are not ApiErrors', () => {
  it('gRPC: INTERNAL with a generic message; the cause is in the log', async () => {
    const failure = await grpcFailure(t.grpc.getOperation({ name }));
    expect(failure).toMatchObject({ code: 13, reason: 'INTERNAL' });
    expect(failure.message).toMatch(/its log has the details/);
    expect(failure.message).not.toMatch(/database|sqlite|connection/i);
    expect(errorInfoOf(statusOf(failure.err)).domain).toBe('lro.v1');
    expect(logLines.some((l) => /unexpected error/.test(l) && /database connection is not open/.test(l))).toBe(true);
  });

  it('HTTP: 500 with the envelope and a generic message', async () => {
    const res = await fetch(`${t.http}/v1/${name}`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { status: string; message: string; details: { reason: string }[] } };
    expect(body.error.status).toBe('INTERNAL');
    expect(body.error.details[0]?.reason).toBe('INTERNAL');
    expect(body.error.message).not.toMatch(/database|sqlite|connection/i);
  });
});
