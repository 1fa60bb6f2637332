/**
 * --max-waiters: the WaitOperation and WatchOperation calls open on this instance. Each call holds a slot
 * from before its first store read until it ends, however it ends (answered, timed out, client gone,
 * failed); one more is refused at once with RESOURCE_EXHAUSTED (TOO_MANY_WAITERS). Get, List and Cancel
 * take no slot, so they keep answering however many calls wait.
 */
import { resourceExhausted } from '../errors/api-error.js';
import { Reason } from '../errors/reasons.js';
import { onStreamEnd } from './stream-end.js';

/** When a refused client should try again: waits end within the wait cap, most much sooner. */
const RETRY_MS = 1_000;

export interface WaiterSlots {
  /** Takes a slot, or throws the refusal; the function returned gives it back (calling it again does nothing). */
  take(): () => void;
  /** Slots taken now. */
  readonly open: number;
}

export function createWaiterSlots(max: number): WaiterSlots {
  let open = 0;
  return {
    get open() {
      return open;
    },
    take() {
      if (open >= max) {
        throw resourceExhausted(
          `This server already has ${max} WaitOperation and WatchOperation calls open (--max-waiters); retry later, or poll with GetOperation.`,
          Reason.TOO_MANY_WAITERS,
          RETRY_MS,
          { max_waiters: String(max) },
        );
      }
      open++;
      let held = true;
      return () => {
        if (held) {
          held = false;
          open--;
        }
      };
    },
  };
}

/** The messages of a stream that holds a slot: given back when the stream ends, fails or is closed early. */
export function holdingSlot<T>(messages: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  return onStreamEnd(messages, release);
}
