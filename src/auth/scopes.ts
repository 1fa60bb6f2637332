/**
 * The OAuth scopes of API.md, as Google Vault has `ediscovery` and `ediscovery.readonly`: read from a
 * token's `scope` claim (space-separated, RFC 8693) or `scp` (an array, or a space-separated string as
 * some issuers write it). `lro.admin` includes `lro.operations`, which includes `lro.operations.readonly`.
 */
import type { JWTPayload } from 'jose';
import { tokenInvalid } from './auth-errors.js';

export const Scope = {
  /** Reads and writes one's own operations. */
  OPERATIONS: 'lro.operations',
  /** Reads one's own operations, and the kinds. */
  READONLY: 'lro.operations.readonly',
  /** `lro.operations` over every principal's operations. */
  ADMIN: 'lro.admin',
} as const;

export type Scope = (typeof Scope)[keyof typeof Scope];

/** For each scope a method may need, the scopes that grant it. */
const GRANTED_BY: Record<Scope, readonly Scope[]> = {
  [Scope.READONLY]: [Scope.READONLY, Scope.OPERATIONS, Scope.ADMIN],
  [Scope.OPERATIONS]: [Scope.OPERATIONS, Scope.ADMIN],
  [Scope.ADMIN]: [Scope.ADMIN],
};

export function grants(scopes: ReadonlySet<string>, needed: Scope): boolean {
  return GRANTED_BY[needed].some((s) => scopes.has(s));
}

/** The token's scopes; a `scope` or `scp` claim of another type makes the token malformed. */
export function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const add = (text: string) => text.split(' ').forEach((s) => s !== '' && scopes.add(s));
  const { scope, scp } = payload;
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw tokenInvalid('its "scope" claim is not a space-separated string');
    add(scope);
  }
  if (typeof scp === 'string') add(scp);
  else if (Array.isArray(scp) && scp.every((s): s is string => typeof s === 'string')) scp.forEach(add);
  else if (scp !== undefined) throw tokenInvalid('its "scp" claim is not an array of strings');
  return scopes;
}
