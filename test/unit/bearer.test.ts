/** bearerToken: the one bearer token of a call's raw authorization values (RFC 6750 §2.1), or why there is none. */
import { describe, expect, it } from 'vitest';
import { bearerToken, MAX_TOKEN_LENGTH } from '../../src/auth/bearer.js';
import { ApiError } from '../../src/errors/api-error.js';
import { Code } from '../../src/errors/code.js';

function refusal(values: string[]): { code: number; reason: string } {
  try {
    bearerToken(values);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return { code: (err as ApiError).code, reason: (err as ApiError).reason };
  }
  throw new Error('expected a refusal');
}

const MISSING = { code: Code.UNAUTHENTICATED, reason: 'TOKEN_MISSING' };
const INVALID = { code: Code.UNAUTHENTICATED, reason: 'TOKEN_INVALID' };

describe('bearerToken', () => {
  it.each([
    [['Bearer abc.def.ghi'], 'abc.def.ghi'],
    [['bearer abc.def.ghi'], 'abc.def.ghi'],
    [['BEARER   abc.def.ghi  '], 'abc.def.ghi'],
    [['Bearer a-b_c~d+e/f=='], 'a-b_c~d+e/f=='],
  ])('%j → %s', (values, token) => {
    expect(bearerToken(values)).toBe(token);
  });

  it.each([[[]], [['']], [['   ']], [['Basic dXNlcjpwYXNz']], [['Token x']], [['Bearerx abc']]])('%j: no bearer token', (values) => {
    expect(refusal(values)).toEqual(MISSING);
  });

  it.each([
    [['Bearer a', 'Bearer a']],
    [['Bearer a', 'Basic b']],
    [['Bearer']],
    [['Bearer a b']],
    [['Bearer a,Bearer b']],
    [['Bearer a, b']],
    [['Bearer a!b']],
    [['Bearer =abc']],
    [['Bearer ab=c']],
    [[`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`]],
  ])('%j: TOKEN_INVALID', (values) => {
    expect(refusal(values)).toEqual(INVALID);
  });

  it('never puts the token in its message', () => {
    const secretish = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl';
    for (const values of [[`Bearer ${secretish}`, `Bearer ${secretish}`], [`Bearer ${secretish} x`], [`Bearer ${secretish}!`]]) {
      try {
        bearerToken(values);
      } catch (err) {
        expect((err as Error).message).not.toContain('c2lnbmF0dXJl');
        expect((err as Error).message).not.toContain('c2VjcmV0');
      }
    }
  });
});
