/** Contract: labels, and cancelling many records at once (by ids, or a page of a List query). */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import type { OperationRecord } from '../../src/store/operation-store.js';
import { ERR, T0, held, ids, newOp, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeBatchCancelContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('labels', () => {
    it('are stored, returned, and selected by the List filter (= and !=) through keyset pages', async () => {
      const made: OperationRecord[] = [];
      for (let i = 0; i < 12; i++) {
        const labels: Record<string, string> = { session: i % 3 === 0 ? 's1' : 's2', n: String(i) };
        if (i % 4 === 0) labels.env = 'prod';
        made.push((await ctx.store.create(newOp({ now: T0 + i, labels }))).operation);
      }
      expect(made[4]?.labels).toEqual({ session: 's2', n: '4', env: 'prod' });
      expect((await ctx.store.get(made[4]!.id))?.labels).toEqual({ session: 's2', n: '4', env: 'prod' });
      const list = async (filter: string, limit = 100, beforeId: string | null = null) =>
        ids(await ctx.store.list({ filter: parseFilter(filter), beforeId, limit }));
      const expected = (pred: (i: number) => boolean) => made.filter((_, i) => pred(i)).map((r) => r.id).reverse();
      expect(await list('metadata.labels.session = "s1"')).toEqual(expected((i) => i % 3 === 0));
      expect(await list('metadata.labels.env != prod')).toEqual(expected((i) => i % 4 !== 0));
      expect(await list('metadata.labels.session = s1 AND metadata.labels.env = prod')).toEqual(expected((i) => i % 12 === 0));
      expect(await list('metadata.labels.session = s1 OR metadata.labels.n = "4"')).toEqual(expected((i) => i % 3 === 0 || i === 4));
      expect(await list('metadata.labels.nothing = x')).toEqual([]);
      // Pages of two: keyset paging composes with the label condition.
      const pages: string[] = [];
      let before: string | null = null;
      for (;;) {
        const page = await list('metadata.labels.session = s2', 2, before);
        pages.push(...page);
        if (page.length < 2) break;
        before = page[page.length - 1]!;
      }
      expect(pages).toEqual(expected((i) => i % 3 !== 0));
    });

    it('go with the record when it is deleted', async () => {
      const run = await startRunning(ctx.store, { labels: { session: 'gone' } });
      await ctx.store.finish({ lease: held(run), now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } });
      expect(await ctx.store.delete(run.id)).toBe('deleted');
      expect(await ctx.store.list({ filter: parseFilter('metadata.labels.session = gone'), beforeId: null, limit: 10 })).toEqual([]);
    });
  });

  describe('requestCancelMany', () => {
    it('by ids: each outcome as requestCancel would give it, in the order given; kinds that cannot be cancelled are left alone', async () => {
      const queued = (await ctx.store.create(newOp())).operation;
      const running = await startRunning(ctx.store);
      const succeeded = await startRunning(ctx.store);
      await ctx.store.finish({ lease: held(succeeded), now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } });
      const cancelled = (await ctx.store.create(newOp())).operation;
      await ctx.store.requestCancel(cancelled.id, T0 + 1, ERR.cancelledBeforeStart);
      const fixed = (await ctx.store.create(newOp({ cancellable: false }))).operation;
      const fixedRun = await startRunning(ctx.store, { cancellable: false });
      const fixedDone = await ctx.store.finish({ lease: held(fixedRun), now: T0 + 1, result: { state: 'SUCCEEDED', output: {} } });
      const unknown = '01abcdefghjkmnpqrstvwxyz00';

      const { results, more } = await ctx.store.requestCancelMany(
        { ids: [running.id, queued.id, unknown, succeeded.id, cancelled.id, fixed.id, queued.id, fixedRun.id] },
        T0 + 5,
        ERR.cancelledBeforeStart,
      );
      expect(more).toBe(false);
      expect(results.map((r) => [r.id, r.outcome])).toEqual([
        [running.id, 'requested'],
        [queued.id, 'cancelled'],
        [unknown, 'not_found'],
        [succeeded.id, 'already_done'],
        [cancelled.id, 'already_done'],
        [fixed.id, 'not_cancellable'],
        [queued.id, 'cancelled'],
        [fixedRun.id, 'not_cancellable'],
      ]);
      expect(results[7]?.operation).toEqual(fixedDone);
      expect(results[0]?.operation).toMatchObject({ state: 'RUNNING', requestedCancellation: true, updateTime: T0 + 5 });
      expect(results[1]?.operation).toMatchObject({ state: 'CANCELLED', done: true, error: ERR.cancelledBeforeStart, endTime: T0 + 5 });
      expect(await ctx.store.get(queued.id)).toEqual(results[1]?.operation);
      expect(await ctx.store.get(fixed.id)).toEqual(fixed);
      expect((await ctx.store.get(succeeded.id))?.requestedCancellation).toBe(false);
    });

    it('by query: one page in List order, `more` while matches remain; a filter on state still visits each match once', async () => {
      const made: OperationRecord[] = [];
      for (let i = 0; i < 7; i++) made.push((await ctx.store.create(newOp({ now: T0 + i, labels: { session: 'b' } }))).operation);
      await ctx.store.create(newOp({ now: T0 + 10, labels: { session: 'other' } }));
      const filter = parseFilter('done = false AND metadata.labels.session = b');
      const seen: string[] = [];
      let beforeId: string | null = null;
      for (let calls = 0; calls < 10; calls++) {
        const { results, more } = await ctx.store.requestCancelMany({ query: { filter, beforeId, limit: 3 } }, T0 + 20, ERR.cancelledBeforeStart);
        expect(results.every((r) => r.outcome === 'cancelled')).toBe(true);
        seen.push(...results.map((r) => r.id));
        if (!more) break;
        beforeId = results[results.length - 1]!.id;
      }
      expect(seen).toEqual(ids(made).reverse());
      expect(await ctx.store.list({ filter, beforeId: null, limit: 10 })).toEqual([]);
    });

    it('by query: an exactly full last page says no more', async () => {
      for (let i = 0; i < 4; i++) await ctx.store.create(newOp({ now: T0 + i, labels: { session: 'full' } }));
      const filter = parseFilter('metadata.labels.session = full');
      const first = await ctx.store.requestCancelMany({ query: { filter, beforeId: null, limit: 2 } }, T0 + 9, ERR.cancelledBeforeStart);
      expect(first.more).toBe(true);
      const second = await ctx.store.requestCancelMany(
        { query: { filter, beforeId: first.results[1]!.id, limit: 2 } },
        T0 + 9,
        ERR.cancelledBeforeStart,
      );
      expect(second).toMatchObject({ more: false });
      expect(second.results).toHaveLength(2);
    });
  });
}
