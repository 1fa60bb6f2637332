/**
 * A lost database: requests fail with UNAVAILABLE (retryable) and write nothing, the process does not crash,
 * and the instance recovers by itself when PostgreSQL is back — both its pool and its LISTEN connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../src/errors/code.js';
import { eventually } from '../helpers/eventually.js';
import { grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { listAll, responseJson, untilDone } from '../helpers/operations.js';
import { adminQuery, freshSchemaUrl, POSTGRES_URL, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** The schema URL, but through the proxy. */
function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

describe.skipIf(!(await postgresAvailable()))('when PostgreSQL goes away', () => {
  const held = createHeldKind('test.held');
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let server: TestServer;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    server = await startInstance(viaProxy(schema.url, proxy), { leaseMs: 2_000, heartbeatMs: 200, pollMs: 100, kinds: [held.kind] });
  });

  afterAll(async () => {
    held.releaseAll();
    await proxy?.up();
    await server?.close();
    await proxy?.down();
    await schema?.cleanup();
  });

  it('requests get UNAVAILABLE and write nothing; once it is back the instance serves again by itself', async () => {
    const before = await server.grpc.start('demo.sleep', { seconds: 0 });
    await untilDone(server.grpc, before.name);

    await proxy.down();
    const get = await grpcFailure(server.grpc.getOperation({ name: before.name }));
    expect(get).toMatchObject({ code: Code.UNAVAILABLE, reason: 'STORE_UNAVAILABLE' });
    const start = await grpcFailure(server.grpc.start('demo.sleep', { seconds: 0 }, 'during-outage'));
    expect(start).toMatchObject({ code: Code.UNAVAILABLE, reason: 'STORE_UNAVAILABLE' });
    // Starts sent together go in one group commit: the failed batch fails every call in it, none silently.
    const together = await Promise.all(
      Array.from({ length: 20 }, (_, i) => grpcFailure(server.grpc.start('demo.sleep', { seconds: 0 }, `together-${i}`))),
    );
    for (const failure of together) expect(failure).toMatchObject({ code: Code.UNAVAILABLE, reason: 'STORE_UNAVAILABLE' });
    expect((await grpcFailure(server.grpc.listOperations({}))).code).toBe(Code.UNAVAILABLE);

    await proxy.up();
    const client = server.grpc;
    await eventually(() => client.getOperation({ name: before.name }), { timeoutMs: 15_000 });
    expect(await listAll(client)).toHaveLength(1); // the failed starts left nothing behind
    const after = await client.start('demo.sleep', { seconds: 0 }, 'during-outage');
    expect(metadataOf(await untilDone(client, after.name)).state).toBe('SUCCEEDED');
  });

  it('an operation running during the outage is finished after it, not lost', async () => {
    // Held running until the database is away: its handler ends during the outage, so its result can only
    // be stored after it.
    const op = await server.grpc.start('test.held');
    const run = await held.started(op.name);
    await proxy.down();
    held.releaseAll(); // this run, and a re-run should the lease run out meanwhile
    await run.ended;
    expect(run.abortReason()).toBeUndefined();
    // A request that fails after the handler ended: the runner's first try to store the result (started as
    // the handler returned, before this request) met the outage too.
    expect((await grpcFailure(server.grpc.getOperation({ name: op.name }))).code).toBe(Code.UNAVAILABLE);
    await proxy.up();
    // Stored on reconnect, or (if the lease ran out meanwhile) run again: either way it ends done.
    const done = await untilDone(server.grpc, op.name, 20_000);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(responseJson(done)).toEqual({ attempt: metadataOf(done).attempt });
  });
});

/** B connects under another application name, so only A's connections are terminated. */
function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

describe.skipIf(!(await postgresAvailable()))('when PostgreSQL drops our connections', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;
  const app = `lro_outage_${process.pid}`;

  beforeAll(async () => {
    schema = await freshSchemaUrl({ application_name: app });
    // A runs nothing: what it starts runs on B, and A learns that B finished only by notification.
    a = await startInstance(schema.url, { instanceId: 'A', concurrency: 0, waitCapMs: 120_000 });
    b = await startInstance(withApplicationName(schema.url, `${app}_b`), { instanceId: 'B' });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('pg_terminate_backend of every connection: no crash, the pool and the LISTEN connection come back', async () => {
    const terminated = await adminQuery<{ pid: number }>(
      'SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [app],
    );
    expect(terminated.length).toBeGreaterThan(0);
    const old = terminated.map((r) => r.pid);

    // A's LISTEN connection is re-established (with backoff) on a new backend…
    await eventually(
      async () => {
        const rows = await adminQuery(
          'SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE $2 AND NOT (pid = ANY($3::int[]))',
          [app, 'LISTEN%', old],
        );
        return rows.length > 0;
      },
      { timeoutMs: 15_000 },
    );
    // …its pool serves requests again (a request racing the reconnect may see UNAVAILABLE, never a crash)…
    const op = await eventually(() => a.grpc.start('demo.sleep', { seconds: 1.5 }, 'after-terminate'), { timeoutMs: 15_000 });
    // …and a Wait on A wakes when B finishes: the 'done' notification reached A's new LISTEN connection.
    const done = await a.grpc.waitOperation({ name: op.name, timeout: { seconds: 100 } });
    expect(done.done).toBe(true);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
  });
});
