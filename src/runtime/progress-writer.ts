import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.js';
import type { Lease, OperationStore, ProgressReport } from '../store/operation-store.js';
import { operationName } from './operation-name.js';

/**
 * Writes a handler's progress to the store without ever blocking it, throttled per operation: a report
 * is stored `intervalMs` after it came (newer reports replace it meanwhile), one write in flight at most.
 * A handler reporting every millisecond costs the database, and every watcher (each stored write
 * publishes a 'progress' event), ten writes a second; one that ends sooner writes none at all: its last
 * report goes with the statement that ends the operation (`settle`).
 */
export interface ProgressWriter {
  report(percent: number, message: string | null): void;
  /** Stops writing and hands over the newest report not stored yet, to store with the operation's end. */
  settle(): Promise<ProgressReport | undefined>;
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
  let pending: ProgressReport | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;

  const write = async (): Promise<void> => {
    const report = pending;
    pending = undefined;
    if (!report) return;
    try {
      if (await args.store.progress({ lease: args.lease, ...report, now: args.now() })) {
        args.bus.publish({ type: 'progress', id: args.lease.id });
      }
    } catch (err) {
      args.logger.debug({ err, operation: operationName(args.lease.id) }, 'storing progress failed');
    } finally {
      inFlight = undefined;
      if (pending && !settled) schedule();
    }
  };

  function schedule(): void {
    if (timer || settled) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (inFlight) return; // it reschedules when done
      inFlight = write();
    }, intervalMs);
    timer.unref();
  }

  return {
    report(percent, message) {
      if (settled) return;
      pending = { percent, message };
      schedule();
    },
    async settle() {
      settled = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
      const last = pending;
      pending = undefined;
      return last;
    },
  };
}
