/**
 * The bus's events of one operation, to whoever follows that operation (a WaitOperation, a Watch): one
 * bus subscription for all of them, and a map from operation id to its listeners, so an event costs one
 * lookup however many operations are followed.
 */
import type { EventBus, OperationEvent } from './event-bus.js';

export type OperationEventOf = Extract<OperationEvent, { id: string }>;

export interface OperationEvents {
  /** Calls `listener` with every event of operation `id` until the returned function is called. */
  on(id: string, listener: (event: OperationEventOf) => void): () => void;
  close(): void;
}

export function createOperationEvents(bus: EventBus): OperationEvents {
  const byId = new Map<string, Set<(event: OperationEventOf) => void>>();
  const unsubscribe = bus.subscribe((event) => {
    if (!('id' in event)) return;
    const listeners = byId.get(event.id);
    if (listeners) for (const listener of [...listeners]) listener(event);
  });
  return {
    on(id, listener) {
      let listeners = byId.get(id);
      if (!listeners) byId.set(id, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && byId.get(id) === listeners) byId.delete(id);
      };
    },
    close() {
      unsubscribe();
    },
  };
}
