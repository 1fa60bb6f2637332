/**
 * createTokenVerifier: whatever a client sends as a token, the answer is an ApiError UNAUTHENTICATED (never
 * another error, never a crash) unless it is a token the server's key signed; and what a valid token says.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { ApiError } from '../../src/errors/api-error.js';
import { Code } from '../../src/errors/code.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123';
const verifier = createTokenVerifier({ secret: SECRET, logger: pino({ level: 'silent' }) });
const key = new TextEncoder().encode(SECRET);
const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(key);

async function outcome(token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'accepted';
  } catch (err) {
    if (!(err instanceof ApiError)) return `not an ApiError: ${String(err)}`;
    return err.code === Code.UNAUTHENTICATED ? err.reason : `code ${err.code}`;
  }
}

const segment = fc.oneof(
  fc.string().map((s) => Buffer.from(s).toString('base64url')),
  fc.json().map((j) => Buffer.from(j).toString('base64url')),
  fc.constantFrom(
    Buffer.from('{"alg":"HS256"}').toString('base64url'),
    Buffer.from('{"alg":"none"}').toString('base64url'),
    Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url'),
    Buffer.from('{"alg":"HS256","crit":["b64"],"b64":false}').toString('base64url'),
    '',
  ),
);

describe('createTokenVerifier', () => {
  it('refuses anything that is not a token it signed with UNAUTHENTICATED (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.'))), async (token) => {
        expect(['TOKEN_INVALID', 'TOKEN_EXPIRED']).toContain(await outcome(token));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any claims set with a wrong signature (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), async (claims) => {
        const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(`${SECRET}-other`));
        expect(await outcome(token)).toBe('TOKEN_INVALID');
      }),
      { numRuns: 100 },
    );
  });

  it('signed claims of any shape: accepted only with a string sub and well-typed scopes, else refused (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ sub: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), scope: fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined)) }),
        async ({ sub, scope }) => {
          const claims: Record<string, unknown> = { sub, ...(scope === undefined ? {} : { scope }) };
          const result = await outcome(await sign(claims));
          const valid = typeof sub === 'string' && sub !== '' && (scope === undefined || typeof scope === 'string');
          expect(result).toBe(valid ? 'accepted' : 'TOKEN_INVALID');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads scopes from scope (space-separated) and scp (array or string); lro.admin makes an administrator', async () => {
    const now = Math.floor(Date.now() / 1000);
    const caller = await verifier.verify(await sign({ sub: 'alice', scope: ' a  lro.operations ', scp: ['b', 'lro.admin'], exp: now + 60 }));
    expect(caller).toEqual({ principal: 'alice', scopes: new Set(['a', 'lro.operations', 'b', 'lro.admin']), admin: true });
    const plain = await verifier.verify(await sign({ sub: 'bob', scp: 'lro.operations.readonly x' }));
    expect(plain).toEqual({ principal: 'bob', scopes: new Set(['lro.operations.readonly', 'x']), admin: false });
    expect(await outcome(await sign({ sub: 'carol', scp: [1, 2] }))).toBe('TOKEN_INVALID');
  });

  it('exp and nbf: 30 s of skew either way', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await outcome(await sign({ sub: 'a', exp: now - 20 }))).toBe('accepted');
    expect(await outcome(await sign({ sub: 'a', exp: now - 40 }))).toBe('TOKEN_EXPIRED');
    expect(await outcome(await sign({ sub: 'a', nbf: now + 20 }))).toBe('accepted');
    expect(await outcome(await sign({ sub: 'a', nbf: now + 40 }))).toBe('TOKEN_INVALID');
    expect(await outcome(await sign({ sub: 'a', exp: 'tomorrow' }))).toBe('TOKEN_INVALID');
  });
});
