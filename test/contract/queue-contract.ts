/**
 * Contract: what admission reads. countQueued counts QUEUED records of every kind and principal (the queue
 * `--max-queued` bounds); getByRequestId finds the record a principal made with a request id, so a retried
 * start is answered with it even when new starts are refused.
 */
import { describe, expect, it } from 'vitest';
import { ERR, T0, held, newOp, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeQueueContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('countQueued and getByRequestId', () => {
    it('counts queued records of every kind and principal, and only those', async () => {
      expect(await ctx.store.countQueued()).toBe(0);
      await ctx.store.create(newOp({ kind: 'test.a' }));
      await ctx.store.create(newOp({ kind: 'test.b', principal: 'alice' }));
      const cancelled = (await ctx.store.create(newOp({ kind: 'test.c' }))).operation;
      expect(await ctx.store.countQueued()).toBe(3);

      await ctx.store.requestCancel(cancelled.id, T0 + 1, ERR.cancelledBeforeStart);
      const running = await startRunning(ctx.store);
      const finished = await startRunning(ctx.store);
      await ctx.store.finish({ lease: held(finished), now: T0 + 2, result: { state: 'SUCCEEDED', output: {} } });
      expect(await ctx.store.countQueued()).toBe(2);

      // Given back to the queue: counted again.
      await ctx.store.release({ lease: held(running), now: T0 + 3 });
      expect(await ctx.store.countQueued()).toBe(3);
      // Seen by another instance on the same data: the queue is shared.
      expect(await (await ctx.another()).countQueued()).toBe(3);
    });

    it('a request id of one principal, and only of that principal, finds its record, also once done', async () => {
      const alice = (await ctx.store.create(newOp({ principal: 'alice', requestId: 'r-1' }))).operation;
      const anonymous = (await ctx.store.create(newOp({ requestId: 'r-1' }))).operation;
      expect(await ctx.store.getByRequestId('r-1', 'alice')).toEqual(alice);
      expect(await ctx.store.getByRequestId('r-1', null)).toEqual(anonymous);
      expect(await ctx.store.getByRequestId('r-1', 'bob')).toBeUndefined();
      expect(await ctx.store.getByRequestId('r-2', 'alice')).toBeUndefined();

      const done = await ctx.store.requestCancel(alice.id, T0 + 1, ERR.cancelledBeforeStart);
      expect(await ctx.store.getByRequestId('r-1', 'alice')).toEqual(done?.operation);
    });
  });
}
