/**
 * A lost lease. Instance A runs an operation (held until the test lets it go) and then loses the database
 * (its connections go through a TCP proxy that the test takes down): it can no longer renew the lease. Once
 * the lease has expired, instance B takes the operation back and runs it again (attempt 2). A's attempt must
 * be stopped with a reason that is not a cancel, and the two attempts must never run at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Code } from '../../src/index.js';
import { metadataOf } from '../helpers/grpc-client.js';
import { createHeldKind, type HeldRun } from '../helpers/held-kind.js';
import { responseJson } from '../helpers/operations.js';
import { freshSchemaUrl, POSTGRES_URL, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * A renews its 2 s lease once a second (a valid setting: any heartbeat shorter than the lease is); B looks for
 * expired leases every 100 ms (a quarter of its own lease). So B takes the operation back within moments of
 * the expiry, and A must have stopped its attempt by then: it knows when its lease runs out.
 */
const A_LEASE = { leaseMs: 2_000, heartbeatMs: 1_000, pollMs: 100 };
const B_LEASE = { leaseMs: 400, heartbeatMs: 100, pollMs: 50 };

describe.skipIf(!(await postgresAvailable()))('an instance that loses its lease', () => {
  const held = createHeldKind('test.held');
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let a: TestServer;
  let b: TestServer | undefined;
  let name = '';
  let first: HeldRun;
  let second: HeldRun;
  /** How many attempts of the operation were in their handler when attempt 2 started. */
  let runningWhenSecondStarted = -1;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(schema.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    a = await startInstance(viaProxy.toString(), { instanceId: 'A', kinds: [held.kind], ...A_LEASE });
  });

  afterAll(async () => {
    held.releaseAll();
    await proxy?.up();
    await Promise.all([a?.close(), b?.close()]);
    await proxy?.down();
    await schema?.cleanup();
  });

  it('is taken over by another instance once the lease expired, and the two attempts never run at once', async () => {
    name = (await a.grpc.start('test.held')).name;
    first = await held.started(name, 1);
    // Only now B starts, so it cannot have claimed the operation: it runs on A.
    b = await startInstance(schema.url, { instanceId: 'B', kinds: [held.kind], ...B_LEASE });
    await proxy.down();

    second = await held.started(name, 2);
    runningWhenSecondStarted = held.running(name);
    expect(first.abortReason(), 'attempt 1 was still running, not even told to stop, when attempt 2 started').toBeDefined();
    expect(runningWhenSecondStarted, 'attempts of the operation in their handler when attempt 2 started').toBe(1);
  });

  it("stops A's attempt with a reason that is not a cancel, and B's result stands", async () => {
    expect(second, 'attempt 2 never started').toBeDefined();
    await proxy.up(); // A reaches the database again and learns that its lease is gone, if it had not stopped before
    const reason = await first.aborted;
    await first.ended;
    expect(reason).toBeInstanceOf(ApiError);
    expect((reason as ApiError).code).not.toBe(Code.CANCELLED);
    expect((reason as ApiError).reason).not.toMatch(/CANCEL/);

    second.release();
    const done = await b!.grpc.waitOperation({ name, timeout: { seconds: 20 } });
    expect(metadataOf(done)).toMatchObject({ state: 'SUCCEEDED', attempt: 2, requestedCancellation: false });
    expect(responseJson(done)).toEqual({ attempt: 2 });
    // A, back on the database, shows the same.
    expect(await a.grpc.getOperation({ name })).toEqual(done);
  });
});
