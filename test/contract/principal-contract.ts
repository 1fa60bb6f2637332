/**
 * Contract: every record belongs to a principal (null without authentication), and a read given a
 * principal sees only that principal's records: get, list (with filters and keyset pages), batch cancel by
 * ids and by query, and request ids. Without a principal a read sees everything (no auth, or lro.admin).
 */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import type { OperationRecord } from '../../src/store/operation-store.js';
import { ERR, T0, ids, newOp, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describePrincipalContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('principals', () => {
    it('a record keeps its principal; get with another principal finds nothing, as for a missing id', async () => {
      const alice = (await ctx.store.create(newOp({ principal: 'alice' }))).operation;
      const anonymous = (await ctx.store.create(newOp())).operation;
      expect(alice.principal).toBe('alice');
      expect(anonymous.principal).toBeNull();

      expect(await ctx.store.get(alice.id, 'alice')).toEqual(alice);
      expect(await ctx.store.get(alice.id, 'bob')).toBeUndefined();
      expect(await ctx.store.get(alice.id)).toEqual(alice);
      // An anonymous record belongs to no principal: only an unscoped read sees it.
      expect(await ctx.store.get(anonymous.id, 'alice')).toBeUndefined();
      expect(await ctx.store.get(anonymous.id)).toEqual(anonymous);
      // Principals are compared exactly.
      expect(await ctx.store.get(alice.id, 'Alice')).toBeUndefined();
      expect(await ctx.store.get(alice.id, 'alice ')).toBeUndefined();
    });

    it('request ids are scoped to their principal', async () => {
      const a1 = await ctx.store.create(newOp({ principal: 'alice', requestId: 'same' }));
      const b1 = await ctx.store.create(newOp({ principal: 'bob', requestId: 'same' }));
      const n1 = await ctx.store.create(newOp({ requestId: 'same' }));
      expect([a1.created, b1.created, n1.created]).toEqual([true, true, true]);
      expect(new Set([a1.operation.id, b1.operation.id, n1.operation.id]).size).toBe(3);

      const a2 = await ctx.store.create(newOp({ principal: 'alice', requestId: 'same', input: { other: true } }));
      const b2 = await ctx.store.create(newOp({ principal: 'bob', requestId: 'same' }));
      const n2 = await ctx.store.create(newOp({ principal: null, requestId: 'same' }));
      expect([a2.created, b2.created, n2.created]).toEqual([false, false, false]);
      expect(a2.operation).toEqual(a1.operation);
      expect(b2.operation).toEqual(b1.operation);
      expect(n2.operation).toEqual(n1.operation);
    });

    it('request ids of several principals created at once (one group commit) stay apart', async () => {
      const [a1, b1, a2, n1] = await Promise.all([
        ctx.store.create(newOp({ principal: 'alice', requestId: 'together' })),
        ctx.store.create(newOp({ principal: 'bob', requestId: 'together' })),
        ctx.store.create(newOp({ principal: 'alice', requestId: 'together' })),
        ctx.store.create(newOp({ requestId: 'together' })),
      ]);
      expect([a1.created, b1.created, n1.created]).toEqual([true, true, true]);
      expect(a2).toEqual({ operation: a1.operation, created: false });
      expect([a1.operation.principal, b1.operation.principal, n1.operation.principal]).toEqual(['alice', 'bob', null]);
      expect(new Set([a1.operation.id, b1.operation.id, n1.operation.id]).size).toBe(3);
    });

    it('list with a principal: only its records, through filters and keyset pages; without one: all', async () => {
      const made: OperationRecord[] = [];
      for (let i = 0; i < 10; i++) {
        const principal = i % 2 === 0 ? 'alice' : i % 3 === 0 ? 'bob' : null;
        made.push((await ctx.store.create(newOp({ now: T0 + i, principal, labels: { session: 's' } }))).operation);
      }
      const newestFirst = (pred: (p: string | null) => boolean) =>
        made
          .filter((r) => pred(r.principal))
          .map((r) => r.id)
          .reverse();
      const list = async (principal: string | undefined, filter = '', limit = 100, beforeId: string | null = null) =>
        ids(await ctx.store.list({ filter: parseFilter(filter), beforeId, limit, ...(principal === undefined ? {} : { principal }) }));

      expect(await list('alice')).toEqual(newestFirst((p) => p === 'alice'));
      expect(await list('bob')).toEqual(newestFirst((p) => p === 'bob'));
      expect(await list('carol')).toEqual([]);
      expect(await list(undefined)).toEqual(newestFirst(() => true));
      expect(await list('alice', 'metadata.labels.session = s AND done = false')).toEqual(newestFirst((p) => p === 'alice'));

      const pages: string[] = [];
      let before: string | null = null;
      for (;;) {
        const page = await list('alice', 'metadata.labels.session = s', 2, before);
        pages.push(...page);
        if (page.length < 2) break;
        before = page[page.length - 1]!;
      }
      expect(pages).toEqual(newestFirst((p) => p === 'alice'));
    });

    it('batch cancel by ids with a principal: another principal’s record is not found and stays as it was', async () => {
      const mine = (await ctx.store.create(newOp({ principal: 'alice' }))).operation;
      const theirs = (await ctx.store.create(newOp({ principal: 'bob' }))).operation;
      const theirsRunning = await startRunning(ctx.store, { principal: 'bob' });

      const { results } = await ctx.store.requestCancelMany(
        { ids: [theirs.id, mine.id, theirsRunning.id], principal: 'alice' },
        T0 + 5,
        ERR.cancelledBeforeStart,
      );
      expect(results.map((r) => [r.id, r.outcome])).toEqual([
        [theirs.id, 'not_found'],
        [mine.id, 'cancelled'],
        [theirsRunning.id, 'not_found'],
      ]);
      expect(results[0]?.operation).toBeUndefined();
      expect(await ctx.store.get(theirs.id)).toEqual(theirs);
      expect(await ctx.store.get(theirsRunning.id)).toEqual(theirsRunning);

      // Without a principal (an administrator): everyone's.
      const all = await ctx.store.requestCancelMany({ ids: [theirs.id] }, T0 + 6, ERR.cancelledBeforeStart);
      expect(all.results.map((r) => r.outcome)).toEqual(['cancelled']);
    });

    it('batch cancel by query with a principal: only its matches, paged', async () => {
      const made: OperationRecord[] = [];
      for (let i = 0; i < 7; i++) made.push((await ctx.store.create(newOp({ now: T0 + i, principal: i < 4 ? 'alice' : 'bob' }))).operation);
      const query = { filter: parseFilter('done = false'), beforeId: null, limit: 3, principal: 'alice' };

      const first = await ctx.store.requestCancelMany({ query }, T0 + 10, ERR.cancelledBeforeStart);
      expect(first.results.map((r) => [r.id, r.outcome])).toEqual(
        made
          .slice(1, 4)
          .reverse()
          .map((r) => [r.id, 'cancelled']),
      );
      expect(first.more).toBe(true);
      const second = await ctx.store.requestCancelMany(
        { query: { ...query, beforeId: first.results[2]!.id } },
        T0 + 11,
        ERR.cancelledBeforeStart,
      );
      expect(second.results.map((r) => [r.id, r.outcome])).toEqual([[made[0]!.id, 'cancelled']]);
      expect(second.more).toBe(false);
      for (const r of made.slice(4)) expect((await ctx.store.get(r.id))?.state).toBe('QUEUED');
    });
  });
}
