import type { Logger } from 'pino';
import type { Lease, OperationStore } from '../store/operation-store.js';

/**
 * Writes a handler's progress to the store without ever blocking it: at most one write in flight,
 * and only the newest report waits behind it.
 */
export interface ProgressWriter {
  report(percent: number, message: string | null): void;
  /** Waits until the newest report is stored (before the operation is finished). */
  flush(): Promise<void>;
}

export function createProgressWriter(args: { store: OperationStore; lease: Lease; now: () => number; logger: Logger }): ProgressWriter {
  let pending: { percent: number; message: string | null } | undefined;
  let inFlight: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    while (pending) {
      const { percent, message } = pending;
      pending = undefined;
      try {
        await args.store.progress({ lease: args.lease, percent, message, now: args.now() });
      } catch (err) {
        args.logger.debug({ err, operation: args.lease.id }, 'storing progress failed');
      }
    }
    inFlight = undefined;
  };

  return {
    report(percent: number, message: string | null): void {
      pending = { percent, message };
      inFlight ??= drain();
    },
    /** Waits until the newest report is stored (before the operation is finished). */
    async flush(): Promise<void> {
      await inFlight;
    },
  };
}
