/**
 * The security options (API.md, "Security"): one validation for flags, variables and createServer. Without
 * auth, an address other than loopback is refused with a message naming both ways out; with auth, the keys
 * must be given, of one kind. A refusal never repeats the secret.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/app.js';
import { ConfigError, parseConfig, resolveConfig } from '../../src/config.js';

const BOTH_WAYS_OUT = /--auth jwt.*--allow-unauthenticated/s;

describe('binding without auth', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com', '[::]'])('refuses --host %s, naming --auth jwt and --allow-unauthenticated', (host) => {
    expect(() => parseConfig(['--host', host], {})).toThrow(ConfigError);
    expect(() => parseConfig(['--host', host], {})).toThrow(BOTH_WAYS_OUT);
    expect(() => parseConfig([], { LRO_HOST: host })).toThrow(BOTH_WAYS_OUT);
    expect(() => createServer({ host })).toThrow(BOTH_WAYS_OUT);
    expect(() => resolveConfig({ host, auth: 'none' })).toThrow(BOTH_WAYS_OUT);
  });

  it.each(['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])('allows the loopback address %s', (host) => {
    expect(parseConfig(['--host', host], {})).toMatchObject({ host, auth: 'none', allowUnauthenticated: false });
  });

  it('allows any address with --allow-unauthenticated (flag, variable or code) or with --auth jwt', () => {
    expect(parseConfig(['--host', '0.0.0.0', '--allow-unauthenticated'], {})).toMatchObject({ allowUnauthenticated: true });
    expect(parseConfig(['--host', '0.0.0.0'], { LRO_ALLOW_UNAUTHENTICATED: 'true' })).toMatchObject({ allowUnauthenticated: true });
    expect(parseConfig(['--host', '0.0.0.0'], { LRO_ALLOW_UNAUTHENTICATED: '1' })).toMatchObject({ allowUnauthenticated: true });
    expect(resolveConfig({ host: '0.0.0.0', allowUnauthenticated: true }).host).toBe('0.0.0.0');
    expect(parseConfig(['--host', '0.0.0.0', '--auth', 'jwt'], { LRO_JWT_SECRET: 's3cret' })).toMatchObject({ auth: 'jwt', jwtSecret: 's3cret' });
    expect(() => parseConfig(['--host', '0.0.0.0'], { LRO_ALLOW_UNAUTHENTICATED: 'false' })).toThrow(BOTH_WAYS_OUT);
  });

  it('refuses an allow value that is not true or false, naming the variable', () => {
    expect(() => parseConfig([], { LRO_ALLOW_UNAUTHENTICATED: 'maybe' })).toThrow(/LRO_ALLOW_UNAUTHENTICATED.*true or false/);
    expect(() => resolveConfig({ allowUnauthenticated: 'yes' as unknown as boolean })).toThrow(/--allow-unauthenticated/);
  });
});

describe('--auth jwt', () => {
  it('reads every security option from flags and variables', () => {
    const env = { LRO_AUTH: 'jwt', LRO_JWKS: 'https://issuer.test/jwks.json', LRO_JWT_ISSUER: 'https://issuer.test', LRO_JWT_AUDIENCE: 'lro' };
    expect(parseConfig([], env)).toMatchObject({ auth: 'jwt', jwks: 'https://issuer.test/jwks.json', jwtIssuer: 'https://issuer.test', jwtAudience: 'lro' });
    expect(parseConfig(['--auth', 'jwt', '--jwt-secret', 'x', '--jwt-issuer', 'i', '--jwt-audience', 'a'], {})).toMatchObject({
      jwtSecret: 'x',
      jwtIssuer: 'i',
      jwtAudience: 'a',
    });
    expect(parseConfig([], {})).toMatchObject({ auth: 'none' });
  });

  it('needs the keys: a secret or a JWKS, not both', () => {
    expect(() => parseConfig(['--auth', 'jwt'], {})).toThrow(/--auth jwt needs .*--jwt-secret.*--jwks/);
    expect(() => createServer({ auth: 'jwt' })).toThrow(/--jwt-secret/);
    expect(() => parseConfig(['--auth', 'jwt', '--jwt-secret', 'x', '--jwks', 'k.json'], {})).toThrow(/not both/);
  });

  it('refuses an unknown mode', () => {
    expect(() => parseConfig(['--auth', 'basic'], {})).toThrow(/--auth must be none or jwt/);
    expect(() => parseConfig([], { LRO_AUTH: 'oauth' })).toThrow(/LRO_AUTH/);
  });

  it('never repeats the secret in a refusal', () => {
    const secret = 'do-not-print-me';
    for (const attempt of [
      () => parseConfig(['--auth', 'jwt', '--jwt-secret', secret, '--jwks', 'k.json'], {}),
      () => resolveConfig({ auth: 'jwt', jwtSecret: 42 as unknown as string }),
      () => resolveConfig({ auth: 'jwt', jwtSecret: '' }),
    ]) {
      const err = (() => {
        try {
          attempt();
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a refusal');
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain('42');
    }
  });
});
