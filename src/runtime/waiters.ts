import type { EventBus } from '../events/event-bus.js';

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
  close(): void;
}

export function createWaiters(bus: EventBus): Waiters {
  const byId = new Map<string, Set<() => void>>();
  let size = 0;
  const unsubscribe = bus.subscribe((event) => {
    if (event.type !== 'done') return;
    const set = byId.get(event.id);
    if (set) for (const wake of [...set]) wake();
  });
  return {
    get size() {
      return size;
    },
    wait(id, ms, signal) {
      let release: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        if (signal?.aborted || ms <= 0) return resolve();
        let set = byId.get(id);
        if (!set) byId.set(id, (set = new Set()));
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', wake);
          if (set.delete(wake)) size--;
          if (set.size === 0 && byId.get(id) === set) byId.delete(id);
          resolve();
        };
        set.add(wake);
        size++;
        const timer = setTimeout(wake, ms);
        signal?.addEventListener('abort', wake, { once: true });
        release = wake;
      });
      return { woken, release: () => release() };
    },
    close() {
      unsubscribe();
      for (const set of byId.values()) for (const wake of [...set]) wake();
    },
  };
}
