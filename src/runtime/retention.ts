/**
 * Retention (--retention): a background task deletes done operations whose end is older than the
 * retention, in small batches, at least once a minute. Only done operations are ever purged (the store's
 * purgeDone takes nothing else). Every instance on a shared PostgreSQL database runs it: the store skips
 * rows another instance is purging, so they share the work and never wait on or fail each other.
 * `stop()` ends a pass after the batch in flight.
 */
import type { Logger } from 'pino';
import type { OperationStore } from '../store/operation-store.js';

/** Records deleted per store call: short transactions, so claims and requests get the store in between. */
const BATCH = 200;
/** The longest time between two passes (API.md: at least once a minute). */
const MAX_INTERVAL_MS = 60_000;

export interface RetentionOptions {
  store: OperationStore;
  logger: Logger;
  /** Keep done operations this long after their end; 0 keeps them forever (the task does nothing). */
  retentionMs: number;
  now?: () => number;
  batchSize?: number;
}

export interface RetentionTask {
  start(): void;
  /** Stops the timer and waits for a pass in flight to end (after its current batch). */
  stop(): Promise<void>;
  /** One pass now: purges until nothing older than the retention is left; resolves to how many went. */
  purge(): Promise<number>;
}

/** A pass a quarter of the retention apart (so an operation outlives it by at most that), at most a minute. */
export function retentionInterval(retentionMs: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.max(50, Math.floor(retentionMs / 4)));
}

export function createRetentionTask(opts: RetentionOptions): RetentionTask {
  const { store, logger, retentionMs } = opts;
  const now = opts.now ?? Date.now;
  const batchSize = opts.batchSize ?? BATCH;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pass: Promise<number> | undefined;

  async function purge(): Promise<number> {
    const before = now() - retentionMs;
    let purged = 0;
    while (!stopped) {
      const ids = await store.purgeDone({ before, limit: batchSize });
      purged += ids.length;
      if (ids.length < batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (purged > 0) logger.info({ purged, retentionMs }, 'purged done operations past their retention');
    return purged;
  }

  function tick(): void {
    if (pass) return;
    pass = purge()
      .catch((err: unknown) => {
        logger.warn({ err }, 'purging done operations failed; trying again at the next pass');
        return 0;
      })
      .finally(() => (pass = undefined));
  }

  return {
    start() {
      if (retentionMs <= 0 || timer || stopped) return;
      timer = setInterval(tick, retentionInterval(retentionMs));
      timer.unref();
      tick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await pass;
    },
    purge,
  };
}
