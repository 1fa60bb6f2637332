import { decodeTime, ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { OPERATION_ID } from '../../src/operations/names.js';
import { createIdFactory } from '../../src/operations/operation-id.js';

describe('operation ids', () => {
  it('are lowercase ULIDs whose time part is the creation time', () => {
    const next = createIdFactory();
    const now = Date.UTC(2030, 4, 6, 7, 8, 9, 123);
    const id = next(now);
    expect(id).toMatch(OPERATION_ID);
    expect(decodeTime(id.toUpperCase())).toBe(now);
    expect(id.slice(0, 10)).toBe(ulid(now).slice(0, 10).toLowerCase());
  });

  it('always increase within a process, also many in one millisecond, and never repeat', () => {
    const next = createIdFactory();
    const ids = Array.from({ length: 20_000 }, (_, i) => next(1_000_000 + Math.floor(i / 5_000)));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a clock that goes back keeps the order (the last time is kept, the random part grows)', () => {
    const next = createIdFactory();
    const a = next(2_000_000);
    const b = next(1_999_000);
    expect(b > a).toBe(true);
  });
});
