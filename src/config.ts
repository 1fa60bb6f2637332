/**
 * Configuration: one frozen, validated Config, built by one function (`resolveConfig`) whether the
 * values come from flags and environment variables (`parseConfig`, for main.ts) or from code
 * (`createServer(options)`). Every rule lives in the OPTIONS table, so both paths refuse the same values
 * with the same message, naming the flag. Nothing here runs at import time.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from './auth/loopback.js';
import { parseDurationText } from './proto/time.js';

export interface Config {
  host: string;
  httpPort: number;
  grpcPort: number;
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
  store: string;
  /** Operations this instance runs at once; 0 serves the API only. */
  concurrency: number;
  /** Paths of modules that export extra kinds (`--kinds`). */
  kindModules: string[];
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  waitCapMs: number;
  shutdownGraceMs: number;
  /** Operations queued and not started (all kinds, the whole shared queue); StartOperation beyond it is rejected. */
  maxQueued: number;
  /** Open WaitOperation and WatchOperation calls on this instance; one more is rejected. */
  maxWaiters: number;
  /** Largest request body (HTTP) or message (gRPC), in bytes. */
  maxBodyBytes: number;
  /** Done operations whose end is older than this are purged; 0 keeps them forever. */
  retentionMs: number;
  logLevel: string;
  /** `jwt`: every API call needs an OAuth 2.0 bearer token (a JWT); `none`: anyone who reaches the port may call. */
  auth: AuthMode;
  /** The HS256 secret (its UTF-8 bytes), with `auth: 'jwt'`. */
  jwtSecret?: string;
  /** Or a JWKS file path or http(s) URL (RS256/ES256 public keys), with `auth: 'jwt'`. */
  jwks?: string;
  /** The `iss` tokens must have; unchecked when absent. */
  jwtIssuer?: string;
  /** The audience tokens must have (`aud`, a string or an array holding it); unchecked when absent. */
  jwtAudience?: string;
  /** Lets a server without auth bind an address other than loopback. */
  allowUnauthenticated: boolean;
}

export type AuthMode = 'none' | 'jwt';

/** What code may set: any subset; the rest takes its default. */
export type ConfigInput = Partial<Config>;

export class ConfigError extends Error {}

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    httpPort: 8080,
    grpcPort: 50051,
    store: 'sqlite:./data/lro.sqlite',
    concurrency: Math.max(8, availableParallelism() * 8),
    kindModules: [],
    leaseMs: 10_000,
    heartbeatMs: 3_333,
    pollMs: 1_000,
    waitCapMs: 60_000,
    shutdownGraceMs: 10_000,
    maxQueued: 100_000,
    maxWaiters: 10_000,
    maxBodyBytes: 1024 * 1024,
    retentionMs: 30 * 86_400_000,
    logLevel: 'info',
    auth: 'none',
    allowUnauthenticated: false,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Option<K extends keyof Config> {
  key: K;
  env: string;
  help: string;
  /** Flag text → value; throws ConfigError. */
  parse(text: string, flag: string): Config[K];
  /** Throws ConfigError when the value is not allowed. */
  check(value: unknown, flag: string): void;
  /** A flag without a value (`--allow-unauthenticated`); its variable takes true or false. */
  boolean?: true;
}

const fail = (flag: string, rule: string, value: unknown): never => {
  throw new ConfigError(`${flag} must be ${rule}, not ${JSON.stringify(value)}`);
};

function integer(min: number, max: number, rule: string) {
  return {
    parse: (text: string, flag: string) => (/^\d+$/.test(text.trim()) ? Number(text) : fail(flag, rule, text)),
    check: (v: unknown, flag: string) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(flag, rule, v);
    },
  };
}

function duration(minMs: number) {
  const rule = `a duration such as 500ms, 10s, 5m or 30d (at least ${minMs} ms)`;
  return {
    parse: (text: string, flag: string) => {
      const ms = parseDurationText(text);
      return Number.isFinite(ms) ? ms : fail(flag, rule, text);
    },
    check: (v: unknown, flag: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < minMs) fail(flag, rule, v);
    },
  };
}

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** Bytes: `1048576`, or a number with a unit (`512KiB`, `1MiB`, `2MB`; case does not matter). */
function size(min: number, max: number) {
  const rule = `a size in bytes (1048576) or with a unit (512KiB, 1MiB, 2MB), from ${min} bytes to 1GiB`;
  return {
    check: integer(min, max, rule).check,
    parse: (t: string, flag: string) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(t);
      const unit = m ? SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] : undefined;
      if (!m || unit === undefined) return fail(flag, rule, t);
      const exact = Number(m[1]) * unit;
      const bytes = Math.round(exact);
      // 1.5KiB is 1536 bytes; 0.5B is no size at all.
      return Math.abs(bytes - exact) < 1e-6 ? bytes : fail(flag, rule, t);
    },
  };
}

