/**
 * Limits across instances on one PostgreSQL schema: --max-queued bounds the shared queue (what another
 * instance queued counts, and what it cancels makes room), and every instance purges with --retention
 * without getting in another's way; operations that are not done stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { grpcFailure } from '../helpers/grpc-client.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { expectGrpcRejection } from '../limits/rejection.js';
import { startInstance } from './instances.js';

describe.skipIf(!(await postgresAvailable()))('limits on a shared PostgreSQL queue', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    schema = await freshSchemaUrl();
    // Nothing runs: only a cancel (or the retention, for done ones) changes the queue.
    const options = { concurrency: 0, maxQueued: 3, retentionMs: 1000 };
    a = await startInstance(schema.url, options);
    b = await startInstance(schema.url, options);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('the limit is about the shared queue; a cancel on one instance makes room on the other; retention purges only done ones', async () => {
    const first = await a.grpc.start('demo.sleep');
    await a.grpc.start('demo.sleep');
    await b.grpc.start('demo.hash');
    await expectGrpcRejection(a.grpc.start('demo.sleep'), 'QUEUE_FULL');
    await expectGrpcRejection(b.grpc.start('demo.sleep'), 'QUEUE_FULL');
    expect((await a.grpc.listOperations({})).operations).toHaveLength(3);

    await b.grpc.cancelOperation({ name: first.name });
    const next = await a.grpc.start('demo.sleep');
    await expectGrpcRejection(b.grpc.start('demo.sleep'), 'QUEUE_FULL');

    // The cancelled one is done: purged within about a second, by whichever instance. The queued ones stay.
    await eventually(async () => (await grpcFailure(a.grpc.getOperation({ name: first.name }))).code === 5, { timeoutMs: 15_000 });
    const left = (await b.grpc.listOperations({})).operations;
    expect(left).toHaveLength(3);
    expect(left.map((o) => o.name)).toContain(next.name);
    expect(left.every((o) => !o.done)).toBe(true);
  });
});
