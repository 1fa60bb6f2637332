/** Contract: create (request-id idempotency), get, delete and list (order, keyset, every filter). */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import type { OperationRecord } from '../../src/store/operation-store.js';
import { ERR, LEASE, T0, held, ids, newOp, rescueArgs, startRunning, useStore, type StoreFactory } from './fixtures.js';

export function describeRecordsContract(factory: StoreFactory): void {
  const ctx = useStore(factory);

  describe('create and get', () => {
    it('stores a QUEUED record with every field, and get returns it', async () => {
      const input = { text: 'héllo ✓', nul: 'a\u0000b', nested: { list: [1, 2.5, true, null, 'x'] }, empty: {} };
      const op = newOp({ kind: 'test.create', input, cancellable: false, maxAttempts: 5, requestId: 'req-1' });
      const { operation, created } = await ctx.store.create(op);
      expect(created).toBe(true);
      const expected: OperationRecord = {
        id: op.id,
        kind: 'test.create',
        input,
        state: 'QUEUED',
        done: false,
        createTime: T0,
        startTime: null,
        updateTime: T0,
        endTime: null,
        progressPercent: 0,
        statusMessage: '',
        requestedCancellation: false,
        cancellable: false,
        attempt: 0,
        maxAttempts: 5,
        requestId: 'req-1',
        labels: {},
        principal: null,
        output: null,
        error: null,
        leaseOwner: null,
        leaseExpiry: null,
        leaseToken: 0,
      };
      expect(operation).toEqual(expected);
      expect(await ctx.store.get(op.id)).toEqual(expected);
    });

    it('get of an unknown id is undefined', async () => {
      expect(await ctx.store.get('01abcdefghjkmnpqrstvwxyz00')).toBeUndefined();
    });

    it('the same request id returns the first record (created: false) and stores nothing new', async () => {
      const first = await ctx.store.create(newOp({ requestId: 'same', input: { a: 1 } }));
      const again = await ctx.store.create(newOp({ requestId: 'same', input: { b: 2 }, now: T0 + 5 }));
      expect(again.created).toBe(false);
      expect(again.operation).toEqual(first.operation);
      expect(await ctx.store.list({ filter: null, beforeId: null, limit: 10 })).toHaveLength(1);
    });

    it('request ids outlive completion', async () => {
      const run = await startRunning(ctx.store, { requestId: 'done-later' });
      const done = await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 1, result: { state: 'SUCCEEDED', output: { ok: true } } });
      const again = await ctx.store.create(newOp({ requestId: 'done-later', now: T0 + 2 }));
      expect(again).toEqual({ operation: done, created: false });
    });

    it('records without a request id, or with different ones, are all kept', async () => {
      await ctx.store.create(newOp());
      await ctx.store.create(newOp());
      await ctx.store.create(newOp({ requestId: 'x' }));
      await ctx.store.create(newOp({ requestId: 'y' }));
      expect(await ctx.store.list({ filter: null, beforeId: null, limit: 10 })).toHaveLength(4);
    });
  });

  describe('delete', () => {
    it('removes a done record', async () => {
      const run = await startRunning(ctx.store);
      await ctx.store.finish({ lease: held(run, 'owner-a'), now: T0 + 1, result: { state: 'FAILED', error: ERR.failed } });
      expect(await ctx.store.delete(run.id)).toBe('deleted');
      expect(await ctx.store.get(run.id)).toBeUndefined();
      expect(await ctx.store.delete(run.id)).toBe('not_found');
    });

    it('refuses records that are not done, queued or running', async () => {
      const { operation: queued } = await ctx.store.create(newOp());
      const running = await startRunning(ctx.store);
      expect(await ctx.store.delete(queued.id)).toBe('not_done');
      expect(await ctx.store.delete(running.id)).toBe('not_done');
      expect(await ctx.store.get(queued.id)).toEqual(queued);
      expect(await ctx.store.get(running.id)).toEqual(running);
    });

    it('answers not_found for an unknown id', async () => {
      expect(await ctx.store.delete('01abcdefghjkmnpqrstvwxyz00')).toBe('not_found');
    });
  });

  describe('list', () => {
    it('returns newest first, honours limit, and pages by keyset (beforeId) without gaps or repeats', async () => {
      const created: string[] = [];
      for (let i = 0; i < 7; i++) created.push((await ctx.store.create(newOp({ now: T0 + i }))).operation.id);
      const newestFirst = [...created].reverse();
      expect(ids(await ctx.store.list({ filter: null, beforeId: null, limit: 100 }))).toEqual(newestFirst);
      expect(ids(await ctx.store.list({ filter: null, beforeId: null, limit: 3 }))).toEqual(newestFirst.slice(0, 3));

      const seen: string[] = [];
      let beforeId: string | null = null;
      for (;;) {
        const page: OperationRecord[] = await ctx.store.list({ filter: null, beforeId, limit: 3 });
        seen.push(...ids(page));
        if (page.length < 3) break;
        beforeId = page[page.length - 1]!.id;
      }
      expect(seen).toEqual(newestFirst);
      expect(await ctx.store.list({ filter: null, beforeId: created[0]!, limit: 10 })).toEqual([]);
    });

    describe('filters', () => {
      /** Seven records over three kinds and every state; transitions happen while each is its kind's only queued one. */
      async function seed(): Promise<OperationRecord[]> {
        const s = ctx.store;
        const make = async (kind: string, at: number) => (await s.create(newOp({ kind, now: T0 + at }))).operation;
        const claim = (kind: string, at: number) => s.claim({ owner: 'w', kinds: [kind], limit: 1, leaseMs: LEASE, now: T0 + at });
        await make('test.a', 1);
        await claim('test.a', 1); // running
        const r2 = await make('test.b', 2);
        await claim('test.b', 2);
        await s.requestCancel(r2.id, T0 + 2, ERR.cancelledBeforeStart); // running, cancel requested
        await make('test.b', 3);
        const [s1] = await claim('test.b', 3);
        await s.finish({ lease: held(s1!), now: T0 + 3, result: { state: 'SUCCEEDED', output: {} } });
        await make('test.a', 4);
        const [f1] = await claim('test.a', 4);
        await s.finish({ lease: held(f1!), now: T0 + 4, result: { state: 'FAILED', error: ERR.failed } });
        const c1 = await make('test.b', 5);
        await s.requestCancel(c1.id, T0 + 5, ERR.cancelledBeforeStart); // cancelled before start
        await make('test.a', 6); // queued
        await make('test.c', 7); // queued
        return s.list({ filter: null, beforeId: null, limit: 100 });
      }

      const iso = (offset: number) => new Date(T0 + offset).toISOString();
      const cases: [string, (r: OperationRecord) => boolean][] = [
        ['done = true', (r) => r.done],
        ['done = false', (r) => !r.done],
        ['done != true', (r) => !r.done],
        ['metadata.state = RUNNING', (r) => r.state === 'RUNNING'],
        ['metadata.state = "succeeded"', (r) => r.state === 'SUCCEEDED'],
        ['metadata.state = FAILED', (r) => r.state === 'FAILED'],
        ['metadata.state = CANCELLED', (r) => r.state === 'CANCELLED'],
        ['metadata.state != QUEUED', (r) => r.state !== 'QUEUED'],
        ['metadata.kind = "kinds/test.a"', (r) => r.kind === 'test.a'],
        ['metadata.kind = test.b', (r) => r.kind === 'test.b'],
        ['metadata.kind != "kinds/test.a"', (r) => r.kind !== 'test.a'],
        [`metadata.create_time < "${iso(3)}"`, (r) => r.createTime < T0 + 3],
        [`metadata.create_time <= "${iso(3)}"`, (r) => r.createTime <= T0 + 3],
        [`metadata.create_time > "${iso(3)}"`, (r) => r.createTime > T0 + 3],
        [`metadata.createTime >= "${iso(3)}"`, (r) => r.createTime >= T0 + 3],
        [`metadata.create_time = "${iso(3)}"`, (r) => r.createTime === T0 + 3],
        [`metadata.create_time != "${iso(3)}"`, (r) => r.createTime !== T0 + 3],
        ['metadata.requested_cancellation = true', (r) => r.requestedCancellation],
        ['metadata.requestedCancellation = false', (r) => !r.requestedCancellation],
        ['metadata.kind = test.a AND done = false', (r) => r.kind === 'test.a' && !r.done],
        ['metadata.kind = test.a done = false', (r) => r.kind === 'test.a' && !r.done],
        ['metadata.state = QUEUED OR metadata.state = RUNNING', (r) => r.state === 'QUEUED' || r.state === 'RUNNING'],
        ['NOT done = true', (r) => !r.done],
        ['-metadata.kind = test.a', (r) => r.kind !== 'test.a'],
        [
          '(metadata.kind = test.a OR metadata.kind = test.c) AND NOT metadata.state = QUEUED',
          (r) => (r.kind === 'test.a' || r.kind === 'test.c') && r.state !== 'QUEUED',
        ],
        [
          `metadata.create_time >= "${iso(2)}" AND metadata.requested_cancellation = false AND NOT (done = true OR metadata.kind = test.c)`,
          (r) => r.createTime >= T0 + 2 && !r.requestedCancellation && !r.done && r.kind !== 'test.c',
        ],
      ];

      it('compiles every field and operator, AND, OR, NOT and parentheses to the same answer as the definition', async () => {
        const all = await seed();
        expect(all).toHaveLength(7);
        for (const [text, predicate] of cases) {
          const expected = ids(all.filter(predicate));
          // A case that matches nothing or everything proves little.
          expect(expected.length, text).toBeGreaterThan(0);
          expect(expected.length, text).toBeLessThan(all.length);
          expect(ids(await ctx.store.list({ filter: parseFilter(text), beforeId: null, limit: 100 })), text).toEqual(expected);
        }
      });

      it('combines a filter with keyset paging and limit', async () => {
        const all = await seed();
        const expected = ids(all.filter((r) => !r.done));
        const seen: string[] = [];
        let beforeId: string | null = null;
        for (;;) {
          const page: OperationRecord[] = await ctx.store.list({ filter: parseFilter('done = false'), beforeId, limit: 2 });
          seen.push(...ids(page));
          if (page.length < 2) break;
          beforeId = page[page.length - 1]!.id;
        }
        expect(seen).toEqual(expected);
      });
    });
  });

  it('rescue leaves alone records that are not running', async () => {
    await ctx.store.create(newOp());
    expect(await ctx.store.rescue(rescueArgs(T0 + 100 * LEASE))).toEqual({ requeued: [], finished: [] });
  });
}
