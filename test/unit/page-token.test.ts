import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { decodePageToken, encodePageToken } from '../../src/operations/page-token.js';

const id = '01jb7x4e2k3m5n6p7q8r9s0t1v';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(3);
    return (e as ApiError).reason;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('page tokens', () => {
  it('round-trip the last id for the same filter', () => {
    expect(decodePageToken(encodePageToken(id, 'done = true'), 'done = true')).toBe(id);
    expect(decodePageToken(encodePageToken(id, ''), '')).toBe(id);
  });

  it('are opaque URL-safe text', () => {
    expect(encodePageToken(id, 'metadata.kind = "a b"')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('are bound to their filter', () => {
    expect(reason(() => decodePageToken(encodePageToken(id, 'done = true'), 'done = false'))).toBe('PAGE_TOKEN_FILTER_MISMATCH');
    expect(reason(() => decodePageToken(encodePageToken(id, ''), 'done = true'))).toBe('PAGE_TOKEN_FILTER_MISMATCH');
  });

  it.each(['garbage!', 'abc', Buffer.from('{"v":1,"last":"../x","f":"x"}').toString('base64url'), 'A'.repeat(600), Buffer.from('[]').toString('base64url')])(
    'reject %j',
    (token) => {
      expect(reason(() => decodePageToken(token, ''))).toBe('INVALID_PAGE_TOKEN');
    },
  );
});
