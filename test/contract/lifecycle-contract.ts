/** Contract: requestCancel, claim, heartbeat, progress, finish, release and rescue, one caller at a time. */
import { describe, expect, it } from 'vitest';
import { ERR, LEASE, T0, ids, newOp, rescueArgs, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeLifecycleContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('requestCancel', () => {
    it('cancels a queued record at once with the given error; it is never claimed', async () => {
      const { operation } = await ctx.store.create(newOp());
      const result = await ctx.store.requestCancel(operation.id, T0 + 7, ERR.cancelledBeforeStart);
      const expected = {
        ...operation,
        state: 'CANCELLED',
        done: true,
        requestedCancellation: true,
        error: ERR.cancelledBeforeStart,
        updateTime: T0 + 7,
        endTime: T0 + 7,
      };
      expect(result).toEqual({ outcome: 'cancelled', operation: expected });
      expect(await ctx.store.get(operation.id)).toEqual(expected);
      expect(await ctx.store.claim({ owner: 'w', kinds: ['test.a'], limit: 10, leaseMs: LEASE, now: T0 + 8 })).toEqual([]);
    });

    it('marks a running record requested (it keeps running and its lease), repeatably', async () => {
      const run = await startRunning(ctx.store);
      const first = await ctx.store.requestCancel(run.id, T0 + 3, ERR.cancelledBeforeStart);
      expect(first).toEqual({ outcome: 'requested', operation: { ...run, requestedCancellation: true, updateTime: T0 + 3 } });
      const second = await ctx.store.requestCancel(run.id, T0 + 4, ERR.cancelledBeforeStart);
      expect(second?.outcome).toBe('requested');
      expect(second?.operation).toMatchObject({ state: 'RUNNING', done: false, error: null, leaseOwner: 'owner-a' });
    });

    it('changes nothing on a done record', async () => {
      const run = await startRunning(ctx.store);
      const done = await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 1, result: { state: 'SUCCEEDED', output: { v: 1 } } });
      expect(await ctx.store.requestCancel(run.id, T0 + 9, ERR.cancelledBeforeStart)).toEqual({ outcome: 'already_done', operation: done });
      const { operation: queued } = await ctx.store.create(newOp());
      const cancelled = await ctx.store.requestCancel(queued.id, T0 + 2, ERR.cancelledBeforeStart);
      expect(await ctx.store.requestCancel(queued.id, T0 + 9, ERR.cancelledWhileRunning)).toEqual({
        outcome: 'already_done',
        operation: cancelled?.operation,
      });
    });

    it('is undefined for an unknown id', async () => {
      expect(await ctx.store.requestCancel('01abcdefghjkmnpqrstvwxyz00', T0, ERR.cancelledBeforeStart)).toBeUndefined();
    });
  });

  describe('claim', () => {
    it('takes queued records oldest first, up to the limit: RUNNING, attempt + 1, started, leased', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) made.push((await ctx.store.create(newOp({ now: T0 + i }))).operation);
      const claimed = await ctx.store.claim({ owner: 'w1', kinds: ['test.a'], limit: 2, leaseMs: 500, now: T0 + 100 });
      expect(claimed).toEqual(
        made.slice(0, 2).map((r) => ({
          ...r,
          state: 'RUNNING',
          attempt: 1,
          startTime: T0 + 100,
          updateTime: T0 + 100,
          leaseOwner: 'w1',
          leaseExpiry: T0 + 600,
        })),
      );
      for (const r of claimed) expect(await ctx.store.get(r.id)).toEqual(r);
      const rest = await ctx.store.claim({ owner: 'w2', kinds: ['test.a'], limit: 10, leaseMs: 500, now: T0 + 200 });
      expect(ids(rest)).toEqual(ids(made.slice(2)));
      expect(await ctx.store.claim({ owner: 'w3', kinds: ['test.a'], limit: 10, leaseMs: 500, now: T0 + 300 })).toEqual([]);
    });

    it('takes only the given kinds, and nothing for no kinds or a zero limit', async () => {
      const a = (await ctx.store.create(newOp({ kind: 'test.a' }))).operation;
      const b = (await ctx.store.create(newOp({ kind: 'test.b' }))).operation;
      const c = (await ctx.store.create(newOp({ kind: 'test.c' }))).operation;
      expect(await ctx.store.claim({ owner: 'w', kinds: [], limit: 10, leaseMs: LEASE, now: T0 })).toEqual([]);
      expect(await ctx.store.claim({ owner: 'w', kinds: ['test.a'], limit: 0, leaseMs: LEASE, now: T0 })).toEqual([]);
      expect(ids(await ctx.store.claim({ owner: 'w', kinds: ['test.c', 'test.a'], limit: 10, leaseMs: LEASE, now: T0 }))).toEqual([a.id, c.id]);
      expect((await ctx.store.get(b.id))?.state).toBe('QUEUED');
    });
  });

  describe('heartbeat', () => {
    it('extends the leases the owner still holds and reports cancel requests; the others are left out', async () => {
      const mine = await startRunning(ctx.store, { owner: 'a' });
      const cancelled = await startRunning(ctx.store, { owner: 'a' });
      const theirs = await startRunning(ctx.store, { owner: 'b' });
      const finished = await startRunning(ctx.store, { owner: 'a' });
      await ctx.store.requestCancel(cancelled.id, T0 + 1, ERR.cancelledBeforeStart);
      await ctx.store.finish({ id: finished.id, owner: 'a', now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } });
      const held = await ctx.store.heartbeat({
        owner: 'a',
        ids: [mine.id, cancelled.id, theirs.id, finished.id, '01abcdefghjkmnpqrstvwxyz00'],
        leaseMs: 2_000,
        now: T0 + 50,
      });
      expect([...held].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([
        { id: mine.id, requestedCancellation: false },
        { id: cancelled.id, requestedCancellation: true },
      ]);
      expect((await ctx.store.get(mine.id))?.leaseExpiry).toBe(T0 + 2_050);
      expect((await ctx.store.get(theirs.id))?.leaseExpiry).toBe(T0 + LEASE);
      expect(await ctx.store.heartbeat({ owner: 'a', ids: [], leaseMs: 2_000, now: T0 })).toEqual([]);
    });
  });

  describe('progress', () => {
    it('stores percent and message for the owner; a null message keeps the last one', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.progress({ id: run.id, owner: 'owner-a', percent: 40, message: 'step 4', now: T0 + 4 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 40, statusMessage: 'step 4', updateTime: T0 + 4 });
      expect(await ctx.store.progress({ id: run.id, owner: 'owner-a', percent: 50, message: null, now: T0 + 5 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 50, statusMessage: 'step 4', updateTime: T0 + 5 });
    });

    it('refuses anyone but the owner, and a done record', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.progress({ id: run.id, owner: 'intruder', percent: 90, message: 'x', now: T0 + 4 })).toBe(false);
      await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 5, result: { state: 'FAILED', error: ERR.failed } });
      expect(await ctx.store.progress({ id: run.id, owner: 'owner-a', percent: 90, message: 'x', now: T0 + 6 })).toBe(false);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 0, statusMessage: '' });
    });
  });

  describe('finish', () => {
    it('SUCCEEDED: stores the output, 100 %, the end time, and drops the lease', async () => {
      const run = await startRunning(ctx.store);
      const done = await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 9, result: { state: 'SUCCEEDED', output: { sum: 3 } } });
      const expected = {
        ...run,
        state: 'SUCCEEDED',
        done: true,
        output: { sum: 3 },
        progressPercent: 100,
        updateTime: T0 + 9,
        endTime: T0 + 9,
        leaseOwner: null,
        leaseExpiry: null,
      };
      expect(done).toEqual(expected);
      expect(await ctx.store.get(run.id)).toEqual(expected);
    });

    it('FAILED and CANCELLED: store the error and keep the progress', async () => {
      for (const [state, error] of [
        ['FAILED', ERR.failed],
        ['CANCELLED', ERR.cancelledWhileRunning],
      ] as const) {
        const run = await startRunning(ctx.store);
        await ctx.store.progress({ id: run.id, owner: 'owner-a', percent: 30, message: 'partway', now: T0 + 1 });
        const done = await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 2, result: { state, error } });
        expect(done).toMatchObject({ state, done: true, error, output: null, progressPercent: 30, endTime: T0 + 2, leaseOwner: null });
      }
    });

    it('only the owner can finish, and only once: the first result stands', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.finish({ id: run.id, owner: 'intruder', now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
      expect(await ctx.store.get(run.id)).toEqual(run);
      const first = await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 2, result: { state: 'FAILED', error: ERR.failed } });
      expect(first?.state).toBe('FAILED');
      expect(await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
      expect(await ctx.store.get(run.id)).toEqual(first);
      const queued = (await ctx.store.create(newOp())).operation;
      expect(await ctx.store.finish({ id: queued.id, owner: 'owner-a', now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
    });

    it('a handler that finishes after a cancel request keeps its result, and requestedCancellation stays true', async () => {
      const run = await startRunning(ctx.store);
      await ctx.store.requestCancel(run.id, T0 + 1, ERR.cancelledBeforeStart);
      const done = await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 2, result: { state: 'SUCCEEDED', output: { ok: 1 } } });
      expect(done).toMatchObject({ state: 'SUCCEEDED', requestedCancellation: true, output: { ok: 1 }, error: null });
    });
  });

  describe('release', () => {
    it('gives the record back to the queue without using up an attempt', async () => {
      const run = await startRunning(ctx.store, { kind: 'test.release' });
      expect(await ctx.store.release({ id: run.id, owner: 'owner-a', now: T0 + 5 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'QUEUED', done: false, attempt: 0, leaseOwner: null, leaseExpiry: null, updateTime: T0 + 5 });
      const [again] = await ctx.store.claim({ owner: 'b', kinds: ['test.release'], limit: 1, leaseMs: LEASE, now: T0 + 6 });
      expect(again).toMatchObject({ id: run.id, attempt: 1, leaseOwner: 'b' });
    });

    it('refuses anyone but the owner, and records that are not running', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.release({ id: run.id, owner: 'intruder', now: T0 + 5 })).toBe(false);
      expect(await ctx.store.get(run.id)).toEqual(run);
      await ctx.store.finish({ id: run.id, owner: 'owner-a', now: T0 + 6, result: { state: 'SUCCEEDED', output: {} } });
      expect(await ctx.store.release({ id: run.id, owner: 'owner-a', now: T0 + 7 })).toBe(false);
      expect((await ctx.store.get(run.id))?.state).toBe('SUCCEEDED');
    });
  });

  describe('rescue', () => {
    it('requeues records whose lease expired before now (not at now); the next claim is attempt 2', async () => {
      const run = await startRunning(ctx.store, { kind: 'test.rescue', leaseMs: 1_000 });
      expect(await ctx.store.rescue(rescueArgs(T0 + 1_000))).toEqual({ requeued: [], finished: [] });
      expect(await ctx.store.rescue(rescueArgs(T0 + 1_001))).toEqual({ requeued: [run.id], finished: [] });
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'QUEUED', done: false, attempt: 1, leaseOwner: null, leaseExpiry: null, updateTime: T0 + 1_001 });
      const [again] = await ctx.store.claim({ owner: 'b', kinds: ['test.rescue'], limit: 1, leaseMs: 1_000, now: T0 + 2_000 });
      expect(again).toMatchObject({ id: run.id, attempt: 2, leaseOwner: 'b', leaseExpiry: T0 + 3_000 });
    });

    it('fails a record whose attempts are used up with the given error', async () => {
      const run = await startRunning(ctx.store, { maxAttempts: 1, leaseMs: 1_000 });
      expect(await ctx.store.rescue(rescueArgs(T0 + 5_000))).toEqual({ requeued: [], finished: [run.id] });
      expect(await ctx.store.get(run.id)).toMatchObject({
        state: 'FAILED',
        done: true,
        error: ERR.exhausted,
        endTime: T0 + 5_000,
        leaseOwner: null,
        leaseExpiry: null,
      });
    });

    it('cancels a record whose cancel was requested, even with attempts left', async () => {
      const run = await startRunning(ctx.store, { maxAttempts: 3, leaseMs: 1_000 });
      await ctx.store.requestCancel(run.id, T0 + 1, ERR.cancelledBeforeStart);
      expect(await ctx.store.rescue(rescueArgs(T0 + 5_000))).toEqual({ requeued: [], finished: [run.id] });
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'CANCELLED', done: true, error: ERR.cancelledWhileRunning, endTime: T0 + 5_000 });
    });

    it('leaves live leases alone, and a heartbeat keeps a lease alive', async () => {
      const run = await startRunning(ctx.store, { leaseMs: 1_000 });
      await ctx.store.heartbeat({ owner: 'owner-a', ids: [run.id], leaseMs: 1_000, now: T0 + 900 });
      expect(await ctx.store.rescue(rescueArgs(T0 + 1_500))).toEqual({ requeued: [], finished: [] });
      expect((await ctx.store.get(run.id))?.state).toBe('RUNNING');
    });
  });
}
