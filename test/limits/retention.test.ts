/**
 * --retention: the background task purges done operations whose end is older than the retention (Get →
 * NOT_FOUND), never one that is not done, and stops with the server. The task itself: batches until the
 * backlog is gone, nothing with 0, and stop() waits for the pass in flight and ends it.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionTask, retentionInterval } from '../../src/runtime/retention.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { eventually } from '../helpers/eventually.js';
import { grpcFailure } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const held = createHeldKind('test.held');
const logger = pino({ level: 'silent' });

describe('--retention on a server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ kinds: [held.kind], retentionMs: 1000 });
  });
  afterAll(async () => {
    held.releaseAll();
    await t?.close();
  });

  it('an old done operation disappears; a running one stays, and goes once it is done and old', async () => {
    const succeeded = await t.grpc.start('demo.sleep', { seconds: 0 });
    const failed = await t.grpc.start('demo.fail', { code: 9 });
    const longRunning = await t.grpc.start('test.held');
    const run = await held.started(longRunning.name);
    await untilDone(t.grpc, succeeded.name);
    await untilDone(t.grpc, failed.name);

    for (const op of [succeeded, failed]) {
      await eventually(async () => (await grpcFailure(t.grpc.getOperation({ name: op.name }))).reason === 'OPERATION_NOT_FOUND', { timeoutMs: 15_000 });
    }
    // Running for longer than the retention, but not done: kept.
    expect((await t.grpc.getOperation({ name: longRunning.name })).done).toBe(false);
    expect((await t.grpc.listOperations({})).operations.map((o) => o.name)).toEqual([longRunning.name]);

    run.release();
    await untilDone(t.grpc, longRunning.name);
    await eventually(async () => (await grpcFailure(t.grpc.getOperation({ name: longRunning.name }))).code === 5, { timeoutMs: 15_000 });
  });
});

/** A store whose purgeDone hands out `backlog` ids in batches, recording each call. */
function purgingStore(backlog: number, gate?: Promise<void>) {
  const calls: { before: number; limit: number }[] = [];
  let left = backlog;
  const store = {
    async purgeDone(args: { before: number; limit: number }) {
      calls.push(args);
      await gate;
      const n = Math.min(left, args.limit);
      left -= n;
      return Array.from({ length: n }, (_, i) => `id-${left + i}`);
    },
  } as unknown as OperationStore;
  return { store, calls, left: () => left };
}

describe('the retention task', () => {
  it('purges in batches until the backlog is gone, with the cut-off at now minus the retention', async () => {
    const s = purgingStore(450);
    const task = createRetentionTask({ store: s.store, logger, retentionMs: 60_000, now: () => 1_000_000, batchSize: 100 });
    expect(await task.purge()).toBe(450);
    expect(s.calls).toHaveLength(5);
    expect(s.calls.every((c) => c.before === 940_000 && c.limit === 100)).toBe(true);
  });

  it('runs at least once a minute, sooner for a short retention', () => {
    expect(retentionInterval(30 * 86_400_000)).toBe(60_000);
    expect(retentionInterval(1000)).toBe(250);
  });

  it('0 keeps everything: no pass ever starts', async () => {
    const s = purgingStore(10);
    const task = createRetentionTask({ store: s.store, logger, retentionMs: 0 });
    task.start();
    await task.stop();
    expect(s.calls).toEqual([]);
  });

  it('stop() waits for the pass in flight, which ends after its current batch; no pass starts after', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const s = purgingStore(1_000, gate);
    const task = createRetentionTask({ store: s.store, logger, retentionMs: 100, batchSize: 10 });
    task.start(); // the first pass starts at once and waits in its first batch
    await eventually(() => s.calls.length === 1);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    open();
    await stopping;
    expect(s.calls).toHaveLength(1);
    expect(s.left()).toBe(990);
  });
});
