/**
 * pg-boss 10 on the local PostgreSQL, in a schema of the run's own. Configured for throughput as its
 * maintainer recommends for v10 (which dropped teamSize/teamConcurrency): one work() fetching
 * `batchSize` = our concurrency jobs per poll and running them concurrently (Promise.allSettled), polling
 * at the shortest interval it accepts (0.5 s). Completed jobs are kept (they are archived after hours).
 */
import PgBoss from 'pg-boss';
import { driveStarts, type ThroughputRun } from '../load/drive-starts.js';
import { percentile, sleep } from '../stats.js';

async function withBoss<T>(url: string, schema: string, body: (boss: PgBoss) => Promise<T>): Promise<T> {
  const boss = new PgBoss({ connectionString: url, schema, schedule: false, max: 10 });
  boss.on('error', () => {}); // surfaced through the run's own checks
  await boss.start();
  try {
    return await body(boss);
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => {});
  }
}

export async function pgbossThroughput(p: {
  url: string;
  schema: string;
  jobs: number;
  inFlight: number;
  concurrency: number;
  capMs: number;
}): Promise<ThroughputRun> {
  return withBoss(p.url, p.schema, async (boss) => {
    const name = `throughput-${Date.now()}`;
    await boss.createQueue(name);
    await boss.work(name, { batchSize: p.concurrency, pollingIntervalSeconds: 0.5 }, (jobs) =>
      Promise.allSettled(jobs.map(async () => ({ slept: 0 }))),
    );
    const unfinished = () => boss.getQueueSize(name, { before: 'completed' });
    return driveStarts({
      count: p.jobs,
      inFlight: p.inFlight,
      capMs: p.capMs,
      start: () => boss.send(name, { seconds: 0 }),
      anyUnfinished: async () => (await unfinished()) > 0,
      countFinished: async () => p.jobs - (await unfinished()),
      pollMs: 50,
    });
  });
}

/**
 * `boss.cancel` on running jobs. pg-boss only marks the row cancelled: the running handler is never told
 * (it goes on polling), so the figure is the time until the cancelled state is stored.
 */
export async function pgbossCancel(p: { url: string; schema: string; ops: number }): Promise<{ p50: number; p99: number; samples: number[] }> {
  return withBoss(p.url, p.schema, async (boss) => {
    const name = `cancel-${Date.now()}`;
    await boss.createQueue(name);
    let running = 0;
    let release = false;
    // All queued before the worker starts, so its first fetch takes every one: it fetches again only
    // when the whole batch has finished, which these never do until released.
    const ids = (await Promise.all(Array.from({ length: p.ops }, () => boss.send(name, {})))).filter((id): id is string => !!id);
    await boss.work(name, { batchSize: p.ops, pollingIntervalSeconds: 0.5 }, (jobs) =>
      Promise.allSettled(
        jobs.map(async () => {
          running++;
          while (!release) await sleep(1);
        }),
      ),
    );
    const deadline = performance.now() + 30_000;
    while (running < p.ops) {
      if (performance.now() > deadline) throw new Error(`only ${running} of ${p.ops} pg-boss jobs started`);
      await sleep(10);
    }
    const samples: number[] = [];
    try {
      for (const id of ids) {
        const t0 = performance.now();
        await boss.cancel(name, id);
        samples.push(performance.now() - t0);
        const job = await boss.getJobById(name, id);
        if (job?.state !== 'cancelled') throw new Error(`pg-boss job ${id} is ${job?.state}, not cancelled, after cancel()`);
      }
    } finally {
      release = true;
    }
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples };
  });
}
