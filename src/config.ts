/**
 * Flags and environment → one frozen, validated Config. Nothing here runs at import time.
 * Flags win over environment variables, which win over defaults.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationText } from './proto/time.js';

export interface Config {
  host: string;
  httpPort: number;
  grpcPort: number;
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
  store: string;
  concurrency: number;
  /** Module paths that export extra kinds. */
  kinds: string[];
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  waitCapMs: number;
  shutdownGraceMs: number;
  logLevel: string;
}

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    httpPort: 8080,
    grpcPort: 50051,
    store: 'sqlite:./data/lro.sqlite',
    concurrency: Math.max(8, availableParallelism() * 8),
    kinds: [],
    leaseMs: 10_000,
    heartbeatMs: 3_000,
    pollMs: 1_000,
    waitCapMs: 60_000,
    shutdownGraceMs: 10_000,
    logLevel: 'info',
  };
}

export class ConfigError extends Error {}

const OPTIONS = {
  host: { type: 'string', env: 'LRO_HOST', help: 'address both listeners bind (default 127.0.0.1)' },
  'http-port': { type: 'string', env: 'LRO_HTTP_PORT', help: 'HTTP/JSON port; 0 picks a free one (default 8080)' },
  'grpc-port': { type: 'string', env: 'LRO_GRPC_PORT', help: 'gRPC port; 0 picks a free one (default 50051)' },
  store: { type: 'string', env: 'LRO_STORE', help: 'sqlite:PATH | sqlite::memory: | postgres://… (default sqlite:./data/lro.sqlite)' },
  concurrency: { type: 'string', env: 'LRO_CONCURRENCY', help: 'operations run at once by this instance' },
  kinds: { type: 'string', env: 'LRO_KINDS', help: 'module exporting extra kinds (repeat the flag, or comma-separate)' },
  lease: { type: 'string', env: 'LRO_LEASE', help: 'lease of a running operation, e.g. 10s (default 10s)' },
  heartbeat: { type: 'string', env: 'LRO_HEARTBEAT', help: 'lease renewal interval (default a third of the lease)' },
  poll: { type: 'string', env: 'LRO_POLL', help: 'fallback interval for claiming work (default 1s)' },
  'wait-cap': { type: 'string', env: 'LRO_WAIT_CAP', help: "WaitOperation's longest wait (default 60s)" },
  'shutdown-grace': { type: 'string', env: 'LRO_SHUTDOWN_GRACE', help: 'on SIGTERM, how long running work may finish (default 10s)' },
  'log-level': { type: 'string', env: 'LRO_LOG_LEVEL', help: 'pino level (default info)' },
  help: { type: 'boolean', env: '', help: 'show this help' },
} as const;

export function usage(): string {
  const lines = Object.entries(OPTIONS).map(
    ([name, o]) => `  --${name.padEnd(16)} ${o.env ? `${o.env.padEnd(20)}` : ''.padEnd(20)} ${o.help}`,
  );
  return `Usage: lro-server [options]\n\n  flag               environment          meaning\n${lines.join('\n')}\n`;
}

function port(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new ConfigError(`${name} must be a port number from 0 to 65535, not ${JSON.stringify(text)}`);
  return n;
}

function duration(name: string, text: string, min: number): number {
  const ms = parseDurationText(text);
  if (!(ms >= min)) throw new ConfigError(`${name} must be a duration such as 500ms or 10s (at least ${min} ms), not ${JSON.stringify(text)}`);
  return ms;
}

/** Parses flags and environment; throws ConfigError with a message fit for the user. Returns null for --help. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Readonly<Config> | null {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type, ...(name === 'kinds' ? { multiple: true } : {}) }]),
    ) as Parameters<typeof parseArgs>[0] extends infer P ? (P extends { options?: infer O } ? O : never) : never;
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  if (values.help) return null;
  const get = (name: keyof typeof OPTIONS): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.join(',');
    const e = OPTIONS[name].env;
    return e && env[e] !== undefined && env[e] !== '' ? env[e] : undefined;
  };
  const c = defaultConfig();
  const host = get('host');
  if (host !== undefined) c.host = host;
  const httpPort = get('http-port');
  if (httpPort !== undefined) c.httpPort = port('--http-port', httpPort);
  const grpcPort = get('grpc-port');
  if (grpcPort !== undefined) c.grpcPort = port('--grpc-port', grpcPort);
  const store = get('store');
  if (store !== undefined) c.store = store;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(c.store)) {
    throw new ConfigError(`--store must be sqlite:PATH, sqlite::memory: or postgres://…, not ${JSON.stringify(c.store)}`);
  }
  const concurrency = get('concurrency');
  if (concurrency !== undefined) {
    c.concurrency = Number(concurrency);
    if (!/^\d+$/.test(concurrency) || c.concurrency < 1 || c.concurrency > 10_000) {
      throw new ConfigError(`--concurrency must be a whole number from 1 to 10000, not ${JSON.stringify(concurrency)}`);
    }
  }
  const kinds = get('kinds');
  if (kinds !== undefined) c.kinds = kinds.split(',').map((k) => k.trim()).filter(Boolean);
  const lease = get('lease');
  if (lease !== undefined) c.leaseMs = duration('--lease', lease, 100);
  const heartbeat = get('heartbeat');
  c.heartbeatMs = heartbeat !== undefined ? duration('--heartbeat', heartbeat, 10) : Math.max(10, Math.floor(c.leaseMs / 3));
  if (c.heartbeatMs >= c.leaseMs) throw new ConfigError('--heartbeat must be shorter than --lease');
  const poll = get('poll');
  if (poll !== undefined) c.pollMs = duration('--poll', poll, 10);
  const waitCap = get('wait-cap');
  if (waitCap !== undefined) c.waitCapMs = duration('--wait-cap', waitCap, 0);
  const grace = get('shutdown-grace');
  if (grace !== undefined) c.shutdownGraceMs = duration('--shutdown-grace', grace, 0);
  const level = get('log-level');
  if (level !== undefined) {
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
      throw new ConfigError(`--log-level must be one of fatal, error, warn, info, debug, trace, silent`);
    }
    c.logLevel = level;
  }
  return Object.freeze(c);
}
