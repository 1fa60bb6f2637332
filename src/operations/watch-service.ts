/**
 * lro.v1.Watch, transport-agnostic: WatchOperation streams an operation's changes, driven by the event
 * bus (no polling per watcher): each change event leads to at most one store read, changes are
 * coalesced to one message per `coalesceMs`, and the stream ends right after the message with done.
 *
 * cancel_on_disconnect ties the operation to the stream, as an HTTP/3 request is tied to its stream
 * (RFC 9114 §4.1.1): if the client goes away (or its deadline passes) before the operation is done, the
 * operation is cancelled exactly as CancelOperation would. A server shutdown ends the stream cleanly and
 * cancels nothing.
 */
import type { Logger } from 'pino';
import type { OperationEvents } from '../events/operation-events.js';
import type { OperationRecord, OperationStore } from '../store/operation-store.js';
import { visibleTo, type CallContext } from './call-context.js';
import { notCancellable, operationNotFound, type Canceller } from './canceller.js';
import { operationName, parseOperationName } from './names.js';
import { toOperation, type OperationMessage } from './to-operation.js';
import { holdingSlot, type WaiterSlots } from './waiter-slots.js';

export interface WatchOperationRequest {
  name: string;
  cancelOnDisconnect?: boolean;
}

export interface WatchServiceOptions {
  store: OperationStore;
  canceller: Canceller;
  events: OperationEvents;
  logger: Logger;
  /** --max-waiters, shared with WaitOperation: a stream holds a slot from its first read to its end. */
  slots: WaiterSlots;
  /** At most one message per this long (API.md: 50 ms). */
  coalesceMs?: number;
}

/** What a watcher can see change: a message is sent only when one of these differs. */
const fingerprint = (r: OperationRecord) =>
  `${r.state}|${r.done}|${r.progressPercent}|${r.statusMessage}|${r.requestedCancellation}|${r.attempt}|${r.updateTime}`;

export function createWatchService(opts: WatchServiceOptions) {
  const { store, canceller, events, logger } = opts;
  const coalesceMs = opts.coalesceMs ?? 50;

  async function* stream(first: OperationRecord, ctx: CallContext, cancelOnDisconnect: boolean): AsyncGenerator<OperationMessage> {
    const { signal } = ctx; // listens for the client going away from here on
    let changed = true; // a change may have come between the first read and the subscription
    let wake: (() => void) | undefined;
    const off = events.on(first.id, () => {
      changed = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    let last = first;
    let ended = false;
    try {
      yield toOperation(first);
      if (first.done) {
        ended = true;
        return;
      }
      let sentAt = Date.now();
      for (;;) {
        // The signal may have fired while the last read was in flight (nothing to wake then): look first.
        if (!changed && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (signal.aborted) return;
        const due = sentAt + coalesceMs - Date.now();
        if (due > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, due);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (signal.aborted) return;
        }
        changed = false; // events from here on lead to another read
        const record = await store.get(first.id);
        if (!record) return; // deleted (only done operations can be): nothing more to say
        if (fingerprint(record) !== fingerprint(last)) {
          last = record;
          sentAt = Date.now();
          yield toOperation(record);
        }
        if (record.done) {
          ended = true;
          return;
        }
      }
    } finally {
      off();
      signal.removeEventListener('abort', onAbort);
      if (cancelOnDisconnect && !ended && ctx.clientGone) {
        // The client lost interest before the end: cancel as CancelOperation would (a done one is left alone).
        canceller.cancel(last).catch((err: unknown) => logger.debug({ err, operation: operationName(last.id), requestId: ctx.requestId }, 'cancel on disconnect found nothing to cancel'));
      }
    }
  }

  return {
    async WatchOperation(req: WatchOperationRequest, ctx: CallContext): Promise<AsyncIterable<OperationMessage>> {
      const release = opts.slots.take();
      try {
        const id = parseOperationName(req.name);
        // Another principal's operation is not found, exactly as one that never existed.
        const record = id === undefined ? undefined : await store.get(id, visibleTo(ctx));
        if (!record) throw operationNotFound(String(req.name));
        const cancelOnDisconnect = req.cancelOnDisconnect === true;
        // Refused at once, done or not: the client asked for something this kind can never do.
        if (cancelOnDisconnect && !record.cancellable) throw notCancellable(req.name, record.kind);
        return holdingSlot(stream(record, ctx, cancelOnDisconnect), release);
      } catch (err) {
        release();
        throw err;
      }
    },
  };
}