function text(valid: (v: string) => boolean, rule: string) {
  return {
    parse: (t: string) => t,
    check: (v: unknown, flag: string) => {
      if (typeof v !== 'string' || !valid(v)) fail(flag, rule, v);
    },
  };
}

/** A secret: a refusal never repeats the value. */
const secret = {
  parse: (t: string) => t,
  check: (v: unknown, flag: string) => {
    if (typeof v !== 'string' || v === '') throw new ConfigError(`${flag} must be a non-empty string`);
  },
};

const onOff = {
  boolean: true as const,
  parse: (t: string, flag: string) => {
    const v = t.trim().toLowerCase();
    return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : fail(flag, 'true or false', t);
  },
  check: (v: unknown, flag: string) => {
    if (typeof v !== 'boolean') fail(flag, 'true or false', v);
  },
};

const port = integer(0, 65535, 'a port number from 0 to 65535');
const count = integer(1, 1_000_000_000, 'a whole number from 1 to 1000000000');

const OPTIONS: { [F in string]: Option<keyof Config> } = {
  host: { key: 'host', env: 'LRO_HOST', help: 'address both listeners bind (default 127.0.0.1)', ...text((v) => v.trim() !== '', 'an address') },
  'http-port': { key: 'httpPort', env: 'LRO_HTTP_PORT', help: 'HTTP/JSON port; 0 picks a free one (default 8080)', ...port },
  'grpc-port': { key: 'grpcPort', env: 'LRO_GRPC_PORT', help: 'gRPC port; 0 picks a free one (default 50051)', ...port },
  store: {
    key: 'store',
    env: 'LRO_STORE',
    help: 'sqlite:PATH | sqlite::memory: | postgres://… (default sqlite:./data/lro.sqlite)',
    ...text((v) => /^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(v), 'sqlite:PATH, sqlite::memory: or postgres://…'),
  },
  concurrency: {
    key: 'concurrency',
    env: 'LRO_CONCURRENCY',
    help: 'operations run at once by this instance; 0 serves the API only',
    ...integer(0, 10_000, 'a whole number from 0 to 10000'),
  },
  kinds: {
    key: 'kindModules',
    env: 'LRO_KINDS',
    help: 'module exporting extra kinds (repeat the flag, or comma-separate)',
    parse: (t) => t.split(',').map((k) => k.trim()).filter(Boolean),
    check: (v, flag) => {
      if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && p !== '')) fail(flag, 'a list of module paths', v);
    },
  },
  lease: { key: 'leaseMs', env: 'LRO_LEASE', help: 'lease of a running operation, e.g. 10s (default 10s)', ...duration(100) },
  heartbeat: { key: 'heartbeatMs', env: 'LRO_HEARTBEAT', help: 'lease renewal interval (default a third of the lease)', ...duration(10) },
  poll: { key: 'pollMs', env: 'LRO_POLL', help: 'fallback interval for claiming work (default 1s)', ...duration(10) },
  'wait-cap': { key: 'waitCapMs', env: 'LRO_WAIT_CAP', help: "WaitOperation's longest wait (default 60s)", ...duration(0) },
  'shutdown-grace': {
    key: 'shutdownGraceMs',
    env: 'LRO_SHUTDOWN_GRACE',
    help: 'on SIGTERM, how long running work may finish (default 10s)',
    ...duration(0),
  },
  'max-queued': {
    key: 'maxQueued',
    env: 'LRO_MAX_QUEUED',
    help: 'operations queued and not started, all kinds; more starts are rejected (default 100000)',
    ...count,
  },
  'max-waiters': {
    key: 'maxWaiters',
    env: 'LRO_MAX_WAITERS',
    help: 'open WaitOperation and Watch calls on this instance (default 10000)',
    ...count,
  },
  'max-body': {
    key: 'maxBodyBytes',
    env: 'LRO_MAX_BODY',
    help: 'largest request body (HTTP) or message (gRPC): bytes or 512KiB, 1MiB, … (default 1MiB)',
    ...size(1, 1024 ** 3),
  },
  retention: {
    key: 'retentionMs',
    env: 'LRO_RETENTION',
    help: 'keep done operations this long after their end, e.g. 30d; 0 keeps them forever (default 30d)',
    ...duration(0),
  },
  'log-level': { key: 'logLevel', env: 'LRO_LOG_LEVEL', help: 'pino level (default info)', ...text((v) => LOG_LEVELS.includes(v), `one of ${LOG_LEVELS.join(', ')}`) },
  auth: { key: 'auth', env: 'LRO_AUTH', help: 'none | jwt: require OAuth 2.0 bearer tokens (default none)', ...text((v) => v === 'none' || v === 'jwt', 'none or jwt') },
  'jwt-secret': { key: 'jwtSecret', env: 'LRO_JWT_SECRET', help: 'HS256 secret, its UTF-8 bytes (prefer the variable: flags show in ps)', ...secret },
  jwks: {
    key: 'jwks',
    env: 'LRO_JWKS',
    help: 'JWKS file or http(s) URL of RS256/ES256 keys, rotated by kid',
    ...text((v) => v.trim() !== '', 'a file path or an http(s) URL'),
  },
  'jwt-issuer': { key: 'jwtIssuer', env: 'LRO_JWT_ISSUER', help: 'the iss tokens must have (default: not checked)', ...text((v) => v !== '', 'an issuer') },
  'jwt-audience': { key: 'jwtAudience', env: 'LRO_JWT_AUDIENCE', help: 'the aud tokens must hold (default: not checked)', ...text((v) => v !== '', 'an audience') },
  'allow-unauthenticated': {
    key: 'allowUnauthenticated',
    env: 'LRO_ALLOW_UNAUTHENTICATED',
    help: 'without --auth, bind an address other than loopback anyway',
    ...onOff,
  },
};

