/**
 * throughput: start N no-op operations (`demo.sleep`, `seconds: 0`) with the same number in flight and
 * the same worker concurrency as the peers, and time until all are done. Ours through the in-process API
 * (the service functions, no transport), over HTTP/JSON and over gRPC, on SQLite and on PostgreSQL, each
 * run on a fresh store; BullMQ on the local Redis and pg-boss on the local PostgreSQL alike. Every run
 * stops at --run-cap; a capped run's rate is what finished by then.
 */
import { loud } from '../availability.js';
import { startLoadHelper, startPeerHost, startServerHost } from '../hosts.js';
import type { Helper } from '../ipc.js';
import type { ThroughputRun } from '../load/drive-starts.js';
import { addInfo, addRatio, int } from '../results.js';
import { freshRedisPrefix, freshSchema } from '../resources.js';
import { freshStore, medianOf, repeat, storesToMeasure, type Scenario, type ScenarioContext, type StoreName } from '../scenario.js';

const MODES = ['in-process', 'http', 'grpc'] as const;
type Mode = (typeof MODES)[number];

const describe = (runs: ThroughputRun[]) => {
  const rate = medianOf(runs, (r) => r.rate);
  const capped = runs.filter((r) => r.capped).length;
  return { rate, text: `${int(rate)}/s${capped ? ` (${capped} of ${runs.length} runs hit the cap: rate of what finished)` : ''}` };
};

async function ours(ctx: ScenarioContext, host: Helper, starter: Helper, store: StoreName, mode: Mode): Promise<ThroughputRun[]> {
  const { options } = ctx;
  return repeat(options.reps, async (rep) => {
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
  });
}

export const throughput: Scenario = async (ctx) => {
  const { options, availability, results } = ctx;
  const stores = storesToMeasure(ctx, 'throughput', [
    ['throughput.postgres.in-process', '≥ 10×', 10],
    ['throughput.postgres.http', '≥ 10×', 10],
  ]);
  const [host, starter, peer] = await Promise.all([
    startServerHost('throughput-server', options.profile),
    startLoadHelper('throughput-client', 'start-load'),
    startPeerHost('throughput-peers'),
  ]);
  const measured: Record<string, ThroughputRun[]> = {};
  try {
    for (const store of stores) for (const mode of MODES) measured[`${store}.${mode}`] = await ours(ctx, host, starter, store, mode);

    const peerArgs = { jobs: options.jobs, inFlight: options.inFlight, concurrency: options.concurrency, capMs: options.runCapS * 1000 };
    if (stores.includes('sqlite')) {
      if (availability.bullmqProblem) loud(`BullMQ: ${availability.bullmqProblem}`);
      else {
        const prefix = await freshRedisPrefix(options.redisUrl);
        measured.bullmq = await repeat(options.reps, async (rep) => {
          const run = await peer.call<ThroughputRun>('bullmqThroughput', { ...peerArgs, redisUrl: options.redisUrl, prefix });
          ctx.log(`BullMQ rep ${rep + 1}: ${int(run.rate)} jobs/s`);
          return run;
        });
      }
    }
    if (stores.includes('postgres')) {
      measured.pgboss = await repeat(options.reps, async (rep) => {
        const { schema } = await freshSchema(options.postgresUrl);
        const run = await peer.call<ThroughputRun>('pgbossThroughput', { ...peerArgs, url: options.postgresUrl, schema });
        ctx.log(`pg-boss rep ${rep + 1}: ${int(run.rate)} jobs/s`);
        return run;
      });
    }
  } finally {
    await Promise.all([host.stop(), starter.stop(), peer.stop()]);
  }
  results.measurements.throughput = { jobs: options.jobs, inFlight: options.inFlight, concurrency: options.concurrency, runs: measured };

  const same = `${int(options.jobs)} jobs, ${options.inFlight} starts in flight, concurrency ${options.concurrency}`;
  const peers = {
    sqlite: measured.bullmq
      ? { name: 'BullMQ 6', ...describe(measured.bullmq) }
      : { name: 'BullMQ 6', rate: NaN, text: `not measured: ${availability.bullmqProblem ?? 'not run'}` },
    postgres: measured.pgboss ? { name: 'pg-boss 10', ...describe(measured.pgboss) } : { name: 'pg-boss 10', rate: NaN, text: 'not measured' },
  };
  // Goals from issue 8 (BENCHMARKS.md asks less of PostgreSQL: ≥ 2× pg-boss).
  const goals: Record<StoreName, Partial<Record<Mode, number>>> = { sqlite: { 'in-process': 2, http: 1 }, postgres: { 'in-process': 10, http: 10 } };
  for (const store of stores) {
    const baseline = peers[store];
    for (const mode of MODES) {
      const ourRuns = describe(measured[`${store}.${mode}`]!);
      const goal = goals[store][mode];
      const figure = `${store}, ${mode}: ${ourRuns.text} ops`;
      const base = `${baseline.name}: ${baseline.text}${Number.isFinite(baseline.rate) ? ' jobs' : ''} (${same})`;
      if (goal === undefined) addInfo(results, { scenario: 'throughput', figure, baseline: base, ratio: ourRuns.rate / baseline.rate });
      else addRatio(results, { scenario: 'throughput', key: `throughput.${store}.${mode}`, figure, baseline: base, ratio: ourRuns.rate / baseline.rate, goal });
    }
  }
};
