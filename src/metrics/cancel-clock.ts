/**
 * The start of `lro_cancel_latency_seconds` for cancels that cannot end at once (the operation was
 * running): the time of the request, by operation id, until the bus says the operation is done. The
 * 'done' event reaches this instance wherever the operation ran (PostgreSQL NOTIFY), so the latency is
 * what the client that cancelled here would see. Bounded: an end never heard of (a lost notification)
 * costs one entry until newer requests push it out.
 */
import { performance } from 'node:perf_hooks';
import type { EventBus } from '../events/event-bus.js';

export interface CancelClock {
  /** A cancel of `id` was requested at `at` (performance.now()); a repeated request keeps the first time. */
  requested(id: string, at: number): void;
  close(): void;
}

const MAX_PENDING = 10_000;

export function createCancelClock(bus: EventBus, observe: (seconds: number) => void, maxPending = MAX_PENDING): CancelClock {
  const pending = new Map<string, number>();
  const unsubscribe = bus.subscribe((event) => {
    if (event.type !== 'done') return;
    const at = pending.get(event.id);
    if (at === undefined) return;
    pending.delete(event.id);
    observe((performance.now() - at) / 1000);
  });
  return {
    requested(id, at) {
      if (pending.has(id)) return;
      pending.set(id, at);
      if (pending.size > maxPending) pending.delete(pending.keys().next().value!);
    },
    close() {
      unsubscribe();
      pending.clear();
    },
  };
}
