/**
 * Why a handler's signal fires, and the terminal errors the runtime writes. Cancel and deadline end the
 * operation; shutdown and a lost lease only stop this attempt (the operation runs again, here or
 * elsewhere). A handler tells them apart by `ctx.abortCause` (or `signal.reason.abortCause`).
 */
import { ApiError } from '../errors/api-error.js';
import { Code, type CodeNumber } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';
import type { OperationError } from '../store/operation-store.js';

/** Why an attempt's signal fired. */
export type AbortCause =
  /** CancelOperation (or a cancel-on-disconnect stream): the operation ends CANCELLED. */
  | 'cancelled'
  /** The kind's timeout: the operation ends DEADLINE_EXCEEDED. */
  | 'deadline'
  /** The server is shutting down: the operation goes back to the queue, unchanged. */
  | 'shutdown'
  /** This attempt lost its lease (another attempt takes over): nothing it does is stored any more. */
  | 'lease_lost';

/** The reason of a handler's aborted signal: an ApiError that also says why. */
export class OperationAbortedError extends ApiError {
  constructor(
    readonly abortCause: AbortCause,
    code: CodeNumber,
    message: string,
    options: { reason: Reason; metadata?: Record<string, string> },
  ) {
    super(code, message, options);
    this.name = 'OperationAbortedError';
  }
}

/** The cause of an aborted signal, or undefined while it has not fired (or fired for another reason). */
export function abortCauseOf(signal: AbortSignal): AbortCause | undefined {
  return signal.aborted && signal.reason instanceof OperationAbortedError ? signal.reason.abortCause : undefined;
}

export const cancelledBeforeStart = () =>
  new ApiError(Code.CANCELLED, 'The operation was cancelled before it started; nothing was processed, so it is safe to start again.', {
    reason: Reason.CANCELLED_BEFORE_START,
    metadata: { processed: 'false' },
  });

export const cancelledWhileRunning = () =>
  new OperationAbortedError('cancelled', Code.CANCELLED, 'The operation was cancelled while it was running; it may have been partly processed.', {
    reason: Reason.CANCELLED_WHILE_RUNNING,
    metadata: { processed: 'true' },
  });

export const timedOut = (timeoutMs: number) =>
  new OperationAbortedError('deadline', Code.DEADLINE_EXCEEDED, `The operation ran longer than its kind's timeout of ${timeoutMs / 1000}s.`, {
    reason: Reason.OPERATION_TIMEOUT,
    metadata: { processed: 'true', timeout: `${timeoutMs / 1000}s` },
  });

export const shuttingDown = () =>
  new OperationAbortedError('shutdown', Code.UNAVAILABLE, 'The server is shutting down; the operation will run again.', {
    reason: Reason.SHUTTING_DOWN,
  });

export const leaseLost = () =>
  new OperationAbortedError('lease_lost', Code.ABORTED, 'This attempt lost the lease of the operation; another attempt takes over.', {
    reason: Reason.LEASE_LOST,
  });

export const attemptsExhausted = () =>
  new ApiError(Code.ABORTED, 'The operation was started as many times as its kind allows, and its worker died each time.', {
    reason: Reason.ATTEMPTS_EXHAUSTED,
    metadata: { processed: 'true' },
  });

export function toOperationError(err: ApiError): OperationError {
  return { code: err.code, message: err.message, reason: err.reason, metadata: { ...err.metadata } };
}
