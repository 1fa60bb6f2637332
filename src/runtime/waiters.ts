import type { EventBus } from '../events/event-bus.js';

/**
 * WaitOperation's waiters: woken by 'done' events (in-process, or from other instances through the bus),
 * never by polling the store. One timer per waiter; an aborted waiter (client gone) is released at once.
 */
export interface Waiters {
  /** Resolves when `id` is done, after `ms`, or when `signal` fires, whichever is first. */
  wait(id: string, ms: number, signal?: AbortSignal): Promise<void>;
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
      return new Promise<void>((resolve) => {
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
      });
    },
    close() {
      unsubscribe();
      for (const set of byId.values()) for (const wake of [...set]) wake();
    },
  };
}
