/**
 * /metrics of two instances on one PostgreSQL schema: A serves the API and runs nothing (concurrency 0), B
 * runs everything. What each counts is what happened on it (A: the start and the cancel request; B: the
 * finish), the store gauges are the same deployment-wide numbers on both, and A measures the cancel's
 * latency although the operation ended on B: the 'done' reaches A by NOTIFY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone } from '../helpers/operations.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import { scrape } from '../helpers/prometheus.js';
import { eventually } from '../helpers/eventually.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';

const held = createHeldKind('test.held');

describe.skipIf(!(await postgresAvailable()))('/metrics of several instances on one PostgreSQL', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    a = await startInstance(schema.url, { instanceId: 'A', concurrency: 0, kinds: [held.kind] });
    b = await startInstance(schema.url, { instanceId: 'B', kinds: [held.kind] });
  });

  afterAll(async () => {
    held.releaseAll();
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('counts each change on the instance where it happened, and the store gauges alike on both', async () => {
    const op = await a.grpc.start('test.held');
    await held.started(op.name);

    const [duringA, duringB] = await Promise.all([scrape(a.http), scrape(b.http)]);
    for (const s of [duringA, duringB]) expect(s.value('lro_operations', { kind: 'test.held', state: 'RUNNING' })).toBe(1);
    expect(duringA.value('lro_running')).toBe(0);
    expect(duringB.value('lro_running')).toBe(1);
    expect(duringA.value('lro_operations_started_total', { kind: 'test.held' })).toBe(1);
    expect(duringB.value('lro_operations_started_total', { kind: 'test.held' })).toBe(0);

    await a.grpc.cancelOperation({ name: op.name });
    await untilDone(a.grpc, op.name);

    const afterA = await eventually(async () => {
      const s = await scrape(a.http);
      return s.value('lro_cancel_latency_seconds_count') === 1 ? s : undefined;
    });
    const afterB = await eventually(async () => {
      const s = await scrape(b.http);
      return s.value('lro_operations_finished_total', { kind: 'test.held', state: 'CANCELLED' }) === 1 ? s : undefined;
    });
    expect(afterA.value('lro_cancel_requests_total', { kind: 'test.held', outcome: 'requested' })).toBe(1);
    expect(afterB.value('lro_cancel_requests_total', { kind: 'test.held' })).toBeUndefined();
    expect(afterA.value('lro_operations_finished_total', { kind: 'test.held' })).toBeUndefined();
    expect(afterB.value('lro_cancel_latency_seconds_count')).toBe(0);
    for (const s of [afterA, afterB]) expect(s.value('lro_operations', { kind: 'test.held', state: 'CANCELLED' })).toBe(1);
  });
});
