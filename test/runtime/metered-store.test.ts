/**
 * The metered store and the cancel clock on a real SQLite store and a real bus: the paths the end-to-end
 * tests do not reach easily (a rescue that ends an operation, an id given twice in one batch, a repeated
 * cancel, a bounded clock).
 */
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/events/event-bus.js';
import { createCancelClock } from '../../src/metrics/cancel-clock.js';
import { meterStore } from '../../src/metrics/metered-store.js';
import { createServerMetrics } from '../../src/metrics/server-metrics.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ERR, T0, newOp } from '../contract/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

describe('the metered store', () => {
  const dir = tempDir();
  let inner: OperationStore;
  let store: OperationStore;
  let value: (name: string, labels?: Record<string, string>) => Promise<number | undefined>;

  beforeEach(() => {
    inner = createSqliteStore(dir.file(`lro-${Math.random().toString(36).slice(2)}.sqlite`));
    const metrics = createServerMetrics({ countOperations: () => inner.countByKindAndState(), running: () => 0, kinds: [], logger });
    const cancels = createCancelClock(createLocalBus(), (s) => metrics.cancelLatency(s));
    store = meterStore(inner, { metrics, cancels, logger });
    value = async (name, labels = {}) => {
      const found = parsePrometheus(await metrics.render()).filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      return found.length === 0 ? undefined : found.reduce((n, s) => n + s.value, 0);
    };
  });
  afterEach(async () => {
    await inner.close();
  });
  afterAll(() => dir.cleanup());

  it('counts what a rescue ended (it answers ids only: the records are read back)', async () => {
    const op = newOp({ kind: 'test.rescued', maxAttempts: 1 });
    await store.create(op);
    await store.claim({ owner: 'dead', kinds: [op.kind], limit: 1, leaseMs: 10, now: T0 });
    const { finished } = await store.rescue({ now: T0 + 1_000, exhausted: ERR.exhausted, cancelled: ERR.cancelledWhileRunning });
    expect(finished).toEqual([op.id]);
    await eventually(async () => (await value('lro_operations_finished_total', { kind: 'test.rescued', state: 'FAILED' })) === 1);
    expect(await value('lro_operation_duration_seconds_sum', { kind: 'test.rescued', state: 'FAILED' })).toBe(1);
  });

  it('counts an operation named twice in one batch once, and a repeated create not at all', async () => {
    const op = newOp({ kind: 'test.twice', requestId: 'same' });
    await store.create(op);
    await store.create({ ...op, id: newOp().id });
    expect(await value('lro_operations_started_total', { kind: 'test.twice' })).toBe(1);
    await store.requestCancelMany({ ids: [op.id, op.id] }, T0 + 1, ERR.cancelledBeforeStart);
    expect(await value('lro_cancel_requests_total', { kind: 'test.twice' })).toBe(1);
    expect(await value('lro_operations_finished_total', { kind: 'test.twice', state: 'CANCELLED' })).toBe(1);
    expect(await value('lro_cancel_latency_seconds_count')).toBe(1);
  });
});

describe('the cancel clock', () => {
  it('observes from the first request to the done event, once; other events and unknown ids are ignored', () => {
    const bus = createLocalBus();
    const seen: number[] = [];
    const clock = createCancelClock(bus, (s) => seen.push(s));
    const start = performance.now();
    clock.requested('a', start - 2_000);
    clock.requested('a', start - 1_000); // a retried cancel does not restart the clock
    bus.publish({ type: 'cancel', id: 'a' });
    bus.publish({ type: 'done', id: 'b' });
    expect(seen).toEqual([]);
    bus.publish({ type: 'done', id: 'a' });
    bus.publish({ type: 'done', id: 'a' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(2);
    clock.close();
  });

  it('keeps at most maxPending requests, forgetting the oldest', () => {
    const bus = createLocalBus();
    const seen: number[] = [];
    const clock = createCancelClock(bus, (s) => seen.push(s), 2);
    for (const id of ['a', 'b', 'c']) clock.requested(id, performance.now());
    for (const id of ['a', 'b', 'c']) bus.publish({ type: 'done', id });
    expect(seen).toHaveLength(2);
    clock.close();
    clock.requested('d', performance.now());
    bus.publish({ type: 'done', id: 'd' });
    expect(seen).toHaveLength(2);
  });
});
