/**
 * Contract: races between instances. Each test drives two store instances on the same data (for PostgreSQL,
 * two pools) at once and checks that exactly one consistent outcome came out of every collision.
 */
import { describe, expect, it } from 'vitest';
import type { OperationRecord, OperationStore } from '../../src/store/operation-store.js';
import { ERR, LEASE, T0, held, leaseTime, newOp, rescueArgs, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeRacesContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  async function runningMany(store: OperationStore, n: number, leaseMs = LEASE): Promise<OperationRecord[]> {
    const out: OperationRecord[] = [];
    for (let i = 0; i < n; i++) out.push(await startRunning(store, { owner: 'a', leaseMs }));
    return out;
  }

  describe('races', () => {
    it('two claimers at once never take the same record, and together take them all', async () => {
      const one = ctx.store;
      const two = await ctx.another();
      const total = 200;
      for (let i = 0; i < total; i++) await one.create(newOp({ kind: 'test.race', now: T0 + i }));
      const byOwner = new Map<string, string>();
      const taken: string[] = [];
      for (let round = 0; round < 100; round++) {
        const calls = Array.from({ length: 10 }, (_, i) => {
          const [store, owner] = i % 2 === 0 ? [one, 'owner-one'] : [two, 'owner-two'];
          return store.claim({ owner, kinds: ['test.race'], limit: 7, leaseMs: LEASE, now: T0 + 1_000 }).then((batch) => {
            for (const r of batch) {
              taken.push(r.id);
              byOwner.set(r.id, owner);
            }
            return batch.length;
          });
        });
        if ((await Promise.all(calls)).every((n) => n === 0)) break;
      }
      expect(new Set(taken).size).toBe(taken.length);
      expect(taken).toHaveLength(total);
      const all = await one.list({ filter: null, beforeId: null, limit: 1000 });
      for (const r of all) expect(r).toMatchObject({ state: 'RUNNING', attempt: 1, leaseOwner: byOwner.get(r.id) });
      expect(new Set(byOwner.values())).toEqual(new Set(['owner-one', 'owner-two']));
    });

    it('cancel vs finish: the handler result stands; requested_cancellation tells whether the cancel came first', async () => {
      const two = await ctx.another();
      const records = await runningMany(ctx.store, 20);
      const results = await Promise.all(
        records.map(async (r, i) => {
          const cancel = () => two.requestCancel(r.id, T0 + 5, ERR.cancelledBeforeStart);
          const finish = () => ctx.store.finish({ lease: held(r, 'a'), now: T0 + 5, result: { state: 'SUCCEEDED', output: { i } } });
          const [c, f] = i % 2 === 0 ? await Promise.all([cancel(), finish()]) : (await Promise.all([finish(), cancel()])).reverse();
          return { id: r.id, cancel: c as Awaited<ReturnType<typeof cancel>>, finish: f as Awaited<ReturnType<typeof finish>> };
        }),
      );
      for (const { id, cancel, finish } of results) {
        expect(finish?.state).toBe('SUCCEEDED');
        expect(['requested', 'already_done']).toContain(cancel?.outcome);
        const final = await ctx.store.get(id);
        expect(final).toMatchObject({ state: 'SUCCEEDED', done: true, error: null, requestedCancellation: cancel?.outcome === 'requested' });
        if (cancel?.outcome === 'already_done') expect(cancel.operation.state).toBe('SUCCEEDED');
      }
    });

    it('cancel vs claim: either cancelled before start and never claimed, or claimed and marked requested', async () => {
      const two = await ctx.another();
      const ops = [];
      for (let i = 0; i < 20; i++) ops.push((await ctx.store.create(newOp({ kind: `test.cc${i}` }))).operation);
      const results = await Promise.all(
        ops.map(async (op) => {
          const [cancel, claimed] = await Promise.all([
            two.requestCancel(op.id, T0 + 5, ERR.cancelledBeforeStart),
            ctx.store.claim({ owner: 'a', kinds: [op.kind], limit: 1, leaseMs: LEASE, now: T0 + 5 }),
          ]);
          return { op, cancel, claimed };
        }),
      );
      for (const { op, cancel, claimed } of results) {
        const final = await ctx.store.get(op.id);
        if (cancel?.outcome === 'cancelled') {
          expect(claimed).toEqual([]);
          expect(final).toMatchObject({ state: 'CANCELLED', done: true, attempt: 0, error: ERR.cancelledBeforeStart });
        } else {
          expect(cancel?.outcome).toBe('requested');
          expect(claimed.map((r) => r.id)).toEqual([op.id]);
          expect(final).toMatchObject({ state: 'RUNNING', requestedCancellation: true, leaseOwner: 'a', error: null });
        }
      }
    });

    it('after rescue took an expired lease, the old owner can no longer heartbeat, report, release or finish', async () => {
      const run = await startRunning(ctx.store, { kind: 'test.late', owner: 'old', leaseMs: 1 });
      const other = await ctx.another();
      const now = await leaseTime(ctx.store).expire(1);
      expect((await other.rescue(rescueArgs(now))).requeued).toEqual([run.id]);
      const late = { lease: held(run), now: now + 1 };
      expect(await ctx.store.heartbeat({ owner: 'old', leases: [held(run)], leaseMs: 60_000, now: now + 1 })).toEqual([]);
      expect(await ctx.store.progress({ ...late, percent: 99, message: 'late' })).toBe(false);
      expect(await ctx.store.release(late)).toBe(false);
      expect(await ctx.store.finish({ ...late, result: { state: 'SUCCEEDED', output: {} } })).toBeUndefined();

      const [again] = await other.claim({ owner: 'new', kinds: ['test.late'], limit: 1, leaseMs: 60_000, now: now + 2 });
      expect(again).toMatchObject({ id: run.id, attempt: 2, leaseOwner: 'new' });
      expect(await ctx.store.heartbeat({ owner: 'old', leases: [held(run)], leaseMs: 60_000, now: now + 3 })).toEqual([]);
      expect(await ctx.store.finish({ ...late, result: { state: 'SUCCEEDED', output: { who: 'old' } } })).toBeUndefined();
      const done = await other.finish({ lease: held(again!), now: now + 4, result: { state: 'SUCCEEDED', output: { who: 'new' } } });
      expect(done).toMatchObject({ state: 'SUCCEEDED', output: { who: 'new' }, attempt: 2 });
    });

    it('rescue vs a late heartbeat at once: each lease is either renewed or taken back, never both', async () => {
      const two = await ctx.another();
      const records = await runningMany(ctx.store, 20, 1);
      const now = await leaseTime(ctx.store).expire(1);
      const [rescued, renewed] = await Promise.all([
        two.rescue(rescueArgs(now)),
        ctx.store.heartbeat({ owner: 'a', leases: records.map((r) => held(r)), leaseMs: 60_000, now }),
      ]);
      const heldIds = new Set(renewed.map((h) => h.id));
      expect(rescued.finished).toEqual([]);
      for (const r of records) {
        const final = await ctx.store.get(r.id);
        expect(heldIds.has(r.id)).not.toBe(rescued.requeued.includes(r.id));
        if (heldIds.has(r.id)) {
          expect(final).toMatchObject({ state: 'RUNNING', leaseOwner: 'a' });
          leaseTime(ctx.store).expectExpiry(final, now, 60_000);
        } else {
          expect(final).toMatchObject({ state: 'QUEUED', leaseOwner: null });
        }
      }
    });

    it('rescue vs finish at once: either the result is stored or the record is requeued', async () => {
      const two = await ctx.another();
      const records = await runningMany(ctx.store, 20, 1);
      const now = await leaseTime(ctx.store).expire(1);
      const [rescued, ...finished] = await Promise.all([
        two.rescue(rescueArgs(now)),
        ...records.map((r) => ctx.store.finish({ lease: held(r), now, result: { state: 'SUCCEEDED', output: {} } })),
      ]);
      records.forEach((r, i) => {
        const stored = finished[i] !== undefined;
        expect(stored).not.toBe(rescued.requeued.includes(r.id));
      });
      for (const r of records) {
        const final = await ctx.store.get(r.id);
        expect(final?.state).toBe(rescued.requeued.includes(r.id) ? 'QUEUED' : 'SUCCEEDED');
      }
    });

    it('two rescuers at once take back each expired lease exactly once', async () => {
      const two = await ctx.another();
      const records = await runningMany(ctx.store, 30, 1);
      // A third of them with no attempts left, a third with a cancel request: every rescue outcome is raced.
      for (const [i, r] of records.entries()) {
        if (i % 3 === 1) await ctx.store.requestCancel(r.id, T0 + 1, ERR.cancelledBeforeStart);
      }
      const now = await leaseTime(ctx.store).expire(1);
      const [a, b] = await Promise.all([ctx.store.rescue(rescueArgs(now)), two.rescue(rescueArgs(now))]);
      const all = [...a.requeued, ...a.finished, ...b.requeued, ...b.finished];
      expect(new Set(all).size).toBe(all.length);
      expect(new Set(all)).toEqual(new Set(records.map((r) => r.id)));
      expect(a.finished.length + b.finished.length).toBe(10);
    });

    it('the same request id from two instances at once creates one record', async () => {
      const two = await ctx.another();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? ctx.store : two).create(newOp({ requestId: 'raced', now: T0 + i }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.operation.id)).size).toBe(1);
      expect(await ctx.store.list({ filter: null, beforeId: null, limit: 10 })).toHaveLength(1);
    });
  });
}
