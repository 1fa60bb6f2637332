/**
 * Retries: the backoff (capped, exponential, fully jittered), which errors are retried and for how long, and
 * the one that matters most — a start whose answer was lost, retried across a server restart with the same
 * request id, creates exactly one operation (over both wires).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type LroServer } from '../../src/app.js';
import { createSession, LroError } from '../../src/client/index.js';
import { backoffDelay, retryPolicy, withRetry } from '../../src/client/retry.js';
import { Code } from '../../src/errors/code.js';
import { eventually } from '../helpers/eventually.js';
import { createGrpcClient } from '../helpers/grpc-client.js';
import { listAll } from '../helpers/operations.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startLossyProxy } from './lossy-proxy.js';

describe('backoff', () => {
  const policy = retryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 });

  it('is uniform between 0 and a cap that doubles per retry up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(100);
  });

  it('refuses nonsense and fills in the defaults', () => {
    expect(retryPolicy(undefined)).toEqual({ maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2 });
    expect(retryPolicy(false).maxAttempts).toBe(1);
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retryPolicy({ multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => retryPolicy({ initialDelayMs: -1 })).toThrow(/delays/);
  });
});

describe('withRetry', () => {
  const fast = retryPolicy({ maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 });

  it('retries UNAVAILABLE until it succeeds', async () => {
    let calls = 0;
    const value = await withRetry(async () => (++calls < 3 ? Promise.reject(new LroError(Code.UNAVAILABLE, 'down')) : 'ok'), fast, 'x://y');
    expect([value, calls]).toEqual(['ok', 3]);
  });

  it('gives up after the attempts, naming the server; other errors are not retried', async () => {
    let calls = 0;
    const down = withRetry(() => (calls++, Promise.reject(new LroError(Code.UNAVAILABLE, 'down'))), fast, 'x://y');
    await expect(down).rejects.toMatchObject({ code: 14, message: 'x://y is unavailable after 4 attempts: down' });
    expect(calls).toBe(4);
    calls = 0;
    const missing = withRetry(() => (calls++, Promise.reject(new LroError(Code.NOT_FOUND, 'gone'))), fast, 'x://y');
    await expect(missing).rejects.toMatchObject({ code: 5, message: 'gone' });
    expect(calls).toBe(1);
  });

  it('stops waiting between attempts when the signal aborts', async () => {
    const controller = new AbortController();
    const slow = retryPolicy({ maxAttempts: 10, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    const retrying = withRetry(
      async () => {
        queueMicrotask(() => controller.abort(new Error('stop')));
        throw new LroError(Code.UNAVAILABLE, 'down');
      },
      { ...slow },
      'x://y',
      controller.signal,
    );
    await expect(retrying).rejects.toThrow('stop');
  });
});

describe.each(['http', 'grpc'] as const)('a start retried across a server restart (%s)', (transport) => {
  const dir = tempDir('lro-retry-');
  const servers: LroServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    dir.cleanup();
  });

  const serve = async (httpPort: number, grpcPort: number) => {
    const server = createServer({
      host: '127.0.0.1',
      httpPort,
      grpcPort,
      store: `sqlite:${dir.file('restart.sqlite')}`,
      logger: pino({ level: 'silent' }),
      shutdownGraceMs: 100,
    });
    servers.push(server);
    return server.listen();
  };

  it('creates one operation: the retry with the same request id gets the one its lost answer created', async () => {
    const first = await serve(0, 0);
    const httpPort = Number(new URL(first.http).port);
    const grpcPort = Number(first.grpc.slice(first.grpc.lastIndexOf(':') + 1));
    const requestId = randomUUID();
    const proxy = await startLossyProxy({ host: '127.0.0.1', port: transport === 'http' ? httpPort : grpcPort }, Buffer.from(requestId));
    const raw = createGrpcClient(first.grpc);
    const session = createSession({
      server: `${transport}://127.0.0.1:${proxy.port}`,
      retry: { maxAttempts: 100, initialDelayMs: 20, maxDelayMs: 200 },
    });
    try {
      const starting = session.start('demo.sleep', { seconds: 0.05 }, { requestId });
      await proxy.requestSeen;
      // The server made the operation; its answer is held by the proxy and will never arrive.
      const [created] = await eventually(async () => {
        const ops = await listAll(raw);
        return ops.length === 1 ? ops : undefined;
      });
      raw.close();
      proxy.cut();
      await servers.shift()!.close();
      await serve(httpPort, grpcPort);

      const op = await starting;
      expect(op.name).toBe(created!.name);
      const after = createGrpcClient(`127.0.0.1:${grpcPort}`);
      try {
        expect((await listAll(after)).map((o) => o.name)).toEqual([created!.name]);
      } finally {
        after.close();
      }
      expect((await op.wait()).metadata.state).toBe('SUCCEEDED');
    } finally {
      await session.close();
      await proxy.close();
    }
  });
});
