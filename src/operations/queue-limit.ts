/**
 * --max-queued: StartOperation is refused (RESOURCE_EXHAUSTED, nothing created) while the queue — QUEUED
 * operations of every kind; on PostgreSQL the queue all instances share — holds the limit.
 *
 * Counting the queue scans its index (about 4 ms per 100,000 operations on SQLite, on the event loop), so
 * a start does not count. It reads an estimate:
 *
 *   the last count + what this instance created since that count began + its starts still in flight.
 *
 * On one instance that is an upper bound (operations only leave the queue behind its back), so a start
 * well below the limit is admitted at once, on a count at most REFRESH_MS old. Near the limit (within a
 * twentieth of it), and before every refusal, the decision waits for a count that began after the call
 * arrived: admissions near the limit and every refusal are then exact on one instance (with
 * `--max-queued 3` three starts pass, the fourth is refused, and after a cancel the next one passes).
 * Counts are shared: one at a time, every call waiting takes its answer, and one begins at most every
 * MIN_GAP_MS, so a storm of refused starts costs at most 1000 / MIN_GAP_MS counts a second.
 *
 * Other instances' creates are seen at the next count: near the limit that is at once, further away
 * within REFRESH_MS; the shared limit may be passed by what they create in between, never by this
 * instance's own starts.
 */
import { performance } from 'node:perf_hooks';
import { resourceExhausted } from '../errors/api-error.js';
import { Reason } from '../errors/reasons.js';

/** A count is trusted this long while the queue is well below the limit. */
const REFRESH_MS = 1_000;
/** Counts begin at most this often. */
const MIN_GAP_MS = 20;
/** When a refused client should try again: the queue drains at the runners' pace, not in microseconds. */
const RETRY_MS = 1_000;

export interface QueueAdmission {
  /** Says whether the admitted start created an operation (false: it failed, or found its request id's). */
  settle(created: boolean): void;
}

export interface QueueLimit {
  /** Room for one more operation, or a RESOURCE_EXHAUSTED refusal (QUEUE_FULL, with RetryInfo). */
  admit(): Promise<QueueAdmission>;
}

export interface QueueLimitOptions {
  max: number;
  /** The exact number of queued operations (the store's countQueued). */
  count(): Promise<number>;
}

export function createQueueLimit(opts: QueueLimitOptions): QueueLimit {
  const { max } = opts;
  const near = Math.ceil(max / 20);
  let counted = 0;
  let countedAt = -Infinity;
  /** `created` when the last count began. */
  let createdAtCount = 0;
  /** Operations this instance created, ever. */
  let created = 0;
  let inFlight = 0;
  /** Counts begun so far: a call waits for one numbered above what it saw on arrival. */
  let begun = 0;
  let lastBegan = -Infinity;
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const estimate = () => counted + (created - createdAtCount) + inFlight;

  async function runCount(): Promise<void> {
    begun++;
    const beganAt = (lastBegan = performance.now());
    const createdBefore = created;
    const n = await opts.count();
    counted = n;
    countedAt = beganAt;
    createdAtCount = createdBefore;
  }

  /** Resolves once a count numbered above `seen` has ended. */
  function countAfter(seen: number): Promise<void> {
    if (current && begun > seen) return current;
    next ??= (async () => {
      try {
        await current?.catch(() => {});
        const gap = lastBegan + MIN_GAP_MS - performance.now();
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      } finally {
        next = undefined;
      }
      const run = (current = runCount().finally(() => {
        if (current === run) current = undefined;
      }));
      return run;
    })();
    return next;
  }

  function reserve(): QueueAdmission {
    inFlight++;
    let settled = false;
    return {
      settle(made) {
        if (settled) return;
        settled = true;
        inFlight--;
        if (made) created++;
      },
    };
  }

  return {
    async admit() {
      const seen = begun;
      if (max - estimate() > near && performance.now() - countedAt < REFRESH_MS) return reserve();
      await countAfter(seen);
      if (estimate() >= max) {
        throw resourceExhausted(
          `The queue holds ${max} operations that have not started (--max-queued); nothing was created. Retry later.`,
          Reason.QUEUE_FULL,
          RETRY_MS,
          { max_queued: String(max) },
        );
      }
      return reserve();
    },
  };
}