const FLAG_OF = new Map(Object.entries(OPTIONS).map(([flag, o]) => [o.key, `--${flag}`]));

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => `  --${name.padEnd(22)} ${o.env.padEnd(26)} ${o.help}`);
  lines.push(`  --${'help'.padEnd(22)} ${''.padEnd(26)} show this help`);
  return `Usage: lro-server [options]\n\n  ${'flag'.padEnd(24)} ${'environment'.padEnd(26)} meaning\n${lines.join('\n')}\n`;
}

/** Checks every given value, fills in the defaults, and freezes the result; throws ConfigError. */
export function resolveConfig(input: ConfigInput): Readonly<Config> {
  const config = defaultConfig();
  for (const [flag, option] of Object.entries(OPTIONS)) {
    const value = input[option.key];
    if (value === undefined) continue;
    option.check(value, `--${flag}`);
    (config as unknown as Record<string, unknown>)[option.key] = option.key === 'kindModules' ? [...(value as string[])] : value;
  }
  if (input.heartbeatMs === undefined) config.heartbeatMs = Math.max(10, Math.floor(config.leaseMs / 3));
  if (config.heartbeatMs >= config.leaseMs) {
    throw new ConfigError(
      `${FLAG_OF.get('heartbeatMs')} must be shorter than ${FLAG_OF.get('leaseMs')} (${config.heartbeatMs} ms is not shorter than ${config.leaseMs} ms)`,
    );
  }
  checkAuth(config);
  Object.freeze(config.kindModules);
  return Object.freeze(config);
}

/** The rules between the security options (API.md, "Security"). */
function checkAuth(config: Config): void {
  const name = (key: keyof Config) => FLAG_OF.get(key)!;
  if (config.auth === 'jwt') {
    if (config.jwtSecret === undefined && config.jwks === undefined) {
      throw new ConfigError(`${name('auth')} jwt needs the keys that sign tokens: ${name('jwtSecret')} (HS256) or ${name('jwks')} (RS256/ES256)`);
    }
    if (config.jwtSecret !== undefined && config.jwks !== undefined) {
      throw new ConfigError(`give ${name('jwtSecret')} or ${name('jwks')}, not both: a server checks tokens of one kind of key`);
    }
  } else if (!config.allowUnauthenticated && !isLoopbackHost(config.host)) {
    throw new ConfigError(
      `${name('host')} ${config.host} is not a loopback address, and without authentication anyone who reaches it could read, ` +
        `cancel and delete every operation: turn on ${name('auth')} jwt (with ${name('jwtSecret')} or ${name('jwks')}), ` +
        `or add ${name('allowUnauthenticated')} to serve it open anyway`,
    );
  }
}

/** Flags and environment (flags win) → Config; throws ConfigError with a message fit for the user; null for --help. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Readonly<Config> | null {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
    for (const [flag, o] of Object.entries(OPTIONS)) {
      options[flag] = { type: o.boolean ? 'boolean' : 'string', ...(flag === 'kinds' ? { multiple: true } : {}) };
    }
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  if (values.help) return null;
  const input: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(OPTIONS)) {
    const given = values[flag];
    const raw = Array.isArray(given) ? given.join(',') : typeof given === 'string' ? given : given === true ? 'true' : env[option.env] || undefined;
    if (raw === undefined) continue;
    // Checked here too, so that a refusal names the variable when the value came from one.
    const name = given !== undefined ? `--${flag}` : `${option.env} (--${flag})`;
    const value = option.parse(raw, name);
    option.check(value, name);
    input[option.key] = value;
  }
  return resolveConfig(input as ConfigInput);
}
