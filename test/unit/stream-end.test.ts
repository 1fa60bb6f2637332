/** onStreamEnd: its hook runs exactly once, however the stream ends. */
import { describe, expect, it } from 'vitest';
import { onStreamEnd, type StreamEnd } from '../../src/operations/stream-end.js';

async function* numbers(fail = false) {
  yield 1;
  yield 2;
  if (fail) throw new Error('broken');
}

function watched(messages: AsyncIterable<number>) {
  const ends: StreamEnd[] = [];
  return { stream: onStreamEnd(messages, (how) => ends.push(how)), ends };
}

describe('onStreamEnd', () => {
  it('runs once when the last message was read', async () => {
    const { stream, ends } = watched(numbers());
    const seen: number[] = [];
    for await (const n of stream) seen.push(n);
    expect(seen).toEqual([1, 2]);
    expect(ends).toEqual([{ failed: false }]);
  });

  it('runs once with the error when the stream fails', async () => {
    const { stream, ends } = watched(numbers(true));
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow('broken');
    expect(ends).toEqual([{ failed: true, error: new Error('broken') }]);
  });

  it('runs once when the reader stops early, also before reading anything', async () => {
    const early = watched(numbers());
    for await (const _ of early.stream) break;
    expect(early.ends).toEqual([{ failed: false }]);

    const unread = watched(numbers());
    const iterator = unread.stream[Symbol.asyncIterator]();
    await iterator.return?.();
    await iterator.return?.();
    expect(unread.ends).toEqual([{ failed: false }]);
  });
});
