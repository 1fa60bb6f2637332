/**
 * A handler can tell why its signal fired (the exported AbortCause), and an attempt that lost its lease
 * stores nothing: here a second worker takes the lease away while the first still runs (as after a stall
 * longer than the lease), and the first, deaf to its lease_lost signal, returns normally later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OperationAbortedError, type AbortCause } from '../../src/index.js';
import { defineKind } from '../../src/runtime/kind.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { eventually } from '../helpers/eventually.js';
import { metadataOf } from '../helpers/grpc-client.js';
import { gate, untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const seen: { name: string; cause: AbortCause | undefined; reasonIsTyped: boolean }[] = [];
const deafGate = gate();
const deafAborts: (AbortCause | undefined)[] = [];

const watcher = defineKind({
  name: 'test.watch-cause',
  timeout: 60_000,
  async handler(_input, ctx) {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    seen.push({ name: ctx.name, cause: ctx.abortCause, reasonIsTyped: ctx.signal.reason instanceof OperationAbortedError });
    ctx.throwIfCancelled();
    return {};
  },
});
const short = defineKind({ ...watcher, name: 'test.short', timeout: 200 });
const deaf = defineKind({
  name: 'test.deaf',
  async handler(_input, ctx) {
    ctx.signal.addEventListener('abort', () => deafAborts.push(ctx.abortCause), { once: true });
    await deafGate.promise; // deaf to its signal
    seen.push({ name: ctx.name, cause: ctx.abortCause, reasonIsTyped: ctx.signal.reason instanceof OperationAbortedError });
    return { who: 'stale attempt' };
  },
});

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('why a handler was stopped', () => {
  it("CancelOperation → 'cancelled'; the kind's timeout → 'deadline'", async () => {
    t = await startTestServer({ kinds: [watcher, short], demoKinds: false });
    const cancelled = await t.grpc.start('test.watch-cause');
    await untilRunning(t.grpc, cancelled.name);
    await t.grpc.cancelOperation({ name: cancelled.name });
    expect(metadataOf(await untilDone(t.grpc, cancelled.name)).state).toBe('CANCELLED');
    const timedOut = await t.grpc.start('test.short');
    const done = await untilDone(t.grpc, timedOut.name);
    expect(done.error?.code).toBe(4);
    expect(seen).toEqual([
      { name: cancelled.name, cause: 'cancelled', reasonIsTyped: true },
      { name: timedOut.name, cause: 'deadline', reasonIsTyped: true },
    ]);
  });

  it("a lost lease → 'lease_lost', and what the stale attempt returns afterwards is not stored", async () => {
    t = await startTestServer({ kinds: [deaf], demoKinds: false, concurrency: 1, leaseMs: 1_000 });
    const op = await t.grpc.start('test.deaf');
    await untilRunning(t.grpc, op.name);
    const id = op.name.slice('operations/'.length);

    // A second worker on the same file whose clock runs a minute ahead takes the lease and claims the operation.
    const other = createSqliteStore(t.storePath);
    try {
      const errors = { exhausted: { code: 10, message: 'x', reason: 'ATTEMPTS_EXHAUSTED', metadata: {} }, cancelled: { code: 1, message: 'x', reason: 'CANCELLED_WHILE_RUNNING', metadata: {} } };
      expect((await other.rescue({ now: Date.now() + 60_000, ...errors })).requeued).toEqual([id]);
      const [mine] = await other.claim({ owner: 'intruder', kinds: ['test.deaf'], limit: 1, leaseMs: 60_000, now: Date.now() });
      expect(mine).toMatchObject({ id, attempt: 2 });

      // The server's next heartbeat finds its lease gone: its handler's signal fires with lease_lost.
      await eventually(() => deafAborts.length === 1);
      expect(deafAborts).toEqual(['lease_lost']);
      deafGate.open();
      await eventually(() => seen.some((s) => s.name === op.name));
      expect(seen.find((s) => s.name === op.name)).toEqual({ name: op.name, cause: 'lease_lost', reasonIsTyped: true });
      await eventually(() => t!.server.runner.runningIds().length === 0);

      // The stale attempt's result was refused; the record still belongs to the new attempt, which finishes it.
      expect(await other.get(id)).toMatchObject({ state: 'RUNNING', attempt: 2, leaseOwner: 'intruder', output: null });
      const done = await other.finish({ lease: { id, owner: 'intruder', token: mine!.leaseToken }, now: Date.now(), result: { state: 'SUCCEEDED', output: { who: 'new attempt' } } });
      expect(done).toMatchObject({ state: 'SUCCEEDED', output: { who: 'new attempt' } });
    } finally {
      await other.close();
    }
  });
});

