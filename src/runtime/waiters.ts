import type { OperationEvents } from '../events/operation-events.js';

/**
 * WaitOperation's waiters: woken by 'done' events (in-process, or from other instances through the bus),
 * never by polling the store. One timer per waiter; an aborted signal (client gone, deadline, shutdown)
 * releases its waiter at once.
 */
export interface Waiter {
  /** Resolves when the operation is done, the time is up, or the signal fired, whichever is first. */
  readonly woken: Promise<void>;
  /** Gives the waiter up now (its timer and listeners go with it). */
  release(): void;
}

export interface Waiters {
  wait(id: string, ms: number, signal?: AbortSignal): Waiter;
  readonly size: number;
  /** Wakes every waiter (shutdown). */
  close(): void;
}

export function createWaiters(events: OperationEvents): Waiters {
  const all = new Set<() => void>();
  return {
    get size() {
      return all.size;
    },
    wait(id, ms, signal) {
      let release: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        if (signal?.aborted || ms <= 0) return resolve();
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', wake);
          off();
          all.delete(wake);
          resolve();
        };
        const off = events.on(id, (event) => event.type === 'done' && wake());
        all.add(wake);
        const timer = setTimeout(wake, ms);
        signal?.addEventListener('abort', wake, { once: true });
        release = wake;
      });
      return { woken, release: () => release() };
    },
    close() {
      for (const wake of [...all]) wake();
    },
  };
}
