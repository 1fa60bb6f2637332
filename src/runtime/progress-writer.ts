import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.js';
import type { Lease, OperationStore } from '../store/operation-store.js';

/**
 * Writes a handler's progress to the store without ever blocking it, throttled per operation: at most
 * one write in flight and one per `intervalMs`, only the newest report waits, and the last one always
 * lands (flush). A handler reporting every millisecond costs the database (and every watcher, through
 * the 'progress' event each stored write publishes) about ten writes a second.
 */
export interface ProgressWriter {
  report(percent: number, message: string | null): void;
  /** Stores the newest report now, if one waits (before the operation is finished). */
  flush(): Promise<void>;
}

export const PROGRESS_INTERVAL_MS = 100;

export function createProgressWriter(args: {
  store: OperationStore;
  bus: EventBus;
  lease: Lease;
  now: () => number;
  logger: Logger;
  intervalMs?: number;
}): ProgressWriter {
  const intervalMs = args.intervalMs ?? PROGRESS_INTERVAL_MS;
  let pending: { percent: number; message: string | null } | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastWriteAt = -Infinity;

  const write = async (): Promise<void> => {
    while (pending) {
      const { percent, message } = pending;
      pending = undefined;
      lastWriteAt = performance.now();
      try {
        if (await args.store.progress({ lease: args.lease, percent, message, now: args.now() })) {
          args.bus.publish({ type: 'progress', id: args.lease.id });
        }
      } catch (err) {
        args.logger.debug({ err, operation: args.lease.id }, 'storing progress failed');
      }
      if (pending && performance.now() - lastWriteAt < intervalMs) break;
    }
    inFlight = undefined;
    if (pending) schedule();
  };

  function schedule(): void {
    if (timer || inFlight) return;
    const wait = lastWriteAt + intervalMs - performance.now();
    if (wait <= 0) {
      inFlight = write();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      inFlight ??= write();
    }, wait);
    timer.unref();
  }

  return {
    report(percent, message) {
      pending = { percent, message };
      schedule();
    },
    async flush() {
      for (;;) {
        clearTimeout(timer);
        timer = undefined;
        if (inFlight) await inFlight;
        else if (pending) inFlight = write();
        else return;
      }
    },
  };
}
