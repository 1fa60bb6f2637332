import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { abortCauseOf, type AbortCause } from './abort-reasons.js';
import { operationName } from './operation-name.js';

/** What a handler gets: cancellation, progress and a cancellable sleep, passed explicitly. */
export interface OperationContext {
  /** `operations/{id}`. */
  readonly name: string;
  readonly kind: string;
  /** 1 on the first run; more when the operation is retried after a worker died. */
  readonly attempt: number;
  /**
   * Fires on cancel, on the kind's timeout, on shutdown and on lease loss; `reason` is an ApiError
   * (an OperationAbortedError, whose `abortCause` says which).
   */
  readonly signal: AbortSignal;
  /** Why the signal fired: 'cancelled' | 'deadline' | 'shutdown' | 'lease_lost'; undefined before it fires. */
  readonly abortCause: AbortCause | undefined;
  /** Throws the signal's reason once it has fired. */
  throwIfCancelled(): void;
  /** Records progress (0–100) and an optional status message; cheap, coalesced, never throws. */
  progress(percent: number, message?: string): void;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
  sleep(ms: number): Promise<void>;
}

export function abortReason(signal: AbortSignal): ApiError {
  return signal.reason instanceof ApiError ? signal.reason : new ApiError(Code.CANCELLED, 'cancelled');
}

export function createOperationContext(args: {
  id: string;
  kind: string;
  attempt: number;
  signal: AbortSignal;
  progress: (percent: number, message: string | null) => void;
}): OperationContext {
  const { signal } = args;
  return {
    name: operationName(args.id),
    kind: `kinds/${args.kind}`,
    attempt: args.attempt,
    signal,
    get abortCause() {
      return abortCauseOf(signal);
    },
    throwIfCancelled() {
      if (signal.aborted) throw abortReason(signal);
    },
    progress(percent, message) {
      const p = Number.isFinite(percent) ? Math.max(0, Math.min(100, Math.round(percent))) : 0;
      args.progress(p, message === undefined ? null : String(message).slice(0, 1000));
    },
    sleep(ms) {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(abortReason(signal));
        // A timer never fires sooner than 1 ms: a zero sleep only yields (other work and the signal get a turn).
        if (!(ms > 0)) {
          setImmediate(() => (signal.aborted ? reject(abortReason(signal)) : resolve()));
          return;
        }
        const onAbort = () => {
          clearTimeout(timer);
          reject(abortReason(signal));
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, Math.max(0, ms));
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
