import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/app.js';
import { ConfigError, defaultConfig, parseConfig, resolveConfig, usage } from '../../src/config.js';

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

describe('limits and retention (API.md, "Limits, rejection and shutdown")', () => {
  it('defaults: 100000 queued, 10000 waiters, 1 MiB bodies, 30 days of retention', () => {
    expect(parseConfig([], {})).toMatchObject({ maxQueued: 100_000, maxWaiters: 10_000, maxBodyBytes: 1_048_576, retentionMs: 30 * 86_400_000 });
  });

  it('reads counts, sizes and durations from flags and the environment', () => {
    const env = { LRO_MAX_QUEUED: '3', LRO_MAX_WAITERS: '7', LRO_MAX_BODY: '64KiB', LRO_RETENTION: '1s' };
    expect(parseConfig([], env)).toMatchObject({ maxQueued: 3, maxWaiters: 7, maxBodyBytes: 65_536, retentionMs: 1000 });
    expect(parseConfig(['--max-queued', '5', '--max-waiters=1', '--max-body', '2048', '--retention', '0'], env)).toMatchObject({
      maxQueued: 5,
      maxWaiters: 1,
      maxBodyBytes: 2048,
      retentionMs: 0,
    });
  });

  it.each([
    ['1048576', 1_048_576],
    ['1MiB', 1_048_576],
    ['1mib', 1_048_576],
    ['1 MiB', 1_048_576],
    ['512KiB', 524_288],
    ['1.5KiB', 1536],
    ['2MB', 2_000_000],
    ['10kb', 10_000],
    ['1GiB', 1024 ** 3],
    ['100B', 100],
  ])('--max-body %s is %d bytes', (text, bytes) => {
    expect(parseConfig(['--max-body', text], {})!.maxBodyBytes).toBe(bytes);
  });

  it.each([
    ['30d', 30 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['500ms', 500],
    ['0', 0],
  ])('--retention %s is %d ms', (text, ms) => {
    expect(parseConfig(['--retention', text], {})!.retentionMs).toBe(ms);
  });

  it.each([
    ['--max-queued', '0'],
    ['--max-queued', '-1'],
    ['--max-queued', '1.5'],
    ['--max-queued', 'lots'],
    ['--max-queued', ''],
    ['--max-waiters', '0'],
    ['--max-waiters', '1e3'],
    ['--max-body', '0'],
    ['--max-body', '1XB'],
    ['--max-body', '-1MiB'],
    ['--max-body', '0.5B'],
    ['--max-body', '2GiB'],
    ['--max-body', 'MiB'],
    ['--retention', 'forever'],
    ['--retention', '-1d'],
    ['--retention', '30 days'],
  ])('refuses %s %j at start-up, naming the flag', (flag, value) => {
    expect(() => parseConfig([flag, value], {})).toThrow(ConfigError);
    expect(() => parseConfig([flag, value], {})).toThrow(flag);
  });

  it('names the variable when the bad value came from it', () => {
    expect(() => parseConfig([], { LRO_MAX_BODY: 'huge' })).toThrow(/LRO_MAX_BODY \(--max-body\)/);
    expect(() => parseConfig([], { LRO_MAX_QUEUED: '0' })).toThrow(/LRO_MAX_QUEUED \(--max-queued\)/);
  });

  it.each([
    [{ maxQueued: 0 }, /--max-queued/],
    [{ maxWaiters: 2.5 }, /--max-waiters/],
    [{ maxBodyBytes: 0 }, /--max-body/],
    [{ retentionMs: -1 }, /--retention/],
    [{ retentionMs: Number.NaN }, /--retention/],
  ])('createServer(%j) is refused as the flag would be', (options, message) => {
    expect(() => createServer(options)).toThrow(message);
  });

  it('--help lists the new flags with their variables', () => {
    for (const [flag, env] of [
      ['--max-queued', 'LRO_MAX_QUEUED'],
      ['--max-waiters', 'LRO_MAX_WAITERS'],
      ['--max-body', 'LRO_MAX_BODY'],
      ['--retention', 'LRO_RETENTION'],
    ]) {
      expect(usage()).toMatch(new RegExp(`${flag}\\s+${env}\\s`));
    }
  });
});
