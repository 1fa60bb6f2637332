/** Contract: requestCancel, claim, heartbeat, progress, finish, release and rescue, one caller at a time. */
import { describe, expect, it } from 'vitest';
import { ERR, LEASE, T0, held, ids, leaseTime, newOp, rescueArgs, startRunning, useStore, type StoreFactory } from './fixtures.js';

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
      const done = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 1, result: { state: 'SUCCEEDED', output: { v: 1 } } });
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
          leaseExpiry: expect.any(Number),
          leaseToken: expect.any(Number),
        })),
      );
      for (const r of claimed) {
        leaseTime(ctx.store).expectExpiry(r, T0 + 100, 500);
        expect(r.leaseToken).toBeGreaterThan(0);
        expect(await ctx.store.get(r.id)).toEqual(r);
      }
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
    it('extends the leases still held and reports cancel requests; the others are left out', async () => {
      const mine = await startRunning(ctx.store, { owner: 'a' });
      const cancelled = await startRunning(ctx.store, { owner: 'a' });
      const theirs = await startRunning(ctx.store, { owner: 'b' });
      const finished = await startRunning(ctx.store, { owner: 'a' });
      await ctx.store.requestCancel(cancelled.id, T0 + 1, ERR.cancelledBeforeStart);
      await ctx.store.finish({ lease: held(finished), now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } });
      const held1 = await ctx.store.heartbeat({
        owner: 'a',
        leases: [...[mine, cancelled, theirs, finished].map((r) => held(r)), { id: '01abcdefghjkmnpqrstvwxyz00', token: 1 }],
        leaseMs: 20_000,
        now: T0 + 50,
      });
      expect([...held1].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([
        { id: mine.id, requestedCancellation: false },
        { id: cancelled.id, requestedCancellation: true },
      ]);
      leaseTime(ctx.store).expectExpiry(await ctx.store.get(mine.id), T0 + 50, 20_000);
      expect((await ctx.store.get(theirs.id))?.leaseExpiry).toBe(theirs.leaseExpiry);
      expect(await ctx.store.heartbeat({ owner: 'a', leases: [], leaseMs: 2_000, now: T0 })).toEqual([]);
    });

    it('renews only with the current fencing token', async () => {
      const run = await startRunning(ctx.store, { owner: 'a' });
      const stale = { id: run.id, token: run.leaseToken - 1 };
      expect(await ctx.store.heartbeat({ owner: 'a', leases: [stale], leaseMs: 20_000, now: T0 + 50 })).toEqual([]);
      expect((await ctx.store.get(run.id))?.leaseExpiry).toBe(run.leaseExpiry);
    });
  });

  describe('progress', () => {
    it('stores percent and message for the owner; a null message keeps the last one', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.progress({ lease: held(run, 'owner-a'), percent: 40, message: 'step 4', now: T0 + 4 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 40, statusMessage: 'step 4', updateTime: T0 + 4 });
      expect(await ctx.store.progress({ lease: held(run, 'owner-a'), percent: 50, message: null, now: T0 + 5 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 50, statusMessage: 'step 4', updateTime: T0 + 5 });
    });

    it('refuses anyone but the owner, and a done record', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.progress({ lease: held(run, 'intruder'), percent: 90, message: 'x', now: T0 + 4 })).toBe(false);
      await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 5, result: { state: 'FAILED', error: ERR.failed } });
      expect(await ctx.store.progress({ lease: held(run, 'owner-a'), percent: 90, message: 'x', now: T0 + 6 })).toBe(false);
      expect(await ctx.store.get(run.id)).toMatchObject({ progressPercent: 0, statusMessage: '' });
    });
  });

  describe('finish', () => {
    it('SUCCEEDED: stores the output, 100 %, the end time, and drops the lease', async () => {
      const run = await startRunning(ctx.store);
      const done = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 9, result: { state: 'SUCCEEDED', output: { sum: 3 } } });
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
        await ctx.store.progress({ lease: held(run, 'owner-a'), percent: 30, message: 'partway', now: T0 + 1 });
        const done = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 2, result: { state, error } });
        expect(done).toMatchObject({ state, done: true, error, output: null, progressPercent: 30, endTime: T0 + 2, leaseOwner: null });
      }
    });

    it('only the owner can finish, and only once: the first result stands', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.finish({ lease: held(run, 'intruder'), now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
      expect(await ctx.store.get(run.id)).toEqual(run);
      const first = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 2, result: { state: 'FAILED', error: ERR.failed } });
      expect(first?.state).toBe('FAILED');
      expect(await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
      expect(await ctx.store.get(run.id)).toEqual(first);
      const queued = (await ctx.store.create(newOp())).operation;
      expect(await ctx.store.finish({ lease: held(queued, 'owner-a'), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
    });

    it('stores the last progress report with the end, in the same call (SUCCEEDED is 100 % whatever it says)', async () => {
      const ok = await startRunning(ctx.store);
      const done = await ctx.store.finish({ lease: held(ok), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} }, progress: { percent: 90, message: 'last step' } });
      expect(done).toMatchObject({ progressPercent: 100, statusMessage: 'last step' });
      const bad = await startRunning(ctx.store);
      await ctx.store.progress({ lease: held(bad), percent: 10, message: 'first', now: T0 + 1 });
      const failed = await ctx.store.finish({ lease: held(bad), now: T0 + 3, result: { state: 'FAILED', error: ERR.failed }, progress: { percent: 40, message: null } });
      expect(failed).toMatchObject({ progressPercent: 40, statusMessage: 'first' });
      const back = await startRunning(ctx.store, { kind: 'test.back' });
      expect(await ctx.store.release({ lease: held(back), now: T0 + 4, progress: { percent: 55, message: 'paused' } })).toBe(true);
      expect(await ctx.store.get(back.id)).toMatchObject({ state: 'QUEUED', progressPercent: 55, statusMessage: 'paused' });
    });

    it('a handler that finishes after a cancel request keeps its result, and requestedCancellation stays true', async () => {
      const run = await startRunning(ctx.store);
      await ctx.store.requestCancel(run.id, T0 + 1, ERR.cancelledBeforeStart);
      const done = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 2, result: { state: 'SUCCEEDED', output: { ok: 1 } } });
      expect(done).toMatchObject({ state: 'SUCCEEDED', requestedCancellation: true, output: { ok: 1 }, error: null });
    });
  });

  describe('release', () => {
    it('gives the record back to the queue without using up an attempt', async () => {
      const run = await startRunning(ctx.store, { kind: 'test.release' });
      expect(await ctx.store.release({ lease: held(run, 'owner-a'), now: T0 + 5 })).toBe(true);
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'QUEUED', done: false, attempt: 0, leaseOwner: null, leaseExpiry: null, updateTime: T0 + 5 });
      const [again] = await ctx.store.claim({ owner: 'b', kinds: ['test.release'], limit: 1, leaseMs: LEASE, now: T0 + 6 });
      expect(again).toMatchObject({ id: run.id, attempt: 1, leaseOwner: 'b' });
    });

    it('refuses anyone but the owner, and records that are not running', async () => {
      const run = await startRunning(ctx.store);
      expect(await ctx.store.release({ lease: held(run, 'intruder'), now: T0 + 5 })).toBe(false);
      expect(await ctx.store.get(run.id)).toEqual(run);
      await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 6, result: { state: 'SUCCEEDED', output: {} } });
      expect(await ctx.store.release({ lease: held(run, 'owner-a'), now: T0 + 7 })).toBe(false);
      expect((await ctx.store.get(run.id))?.state).toBe('SUCCEEDED');
    });
  });

  describe('rescue', () => {
    it('requeues records whose lease expired, leaving live ones; the next claim is attempt 2 with a new token', async () => {
      const live = await startRunning(ctx.store, { kind: 'test.live', leaseMs: 60_000 });
      const run = await startRunning(ctx.store, { kind: 'test.rescue', leaseMs: 1 });
      const now = await leaseTime(ctx.store).expire(1);
      expect(await ctx.store.rescue(rescueArgs(now))).toEqual({ requeued: [run.id], finished: [] });
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'QUEUED', done: false, attempt: 1, leaseOwner: null, leaseExpiry: null, updateTime: now });
      expect((await ctx.store.get(live.id))?.state).toBe('RUNNING');
      const [again] = await ctx.store.claim({ owner: 'b', kinds: ['test.rescue'], limit: 1, leaseMs: 1_000, now: now + 1 });
      expect(again).toMatchObject({ id: run.id, attempt: 2, leaseOwner: 'b' });
      expect(again!.leaseToken).toBeGreaterThan(run.leaseToken);
      leaseTime(ctx.store).expectExpiry(again, now + 1, 1_000);
    });

    it("on the caller's clock: a lease expires after its expiry, not at it", async (t) => {
      if (ctx.store.leaseClock !== 'caller') t.skip();
      const run = await startRunning(ctx.store, { kind: 'test.rescue', leaseMs: 1_000 });
      expect(await ctx.store.rescue(rescueArgs(T0 + 1_000))).toEqual({ requeued: [], finished: [] });
      expect(await ctx.store.rescue(rescueArgs(T0 + 1_001))).toEqual({ requeued: [run.id], finished: [] });
    });

    it('fails a record whose attempts are used up with the given error', async () => {
      const run = await startRunning(ctx.store, { maxAttempts: 1, leaseMs: 1 });
      const now = await leaseTime(ctx.store).expire(1);
      expect(await ctx.store.rescue(rescueArgs(now))).toEqual({ requeued: [], finished: [run.id] });
      expect(await ctx.store.get(run.id)).toMatchObject({
        state: 'FAILED',
        done: true,
        error: ERR.exhausted,
        endTime: now,
        leaseOwner: null,
        leaseExpiry: null,
      });
    });

    it('cancels a record whose cancel was requested, even with attempts left', async () => {
      const run = await startRunning(ctx.store, { maxAttempts: 3, leaseMs: 1 });
      await ctx.store.requestCancel(run.id, T0 + 1, ERR.cancelledBeforeStart);
      const now = await leaseTime(ctx.store).expire(1);
      expect(await ctx.store.rescue(rescueArgs(now))).toEqual({ requeued: [], finished: [run.id] });
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'CANCELLED', done: true, error: ERR.cancelledWhileRunning, endTime: now });
    });

    it('a heartbeat keeps a lease alive past its first expiry', async () => {
      const run = await startRunning(ctx.store, { leaseMs: 150 });
      expect(await ctx.store.heartbeat({ owner: 'owner-a', leases: [held(run)], leaseMs: 60_000, now: T0 + 100 })).toHaveLength(1);
      const now = await leaseTime(ctx.store).expire(150);
      expect(await ctx.store.rescue(rescueArgs(now))).toEqual({ requeued: [], finished: [] });
      expect((await ctx.store.get(run.id))?.state).toBe('RUNNING');
    });
  });
}
