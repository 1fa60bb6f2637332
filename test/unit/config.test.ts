import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/app.js';
import { ConfigError, defaultConfig, parseConfig, resolveConfig } from '../../src/config.js';

describe('parseConfig', () => {
  it('uses the defaults of API.md', () => {
    const c = parseConfig([], {})!;
    expect(c).toMatchObject({ host: '127.0.0.1', httpPort: 8080, grpcPort: 50051, store: 'sqlite:./data/lro.sqlite', waitCapMs: 60_000 });
    expect(c.concurrency).toBeGreaterThan(0);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      LRO_HTTP_PORT: '9000',
      LRO_GRPC_PORT: '9001',
      LRO_HOST: '0.0.0.0',
      LRO_ALLOW_UNAUTHENTICATED: 'true',
      LRO_STORE: 'sqlite::memory:',
      LRO_CONCURRENCY: '3',
    };
    expect(parseConfig([], env)).toMatchObject({ httpPort: 9000, grpcPort: 9001, host: '0.0.0.0', store: 'sqlite::memory:', concurrency: 3 });
    expect(parseConfig(['--http-port', '0', '--grpc-port=0', '--concurrency', '7'], env)).toMatchObject({
      httpPort: 0,
      grpcPort: 0,
      concurrency: 7,
    });
  });

  it('parses durations and kinds modules', () => {
    const c = parseConfig(['--lease', '2s', '--wait-cap', '1.5s', '--kinds', 'a.js', '--kinds', 'b.js'], { LRO_SHUTDOWN_GRACE: '250ms' })!;
    expect(c).toMatchObject({ leaseMs: 2000, heartbeatMs: 666, waitCapMs: 1500, shutdownGraceMs: 250, kindModules: ['a.js', 'b.js'] });
    expect(parseConfig([], { LRO_KINDS: 'x.js, y.js' })!.kindModules).toEqual(['x.js', 'y.js']);
  });

  it('returns null for --help', () => {
    expect(parseConfig(['--help'], {})).toBeNull();
  });

  it.each([
    [['--http-port', 'abc']],
    [['--grpc-port', '70000']],
    [['--store', 'mysql://x']],
    [['--concurrency', '-1']],
    [['--concurrency', '10001']],
    [['--lease', 'soon']],
    [['--lease', '1s', '--heartbeat', '2s']],
    [['--log-level', 'loud']],
    [['--no-such-flag']],
    [['positional']],
  ])('rejects %j with a ConfigError', (argv) => {
    expect(() => parseConfig(argv, {})).toThrow(ConfigError);
  });

  it('does not share state between calls', () => {
    expect(defaultConfig()).not.toBe(defaultConfig());
  });
});

describe('one validation for flags and code', () => {
  it.each([
    [{ concurrency: -1 }, /--concurrency/],
    [{ concurrency: 1.5 }, /--concurrency/],
    [{ httpPort: 70_000 }, /--http-port/],
    [{ leaseMs: 50 }, /--lease/],
    [{ leaseMs: 1_000, heartbeatMs: 1_000 }, /--heartbeat must be shorter than --lease/],
    [{ store: 'mysql://x' }, /--store/],
    [{ logLevel: 'loud' }, /--log-level/],
    [{ kindModules: [''] }, /--kinds/],
  ])('createServer(%j) is refused as the flag would be', (options, message) => {
    expect(() => createServer(options)).toThrow(ConfigError);
    expect(() => createServer(options)).toThrow(message);
    expect(() => resolveConfig(options)).toThrow(message);
  });

  it('a flag and the same option in code give the same config', () => {
    const fromFlags = parseConfig(['--lease', '2s', '--concurrency', '0', '--kinds', 'a.js'], {})!;
    expect(resolveConfig({ leaseMs: 2000, concurrency: 0, kindModules: ['a.js'] })).toEqual(fromFlags);
  });

  it('names the environment variable when the bad value came from it', () => {
    expect(() => parseConfig([], { LRO_LEASE: 'soon' })).toThrow(/LRO_LEASE/);
  });
});
