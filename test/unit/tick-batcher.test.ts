/**
 * Group commit (src/store/tick-batcher.ts): calls of one turn go in one batch, each caller gets its own
 * answer, a batch that fails as a whole fails every call in it, an item that fails alone fails only itself.
 */
import { describe, expect, it } from 'vitest';
import { createTickBatcher, ItemFailure } from '../../src/store/tick-batcher.js';

describe('createTickBatcher', () => {
  it('gathers the calls of one turn into one batch and answers each caller with its own result', async () => {
    const batches: number[][] = [];
    const double = createTickBatcher<number, number>((items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => double(n)))).toEqual([2, 4, 6]);
    expect(await double(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('a batch that fails fails every call in it, and the next batch runs again', async () => {
    let down = true;
    const write = createTickBatcher<string, string>(async (items) => {
      if (down) throw new Error('store away');
      return items;
    });
    const results = await Promise.allSettled(['a', 'b', 'c'].map((x) => write(x)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toEqual(new Error('store away'));
    down = false;
    expect(await write('d')).toBe('d');
  });

  it('an item that fails alone fails only its own call', async () => {
    const check = createTickBatcher<number, number>((items) => items.map((n) => (n < 0 ? new ItemFailure(new RangeError(`bad ${n}`)) : n)));
    const results = await Promise.allSettled([1, -1, 2].map((n) => check(n)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new RangeError('bad -1') });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 2 });
  });

  it('splits a crowd into batches of at most maxBatch, in order', async () => {
    const sizes: number[] = [];
    const id = createTickBatcher<number, number>(
      (items) => {
        sizes.push(items.length);
        return items;
      },
      { maxBatch: 4 },
    );
    const all = Array.from({ length: 10 }, (_, i) => i);
    expect(await Promise.all(all.map((n) => id(n)))).toEqual(all);
    expect(sizes).toEqual([4, 4, 2]);
  });
});
