/**
 * `npm run bench -- [SCENARIO…] [flags]` → one validated options object. Sizes come from BENCHMARKS.md;
 * `--smoke` shrinks every scenario so the whole run takes seconds (CI keeps the harness alive with it).
 */
import { parseArgs } from 'node:util';
import { assertLoopbackUrl } from './loopback.js';
import { UsageError } from './usage-error.js';

export const SCENARIOS = ['get-http', 'get-grpc', 'throughput', 'cancel-latency', 'wait-fanout', 'list-scale', 'recovery'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  smoke: boolean;
  /** Measured repetitions of each cheap figure; the table shows their median. */
  reps: number;
  /** Seconds of load per run of get-http / get-grpc (after a warm-up of a fifth of it). */
  durationS: number;
  /** Operations (jobs) per throughput run. */
  jobs: number;
  /** Worker concurrency of ours and of every peer. */
  concurrency: number;
  /** Starts in flight from the client. */
  inFlight: number;
  /** Longest a single throughput run may take; past it the rate is what finished by then. */
  runCapS: number;
  cancelOps: number;
  waiters: number;
  waitOps: number;
  listRows: number;
  /** The deep page of list-scale (page numbers start at 1). */
  listDeepPage: number;
  recoveryOps: number;
  /** Lease of the recovery instances; 0 = the server's default. */
  leaseMs: number;
  stores: ('sqlite' | 'postgres')[];
  redisUrl: string;
  postgresUrl: string;
  /** Where the JSON result goes. */
  out: string;
  profile: boolean;
  logLevel: string;
}

export const USAGE = `Usage: npm run bench -- [SCENARIO…] [options]

Scenarios (default: all): ${SCENARIOS.join(', ')}

Options:
  --smoke               every scenario tiny (seconds in all); writes to a temporary file unless --out is given
  --reps N              repetitions of each cheap figure; the median is reported (default 3)
  --duration S          seconds of load per get-http / get-grpc run (default 5)
  --jobs N              operations per throughput run (default 20000)
  --concurrency N       worker concurrency of ours and of the peers (default 16)
  --in-flight N         starts in flight from the client (default 20)
  --run-cap S           longest one throughput run may take (default 60)
  --cancel-ops N        running operations cancelled in cancel-latency (default 200)
  --waiters N           concurrent WaitOperation calls in wait-fanout (default 10000)
  --list-rows N         stored operations in list-scale (default 1000000)
  --recovery-ops N      operations running on the killed instance (default 100)
  --lease D             lease of the recovery instances, e.g. 5s (default: the server's)
  --stores LIST         sqlite,postgres (default both)
  --redis URL           default redis://127.0.0.1:6379 (loopback only)
  --postgres URL        default postgres://postgres@127.0.0.1:5432/test (loopback only)
  --out PATH            result file (default bench/results/latest.json)
  --profile             run our server processes under node --cpu-prof into bench/profiles/
  --log-level LEVEL     our server's log level (default warn)
  --help
`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1, not ${JSON.stringify(text)}`);
  return n;
}

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  if (!m) throw new UsageError(`--${name} must be a duration such as 5, 5s or 500ms, not ${JSON.stringify(text)}`);
  const v = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
  if (!(v > 0)) throw new UsageError(`--${name} must be positive`);
  return v;
}

/** Parses argv (after `--`); null means --help. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        smoke: { type: 'boolean' },
        reps: { type: 'string' },
        duration: { type: 'string' },
        jobs: { type: 'string' },
        concurrency: { type: 'string' },
        'in-flight': { type: 'string' },
        'run-cap': { type: 'string' },
        'cancel-ops': { type: 'string' },
        waiters: { type: 'string' },
        'list-rows': { type: 'string' },
        'recovery-ops': { type: 'string' },
        lease: { type: 'string' },
        stores: { type: 'string' },
        redis: { type: 'string' },
        postgres: { type: 'string' },
        out: { type: 'string' },
        profile: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return null;
  const unknown = parsed.positionals.filter((p) => !(SCENARIOS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const scenarios = parsed.positionals.length > 0 ? [...new Set(parsed.positionals as ScenarioName[])] : [...SCENARIOS];
  const smoke = v.smoke ?? false;
  const stores = (v.stores ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  for (const s of stores) if (s !== 'sqlite' && s !== 'postgres') throw new UsageError(`--stores takes sqlite and/or postgres, not ${s}`);
  const redisUrl = v.redis ?? env.LRO_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
  const postgresUrl = v.postgres ?? env.LRO_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
  assertLoopbackUrl('--redis', redisUrl);
  assertLoopbackUrl('--postgres', postgresUrl);
  // Smoke sizes: every code path runs, nothing takes long.
  const d = smoke
    ? { reps: 1, duration: 1, jobs: 50, cap: 20, cancel: 10, waiters: 200, waitOps: 10, rows: 3000, deep: 5, recovery: 10, lease: 1000 }
    : { reps: 3, duration: 5, jobs: 20_000, cap: 60, cancel: 200, waiters: 10_000, waitOps: 100, rows: 1_000_000, deep: 5000, recovery: 100, lease: 0 };
  const listRows = positiveInt('list-rows', v['list-rows'], d.rows);
  return {
    scenarios,
    smoke,
    reps: positiveInt('reps', v.reps, d.reps),
    durationS: seconds('duration', v.duration, d.duration),
    jobs: positiveInt('jobs', v.jobs, d.jobs),
    concurrency: positiveInt('concurrency', v.concurrency, 16),
    inFlight: positiveInt('in-flight', v['in-flight'], 20),
    runCapS: seconds('run-cap', v['run-cap'], d.cap),
    cancelOps: positiveInt('cancel-ops', v['cancel-ops'], d.cancel),
    waiters: positiveInt('waiters', v.waiters, d.waiters),
    waitOps: d.waitOps,
    listRows,
    // The deep page must exist among the not-done two thirds of the rows (see list-scale).
    listDeepPage: Math.max(2, Math.min(d.deep, Math.floor((listRows * 2) / 3 / 100) - 1)),
    recoveryOps: positiveInt('recovery-ops', v['recovery-ops'], d.recovery),
    leaseMs: v.lease === undefined ? d.lease : Math.round(seconds('lease', v.lease, 0) * 1000),
    stores: stores as BenchOptions['stores'],
    redisUrl,
    postgresUrl,
    out: v.out ?? (smoke ? '' : 'bench/results/latest.json'),
    profile: v.profile ?? false,
    logLevel: v['log-level'] ?? 'warn',
  };
}
