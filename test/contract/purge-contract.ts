/**
 * Contract: purgeDone, the retention task's store call. Done records whose end is older than `before` go,
 * oldest end first, at most `limit` a call, with their labels; records that are not done never go, however
 * old; two instances purging at once delete each record once and never fail.
 */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import type { OperationRecord, OperationStore } from '../../src/store/operation-store.js';
import { ERR, T0, held, ids, newOp, startRunning, useStore, type StoreFactory } from './fixtures.js';

/** A record created at T0 and cancelled before it started at `end`: done, with end time `end`. */
async function doneAt(store: OperationStore, end: number, labels: Record<string, string> = {}): Promise<OperationRecord> {
  const { operation } = await store.create(newOp({ labels }));
  const cancelled = await store.requestCancel(operation.id, end, ERR.cancelledBeforeStart);
  if (cancelled?.outcome !== 'cancelled') throw new Error('could not cancel the record just created');
  return cancelled.operation;
}

export function describePurgeContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('purgeDone (retention)', () => {
    it('deletes done records that ended before the cut-off, oldest end first, at most limit a call', async () => {
      const ends = [T0 + 500, T0 + 100, T0 + 300, T0 + 200, T0 + 400];
      const made = [];
      for (const end of ends) made.push(await doneAt(ctx.store, end));
      const byEnd = [...made].sort((a, b) => a.endTime! - b.endTime!);
      // Succeeded and failed records go alike.
      const run = await startRunning(ctx.store);
      const succeeded = await ctx.store.finish({ lease: held(run), now: T0 + 50, result: { state: 'SUCCEEDED', output: {} } });
      const fresh = await doneAt(ctx.store, T0 + 1000);

      // Which records a call takes is oldest end first; the ids it returns come in no particular order.
      const purge = async (before: number, limit: number) => (await ctx.store.purgeDone({ before, limit })).sort();
      expect(await purge(T0 + 450, 2)).toEqual([succeeded!.id, byEnd[0]!.id].sort());
      expect(await purge(T0 + 450, 2)).toEqual(ids(byEnd.slice(1, 3)).sort());
      expect(await purge(T0 + 450, 2)).toEqual([byEnd[3]!.id]);
      expect(await purge(T0 + 450, 2)).toEqual([]);

      for (const r of [succeeded!, ...byEnd.slice(0, 4)]) expect(await ctx.store.get(r.id)).toBeUndefined();
      // Ended at or after the cut-off: kept.
      expect(await ctx.store.get(byEnd[4]!.id)).toEqual(byEnd[4]);
      expect(await ctx.store.get(fresh.id)).toEqual(fresh);
      expect(await ctx.store.purgeDone({ before: T0 + 500, limit: 10 })).toEqual([]);
      expect(await ctx.store.purgeDone({ before: T0 + 501, limit: 10 })).toEqual([byEnd[4]!.id]);
    });

    it('never deletes records that are not done, however old', async () => {
      const queued = (await ctx.store.create(newOp({ now: T0 - 1_000_000 }))).operation;
      const running = await startRunning(ctx.store, { now: T0 - 1_000_000 });
      const cancelRequested = await startRunning(ctx.store, { now: T0 - 1_000_000 });
      await ctx.store.requestCancel(cancelRequested.id, T0 - 999_000, ERR.cancelledBeforeStart);

      expect(await ctx.store.purgeDone({ before: T0 + 10_000_000, limit: 100 })).toEqual([]);
      expect((await ctx.store.get(queued.id))?.state).toBe('QUEUED');
      expect((await ctx.store.get(running.id))?.state).toBe('RUNNING');
      expect((await ctx.store.get(cancelRequested.id))?.requestedCancellation).toBe(true);
    });

    it('takes the labels with the record: a later record with the same id does not inherit them', async () => {
      const old = await doneAt(ctx.store, T0 + 1, { session: 'gone', keep: 'no' });
      expect(await ctx.store.purgeDone({ before: T0 + 2, limit: 10 })).toEqual([old.id]);
      // The id is free again: a record made with it must not match the purged record's labels.
      await ctx.store.create(newOp({ id: old.id, labels: { session: 'new' } }));
      const list = (filter: string) => ctx.store.list({ filter: parseFilter(filter), beforeId: null, limit: 10 });
      expect(await list('metadata.labels.session = "gone"')).toEqual([]);
      expect(await list('metadata.labels.keep = "no"')).toEqual([]);
      expect(ids(await list('metadata.labels.session = "new"'))).toEqual([old.id]);
      expect(ids(await list('metadata.labels.keep != "no"'))).toEqual([old.id]);
    });

    it('a request id of a purged record is free again', async () => {
      const { operation } = await ctx.store.create(newOp({ requestId: 'purged-id' }));
      await ctx.store.requestCancel(operation.id, T0 + 1, ERR.cancelledBeforeStart);
      await ctx.store.purgeDone({ before: T0 + 2, limit: 10 });
      const again = await ctx.store.create(newOp({ requestId: 'purged-id' }));
      expect(again.created).toBe(true);
      expect(again.operation.id).not.toBe(operation.id);
    });

    it('two instances purging at once delete each record exactly once, without failing', async () => {
      const made: OperationRecord[] = [];
      for (let i = 0; i < 60; i++) made.push(await doneAt(ctx.store, T0 + i));
      const other = await ctx.another();
      const purgeAll = async (store: OperationStore) => {
        const all: string[] = [];
        for (;;) {
          const batch = await store.purgeDone({ before: T0 + 1000, limit: 7 });
          if (batch.length === 0) return all;
          all.push(...batch);
        }
      };
      const [a, b] = await Promise.all([purgeAll(ctx.store), purgeAll(other)]);
      expect([...a, ...b].sort()).toEqual(ids(made).sort());
      expect(await ctx.store.list({ filter: null, beforeId: null, limit: 100 })).toEqual([]);
    });
  });
}
