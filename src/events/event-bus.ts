/**
 * Change events between the parts of one instance and, for shared stores, across instances.
 * In-process delivery is synchronous; a store may bridge events to other instances (PostgreSQL NOTIFY).
 */
export type OperationEvent =
  /** New work is queued: idle workers should claim. */
  | { type: 'queued' }
  /** A running operation's cancel was requested: its owner aborts the handler. */
  | { type: 'cancel'; id: string }
  /**
   * An operation that is not done changed: its progress or status message (throttled per operation by
   * the runner), or its state between QUEUED and RUNNING. Watchers read it again.
   */
  | { type: 'progress'; id: string }
  /** The operation is done: waiters wake. */
  | { type: 'done'; id: string };

export type EventListener = (event: OperationEvent) => void;

export interface EventBus {
  publish(event: OperationEvent): void;
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

/** Delivers to this instance's listeners; `forward` (if any) carries each event to other instances. */
export function createLocalBus(forward?: (event: OperationEvent) => void): EventBus & { deliver(event: OperationEvent): void } {
  const listeners = new Set<EventListener>();
  const deliver = (event: OperationEvent) => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not stop delivery to the others.
      }
    }
  };
  return {
    publish(event) {
      deliver(event);
      forward?.(event);
    },
    deliver,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
