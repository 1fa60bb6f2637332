/**
 * BullMQ 6 on the local Redis, configured as its guide recommends for throughput: one Worker with a
 * local `concurrency` factor (guide/workers/concurrency), a connection of its own with
 * `maxRetriesPerRequest: null` (guide/connections), finished jobs kept (no removeOnComplete). Keys live
 * under the run's unique prefix, which the harness deletes afterwards.
 *
 * BullMQ 6 ships no Redis driver: it needs `ioredis` beside it. The harness checks that before calling.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { createRequire } from 'node:module';
import { driveStarts, type ThroughputRun } from '../load/drive-starts.js';
import { percentile, sleep } from '../stats.js';

type RedisClient = { quit(): Promise<unknown> };

function connect(url: string): RedisClient {
  // Loaded at run time: it is an optional peer dependency of BullMQ, and may be missing.
  const IORedis = createRequire(import.meta.url)('ioredis') as new (url: string, options: object) => RedisClient;
  return new IORedis(url, { maxRetriesPerRequest: null, connectTimeout: 2000 });
}

interface Setup {
  redisUrl: string;
  prefix: string;
}

async function withBullmq<T>(
  p: Setup,
  name: string,
  concurrency: number,
  processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>,
  body: (queue: Queue, worker: Worker) => Promise<T>,
): Promise<T> {
  const queueConnection = connect(p.redisUrl);
  const workerConnection = connect(p.redisUrl);
  const queue = new Queue(name, { connection: queueConnection as unknown as ConnectionOptions, prefix: p.prefix });
  const worker = new Worker(name, processor, { connection: workerConnection as unknown as ConnectionOptions, prefix: p.prefix, concurrency });
  worker.on('error', () => {}); // surfaced through the run's own checks
  try {
    await worker.waitUntilReady();
    return await body(queue, worker);
  } finally {
    await worker.close(true).catch(() => {});
    await queue.close().catch(() => {});
    await Promise.all([queueConnection.quit(), workerConnection.quit()]).catch(() => {});
  }
}

export async function bullmqThroughput(p: Setup & { jobs: number; inFlight: number; concurrency: number; capMs: number }): Promise<ThroughputRun> {
  let completed = 0;
  return withBullmq(
    p,
    `throughput-${Date.now()}`,
    p.concurrency,
    async () => ({ slept: 0 }),
    (queue, worker) => {
      worker.on('completed', () => completed++);
      return driveStarts({
        count: p.jobs,
        inFlight: p.inFlight,
        capMs: p.capMs,
        start: () => queue.add('noop', { seconds: 0 }),
        anyUnfinished: async () => completed < p.jobs,
        countFinished: async () => completed,
        pollMs: 5,
      });
    },
  );
}

/** `worker.cancelJob` on running jobs whose processor polls its signal every 1 ms; time until the job is stored failed. */
export async function bullmqCancel(p: Setup & { ops: number }): Promise<{ p50: number; p99: number; samples: number[] }> {
  let started = 0;
  const failedAt = new Map<string, (t: number) => void>();
  return withBullmq(
    p,
    `cancel-${Date.now()}`,
    p.ops,
    async (_job, _token, signal) => {
      started++;
      while (!signal?.aborted) await sleep(1);
      throw new Error('cancelled');
    },
    async (queue, worker) => {
      worker.on('failed', (job) => job?.id && failedAt.get(job.id)?.(performance.now()));
      const jobs = await Promise.all(Array.from({ length: p.ops }, () => queue.add('poll', {})));
      const deadline = performance.now() + 30_000;
      while (started < p.ops) {
        if (performance.now() > deadline) throw new Error(`only ${started} of ${p.ops} BullMQ jobs started`);
        await sleep(10);
      }
      const samples: number[] = [];
      for (const job of jobs) {
        const stored = new Promise<number>((resolve) => failedAt.set(job.id!, resolve));
        const t0 = performance.now();
        if (!worker.cancelJob(job.id!)) throw new Error(`BullMQ did not find job ${job.id} to cancel`);
        samples.push((await stored) - t0);
      }
      return { p50: percentile(samples, 50), p99: percentile(samples, 99), samples };
    },
  );
}
