/**
 * throughput: start N no-op operations (`demo.sleep`, `seconds: 0`) with the same number in flight and
 * the same worker concurrency as the peers, and time until all are done. Ours through the in-process API
 * (the service functions, no transport), over HTTP/JSON and over gRPC, on SQLite and on PostgreSQL, each
 * run on a fresh store; BullMQ on the local Redis and pg-boss on the local PostgreSQL alike. Every run
 * stops at --run-cap; a capped run's rate is what finished by then. Each repetition runs every contender
 * once, and a ratio is the median of the repetitions' ratios, so a slow spell of the machine weighs on
 * both sides of a ratio alike.
 */
import { loud } from '../availability.js';
import { startLoadHelper, startPeerHost, startServerHost } from '../hosts.js';
import type { Helper } from '../ipc.js';
import type { ThroughputRun } from '../load/drive-starts.js';
import { addInfo, addRatio, int } from '../results.js';
import { freshRedisPrefix, freshSchema } from '../resources.js';
import { freshStore, repeat, storesToMeasure, type Scenario, type ScenarioContext, type StoreName } from '../scenario.js';
import { median } from '../stats.js';

const MODES = ['in-process', 'http', 'grpc'] as const;
type Mode = (typeof MODES)[number];

async function ours(ctx: ScenarioContext, host: Helper, starter: Helper, store: StoreName, mode: Mode, rep: number): Promise<ThroughputRun> {
  const { options } = ctx;
  const { http, grpc } = await host.call<{ http: string; grpc: string }>('open', {
    store: await freshStore(ctx, store, `throughput-${mode}-${rep}`),
    concurrency: options.concurrency,
    logLevel: options.logLevel,
  });
  try {
    const p = { jobs: options.jobs, inFlight: options.inFlight, capMs: options.runCapS * 1000 };
    const run =
      mode === 'in-process'
        ? await host.call<ThroughputRun>('throughput', p)
        : await starter.call<ThroughputRun>('throughput', { ...p, transport: mode, address: mode === 'http' ? http : grpc });
    ctx.log(`${store} ${mode} rep ${rep + 1}: ${int(run.rate)} ops/s (${run.finished} done in ${int(run.elapsedMs)} ms; starts took ${int(run.startsMs)} ms)`);
    return run;
  } finally {
    await host.call('close');
  }
}

function rateText(runs: ThroughputRun[], unit: string): string {
  const capped = runs.filter((r) => r.capped).length;
  return `${int(median(runs.map((r) => r.rate)))} ${unit}/s${capped ? ` (${capped} of ${runs.length} runs capped at --run-cap: rate of what finished)` : ''}`;
}

export const throughput: Scenario = async (ctx) => {
  const { options, availability, results } = ctx;
  const stores = storesToMeasure(ctx, 'throughput', [
    ['throughput.postgres.in-process', '≥ 10×', 10],
    ['throughput.postgres.http', '≥ 10×', 10],
  ]);
  const withBullmq = stores.includes('sqlite') && !availability.bullmqProblem;
  if (stores.includes('sqlite') && availability.bullmqProblem) loud(`BullMQ: ${availability.bullmqProblem}`);
  const [host, starter, peer] = await Promise.all([
    startServerHost('throughput-server', options.profile),
    startLoadHelper('throughput-client', 'start-load'),
    startPeerHost('throughput-peers'),
  ]);
  const measured: Record<string, ThroughputRun[]> = {};
  const note = (key: string, run: ThroughputRun) => (measured[key] ??= []).push(run);
  try {
    const redisPrefix = withBullmq ? await freshRedisPrefix(options.redisUrl) : '';
    const peerArgs = { jobs: options.jobs, inFlight: options.inFlight, concurrency: options.concurrency, capMs: options.runCapS * 1000 };
    await repeat(options.reps, async (rep) => {
      for (const store of stores) {
        for (const mode of MODES) note(`${store}.${mode}`, await ours(ctx, host, starter, store, mode, rep));
        if (store === 'sqlite' && withBullmq) {
          const run = await peer.call<ThroughputRun>('bullmqThroughput', { ...peerArgs, redisUrl: options.redisUrl, prefix: redisPrefix });
          ctx.log(`BullMQ rep ${rep + 1}: ${int(run.rate)} jobs/s`);
          note('bullmq', run);
        }
        if (store === 'postgres') {
          const { schema } = await freshSchema(options.postgresUrl);
          const run = await peer.call<ThroughputRun>('pgbossThroughput', { ...peerArgs, url: options.postgresUrl, schema });
          ctx.log(`pg-boss rep ${rep + 1}: ${int(run.rate)} jobs/s${run.capped ? ' (capped)' : ''}`);
          note('pgboss', run);
        }
      }
    });
  } finally {
    await Promise.all([host.stop(), starter.stop(), peer.stop()]);
  }
  results.measurements.throughput = { jobs: options.jobs, inFlight: options.inFlight, concurrency: options.concurrency, runs: measured };

  const same = `${int(options.jobs)} jobs, ${options.inFlight} starts in flight, concurrency ${options.concurrency}`;
  const peerOf = { sqlite: { key: 'bullmq', name: 'BullMQ 6' }, postgres: { key: 'pgboss', name: 'pg-boss 10' } };
  // Goals from issue 8 (BENCHMARKS.md asks less of PostgreSQL: ≥ 2× pg-boss).
  const goals: Record<StoreName, Partial<Record<Mode, number>>> = { sqlite: { 'in-process': 2, http: 1 }, postgres: { 'in-process': 10, http: 10 } };
  for (const store of stores) {
    const peerRuns = measured[peerOf[store].key];
    const base = peerRuns
      ? `${peerOf[store].name}: ${rateText(peerRuns, 'jobs')} (${same})`
      : `${peerOf[store].name}: not measured (${availability.bullmqShort ?? 'not run'})`;
    for (const mode of MODES) {
      const runs = measured[`${store}.${mode}`]!;
      const ratio = peerRuns ? median(runs.map((r, i) => r.rate / peerRuns[i]!.rate)) : NaN;
      const goal = goals[store][mode];
      const figure = `${store}, ${mode}: ${rateText(runs, 'ops')}`;
      if (goal === undefined) addInfo(results, { scenario: 'throughput', figure, baseline: base, ratio });
      else addRatio(results, { scenario: 'throughput', key: `throughput.${store}.${mode}`, figure, baseline: base, ratio, goal });
    }
  }
};
