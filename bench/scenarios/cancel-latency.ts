/**
 * cancel-latency: N running `bench.poll` operations (each polls its token every 1 ms); a WaitOperation is
 * pending on each; CancelOperation them one at a time; a sample is the time from the cancel call until
 * that Wait answers done with code 1 (so the outcome is stored). SQLite: one instance. PostgreSQL: the
 * operations run on instance B while the Waits and cancels go to instance A (NOTIFY both ways).
 * Peers: BullMQ's worker.cancelJob in the worker's own process; pg-boss's cancel(), whose handler is never told.
 */
import { loud } from '../availability.js';
import { startPeerHost, startServerHost } from '../hosts.js';
import type { Helper } from '../ipc.js';
import { addInfo, addValue, ms } from '../results.js';
import { freshRedisPrefix, freshSchema } from '../resources.js';
import { freshStore, medianOf, repeat, storesToMeasure, type Scenario, type ScenarioContext } from '../scenario.js';
import { percentile } from '../stats.js';

interface Latency {
  totalMs: number[];
  callMs: number[];
  notCancelled: number;
}

async function measure(ctx: ScenarioContext, runner: Helper, canceller: Helper): Promise<Latency[]> {
  const n = ctx.options.cancelOps;
  return repeat(ctx.options.reps, async (rep) => {
    const names = await runner.call<string[]>('startMany', { kind: 'bench.poll', count: n, inFlight: 20 });
    await runner.call('untilRunning', { count: n, timeoutMs: 60_000 });
    const r = await canceller.call<Latency>('cancelLatency', { names, timeoutMs: 60_000 });
    ctx.log(`rep ${rep + 1}: p50 ${ms(percentile(r.totalMs, 50))}, p99 ${ms(percentile(r.totalMs, 99))} (the cancel call alone: p50 ${ms(percentile(r.callMs, 50))})`);
    return r;
  });
}

function summarize(runs: Latency[]) {
  return {
    p50: medianOf(runs, (r) => percentile(r.totalMs, 50)),
    p99: medianOf(runs, (r) => percentile(r.totalMs, 99)),
    callP50: medianOf(runs, (r) => percentile(r.callMs, 50)),
    notCancelled: runs.reduce((s, r) => s + r.notCancelled, 0),
  };
}

export const cancelLatency: Scenario = async (ctx) => {
  const { options, results, availability } = ctx;
  const stores = storesToMeasure(ctx, 'cancel-latency', [['cancel-latency.postgres-two-instances.p99', '≤ 25 ms', 25]]);
  const n = options.cancelOps;
  const runners = { concurrency: n + options.concurrency, logLevel: options.logLevel, kinds: ['bench.poll'] };
  const measured: Record<string, unknown> = {};
  const what = `${n} running, token polled every 1 ms`;

  if (stores.includes('sqlite')) {
    const host = await startServerHost('cancel-sqlite', options.profile);
    try {
      await host.call('open', { ...runners, store: await freshStore(ctx, 'sqlite', 'cancel') });
      const runs = await measure(ctx, host, host);
      measured.sqlite = runs;
      const s = summarize(runs);
      const bad = s.notCancelled ? `; ${s.notCancelled} did NOT end cancelled` : '';
      addValue(results, { scenario: 'cancel-latency', key: 'cancel-latency.sqlite.p50', figure: `SQLite, one instance: p50 ${ms(s.p50)} (${what}; the cancel call alone p50 ${ms(s.callP50)})${bad}`, value: s.p50, broken: !!bad, unit: 'ms', goal: 2 });
      addValue(results, { scenario: 'cancel-latency', key: 'cancel-latency.sqlite.p99', figure: `SQLite, one instance: p99 ${ms(s.p99)}${bad}`, value: s.p99, broken: !!bad, unit: 'ms', goal: 10 });
    } finally {
      await host.stop();
    }
  }

  if (stores.includes('postgres')) {
    const [a, b] = await Promise.all([startServerHost('cancel-pg-a', options.profile), startServerHost('cancel-pg-b', options.profile)]);
    try {
      const store = await freshStore(ctx, 'postgres', 'cancel');
      // A has no bench.poll kind, so it never claims one: every operation runs on B.
      await a.call('open', { store, concurrency: options.concurrency, logLevel: options.logLevel, instanceId: 'bench-a' });
      await b.call('open', { ...runners, store, instanceId: 'bench-b' });
      const runs = await measure(ctx, b, a);
      measured.postgresTwoInstances = runs;
      const s = summarize(runs);
      const bad = s.notCancelled ? `; ${s.notCancelled} did NOT end cancelled` : '';
      addValue(results, {
        scenario: 'cancel-latency',
        key: 'cancel-latency.postgres-two-instances.p99',
        figure: `PostgreSQL, cancel and Wait on A, running on B: p99 ${ms(s.p99)}, p50 ${ms(s.p50)} (the cancel call alone p50 ${ms(s.callP50)})${bad}`,
        value: s.p99, broken: !!bad,
        unit: 'ms',
        goal: 25,
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }

  const peer = await startPeerHost('cancel-peers');
  try {
    if (stores.includes('sqlite')) {
      if (availability.bullmqProblem) {
        loud(`BullMQ: ${availability.bullmqProblem}`);
        addInfo(results, { scenario: 'cancel-latency', figure: `BullMQ worker.cancelJob: not measured (${availability.bullmqShort})` });
      } else {
        const prefix = await freshRedisPrefix(options.redisUrl);
        const runs = await repeat(options.reps, () => peer.call<{ p50: number; p99: number }>('bullmqCancel', { redisUrl: options.redisUrl, prefix, ops: n }));
        measured.bullmq = runs;
        addInfo(results, {
          scenario: 'cancel-latency',
          figure: `BullMQ worker.cancelJob → stored failed: p50 ${ms(medianOf(runs, (r) => r.p50))}, p99 ${ms(medianOf(runs, (r) => r.p99))} (only from the worker's own process: without its Relay add-on BullMQ cannot cancel a job running elsewhere)`,
        });
      }
    }
    if (stores.includes('postgres')) {
      const runs = await repeat(options.reps, async () => {
        const { schema } = await freshSchema(options.postgresUrl);
        return peer.call<{ p50: number; p99: number }>('pgbossCancel', { url: options.postgresUrl, schema, ops: n });
      });
      measured.pgboss = runs;
      addInfo(results, {
        scenario: 'cancel-latency',
        figure: `pg-boss cancel() → stored cancelled: p50 ${ms(medianOf(runs, (r) => r.p50))}, p99 ${ms(medianOf(runs, (r) => r.p99))}; its running handler is NEVER told (it runs on)`,
      });
    }
  } finally {
    await peer.stop();
  }
  results.measurements['cancel-latency'] = measured;
};
