/**
 * The access table: every RPC of every served service needs a scope (a new RPC can never be served
 * unguarded), the guard refuses to start with a gap, and each scope is granted exactly as API.md says.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { guardServices } from '../../src/auth/guard.js';
import { METHOD_SCOPES } from '../../src/auth/method-scopes.js';
import { grants, Scope } from '../../src/auth/scopes.js';
import { createTokenVerifier } from '../../src/auth/token-verifier.js';
import { wwwAuthenticate } from '../../src/auth/www-authenticate.js';
import { scopeMissing, tokenExpired, tokenInvalid, tokenMissing, jwksUnavailable } from '../../src/auth/auth-errors.js';
import { protos, SERVICE_NAMES } from '../../src/proto/protos.js';

describe('METHOD_SCOPES', () => {
  it('names a scope for every RPC of every served service, and nothing else', () => {
    for (const service of SERVICE_NAMES) {
      const rpcs = Object.keys(protos().service(service).methods).sort();
      expect(Object.keys(METHOD_SCOPES[service]).sort(), service).toEqual(rpcs);
    }
  });

  it('reads need lro.operations.readonly, writes lro.operations; a watch that cancels on disconnect is a write', () => {
    const need = (service: (typeof SERVICE_NAMES)[number], method: string, request: object = {}) => {
      const n = METHOD_SCOPES[service][method]!;
      return typeof n === 'function' ? n(request) : n;
    };
    expect(need('lro.v1.Kinds', 'ListKinds')).toBe(Scope.READONLY);
    expect(need('lro.v1.Kinds', 'StartOperation')).toBe(Scope.OPERATIONS);
    expect(need('lro.v1.Batch', 'BatchCancelOperations')).toBe(Scope.OPERATIONS);
    expect(need('lro.v1.Watch', 'WatchOperation', { name: 'x' })).toBe(Scope.READONLY);
    expect(need('lro.v1.Watch', 'WatchOperation', { name: 'x', cancelOnDisconnect: true })).toBe(Scope.OPERATIONS);
  });

  it('the guard refuses a service map with a method the table does not name', () => {
    const verifier = createTokenVerifier({ secret: 'x'.repeat(32), logger: pino({ level: 'silent' }) });
    const services = { 'lro.v1.Batch': { BatchCancelOperations: async () => ({}), Surprise: async () => ({}) } };
    expect(() => guardServices(services as never, verifier)).toThrow(/lro\.v1\.Batch\.Surprise has no scope/);
  });
});

describe('scopes', () => {
  it('lro.admin ⊃ lro.operations ⊃ lro.operations.readonly', () => {
    const has = (...s: string[]) => new Set(s);
    expect(grants(has(Scope.READONLY), Scope.READONLY)).toBe(true);
    expect(grants(has(Scope.READONLY), Scope.OPERATIONS)).toBe(false);
    expect(grants(has(Scope.OPERATIONS), Scope.READONLY)).toBe(true);
    expect(grants(has(Scope.ADMIN), Scope.OPERATIONS)).toBe(true);
    expect(grants(has(Scope.OPERATIONS), Scope.ADMIN)).toBe(false);
    expect(grants(has('lro.operations.read', 'lro'), Scope.READONLY)).toBe(false);
  });
});

describe('wwwAuthenticate', () => {
  it('is the RFC 6750 challenge of each refusal, and nothing for other errors', () => {
    expect(wwwAuthenticate(tokenMissing())).toBe('Bearer');
    expect(wwwAuthenticate(tokenInvalid('x'))).toBe('Bearer error="invalid_token"');
    expect(wwwAuthenticate(tokenExpired())).toBe('Bearer error="invalid_token"');
    expect(wwwAuthenticate(scopeMissing(Scope.OPERATIONS))).toBe('Bearer error="insufficient_scope", scope="lro.operations"');
    expect(wwwAuthenticate(jwksUnavailable())).toBeUndefined();
  });
});
