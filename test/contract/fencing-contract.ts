/**
 * Contract: exactly one live attempt. Each test here was written against the faults of issue 7 and seen
 * failing on the store that checked leases by owner only, with instance clocks and one rescue batch:
 * - a stale attempt (rescued, then claimed again, even by the same owner) could still finish, report,
 *   renew or release the record;
 * - on a store shared by many machines, an instance with a skewed clock could rescue live leases;
 * - one rescue took back at most one batch.
 */
import { describe, expect, it } from 'vitest';
import { ERR, T0, held, leaseTime, newId, newOp, rescueArgs, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeFencingContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('fencing tokens', () => {
    it('every claim gets a new token; a stale attempt of the same owner changes nothing once the record is claimed again', async () => {
      const first = await startRunning(ctx.store, { kind: 'test.fence', owner: 'a', leaseMs: 1 });
      const now = await leaseTime(ctx.store).expire(1);
      expect((await ctx.store.rescue(rescueArgs(now))).requeued).toEqual([first.id]);
      const [second] = await ctx.store.claim({ owner: 'a', kinds: ['test.fence'], limit: 1, leaseMs: 60_000, now: now + 1 });
      expect(second).toMatchObject({ id: first.id, attempt: 2, leaseOwner: 'a' });
      expect(second!.leaseToken).not.toBe(first.leaseToken);

      const stale = held(first);
      expect(await ctx.store.heartbeat({ owner: 'a', leases: [stale], leaseMs: 60_000, now: now + 2 })).toEqual([]);
      expect(await ctx.store.progress({ lease: stale, percent: 99, message: 'stale', now: now + 2 })).toBe(false);
      expect(await ctx.store.finish({ lease: stale, now: now + 2, result: { state: 'SUCCEEDED', output: { who: 'first' } } })).toBeUndefined();
      expect(await ctx.store.release({ lease: stale, now: now + 2 })).toBe(false);
      expect(await ctx.store.get(first.id)).toEqual(second);

      expect(await ctx.store.progress({ lease: held(second!), percent: 50, message: 'second', now: now + 3 })).toBe(true);
      const done = await ctx.store.finish({ lease: held(second!), now: now + 4, result: { state: 'SUCCEEDED', output: { who: 'second' } } });
      expect(done).toMatchObject({ state: 'SUCCEEDED', output: { who: 'second' }, attempt: 2 });
    });

    it('a token is not the attempt number: after a release gives the attempt back, the old token is refused', async () => {
      const first = await startRunning(ctx.store, { kind: 'test.fence-release', owner: 'a' });
      expect(await ctx.store.release({ lease: held(first), now: T0 + 1 })).toBe(true);
      const [second] = await ctx.store.claim({ owner: 'a', kinds: ['test.fence-release'], limit: 1, leaseMs: 60_000, now: T0 + 2 });
      expect(second).toMatchObject({ id: first.id, attempt: first.attempt });
      expect(second!.leaseToken).not.toBe(first.leaseToken);
      expect(await ctx.store.finish({ lease: held(first), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();
      expect(await ctx.store.progress({ lease: held(first), percent: 10, message: null, now: T0 + 3 })).toBe(false);
      expect((await ctx.store.get(first.id))?.state).toBe('RUNNING');
    });

    it('the tokens of many claims of many records never repeat for a record', async () => {
      const op = newOp({ kind: 'test.fence-many' });
      await ctx.store.create(op);
      const tokens = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const [r] = await ctx.store.claim({ owner: i % 2 ? 'a' : 'b', kinds: [op.kind], limit: 1, leaseMs: 60_000, now: T0 + i });
        tokens.add(r!.leaseToken);
        expect(await ctx.store.release({ lease: held(r!), now: T0 + i })).toBe(true);
      }
      expect(tokens.size).toBe(5);
    });
  });

  describe('lease clock', () => {
    it('on a store shared by many machines, a skewed instance clock never expires a live lease', async (t) => {
      if (ctx.store.leaseClock !== 'store') t.skip(); // one clock for every caller: skew cannot happen
      const other = await ctx.another();
      const hour = 3_600_000;
      // Claimed by an instance whose clock runs an hour slow, renewed by it, and rescued by one an hour fast.
      const run = await startRunning(ctx.store, { kind: 'test.skew', leaseMs: 60_000, claimAt: Date.now() - hour });
      expect(await ctx.store.heartbeat({ owner: 'owner-a', leases: [held(run)], leaseMs: 60_000, now: Date.now() - hour })).toHaveLength(1);
      expect(await other.rescue(rescueArgs(Date.now() + hour))).toEqual({ requeued: [], finished: [] });
      expect(await other.rescue(rescueArgs(Date.now() + 24 * hour))).toEqual({ requeued: [], finished: [] });
      expect(await ctx.store.get(run.id)).toMatchObject({ state: 'RUNNING', leaseOwner: 'owner-a', leaseToken: run.leaseToken });
    });
  });

  describe('rescue drains', () => {
    it('takes back every expired lease in one pass, however many batches that takes', async () => {
      const total = 1_234;
      const kind = `test.drain.${newId().slice(-6)}`;
      for (let i = 0; i < total; i++) await ctx.store.create(newOp({ kind, now: T0 + i }));
      const claimed = await ctx.store.claim({ owner: 'crashed', kinds: [kind], limit: total, leaseMs: 1, now: T0 + total });
      expect(claimed).toHaveLength(total);
      // A tenth have a cancel request: those end CANCELLED, the rest go back to the queue.
      for (const r of claimed.filter((_, i) => i % 10 === 0)) await ctx.store.requestCancel(r.id, T0 + total, ERR.cancelledBeforeStart);
      const now = await leaseTime(ctx.store).expire(1, T0 + total);
      const { requeued, finished } = await ctx.store.rescue(rescueArgs(now));
      expect(requeued.length + finished.length).toBe(total);
      expect(finished).toHaveLength(Math.ceil(total / 10));
      expect(new Set([...requeued, ...finished]).size).toBe(total);
      expect(await ctx.store.rescue(rescueArgs(now))).toEqual({ requeued: [], finished: [] });
    });
  });
}
