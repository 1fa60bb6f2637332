/** Contract: countByKindAndState, the grouped count behind the `lro_operations` gauge. */
import { describe, expect, it } from 'vitest';
import type { KindStateCount } from '../../src/store/operation-store.js';
import { ERR, T0, held, newOp, useStore, type StoreFactory } from './fixtures.js';

const sorted = (rows: KindStateCount[]) => [...rows].sort((a, b) => `${a.kind} ${a.state}`.localeCompare(`${b.kind} ${b.state}`));

export function describeCountsContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('countByKindAndState', () => {
    it('is empty for an empty store', async () => {
      expect(await ctx.store.countByKindAndState()).toEqual([]);
    });

    it('counts every record by kind and state, every principal alike, and leaves out pairs with none', async () => {
      for (const principal of [null, 'alice', 'bob']) await ctx.store.create(newOp({ kind: 'count.a', principal }));
      await ctx.store.create(newOp({ kind: 'count.b' }));
      const cancelled = (await ctx.store.create(newOp({ kind: 'count.b' }))).operation;
      await ctx.store.requestCancel(cancelled.id, T0 + 1, ERR.cancelledBeforeStart);
      await ctx.store.create(newOp({ kind: 'count.c' }));
      await ctx.store.create(newOp({ kind: 'count.c' }));
      const [running, finished] = await ctx.store.claim({ owner: 'w', kinds: ['count.c'], limit: 2, leaseMs: 10_000, now: T0 + 2 });
      await ctx.store.finish({ lease: held(finished!), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } });
      expect(running).toBeDefined();

      expect(sorted(await ctx.store.countByKindAndState())).toEqual([
        { kind: 'count.a', state: 'QUEUED', count: 3 },
        { kind: 'count.b', state: 'CANCELLED', count: 1 },
        { kind: 'count.b', state: 'QUEUED', count: 1 },
        { kind: 'count.c', state: 'RUNNING', count: 1 },
        { kind: 'count.c', state: 'SUCCEEDED', count: 1 },
      ]);
    });

    it('forgets deleted records', async () => {
      const op = (await ctx.store.create(newOp({ kind: 'count.d' }))).operation;
      await ctx.store.requestCancel(op.id, T0 + 1, ERR.cancelledBeforeStart);
      expect(await ctx.store.countByKindAndState()).toEqual([{ kind: 'count.d', state: 'CANCELLED', count: 1 }]);
      expect(await ctx.store.delete(op.id)).toBe('deleted');
      expect(await ctx.store.countByKindAndState()).toEqual([]);
    });
  });
}
