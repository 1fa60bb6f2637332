/**
 * Why a handler's signal fires, and the terminal errors the runtime writes. Cancel and deadline end the
 * operation; shutdown and a lost lease only stop this attempt (the operation runs again elsewhere).
 */
import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import type { OperationError } from '../store/operation-store.js';

export const REASON = {
  CANCELLED_BEFORE_START: 'CANCELLED_BEFORE_START',
  CANCELLED_WHILE_RUNNING: 'CANCELLED_WHILE_RUNNING',
  TIMEOUT: 'OPERATION_TIMEOUT',
  SHUTDOWN: 'SERVER_SHUTTING_DOWN',
  LEASE_LOST: 'LEASE_LOST',
  ATTEMPTS_EXHAUSTED: 'ATTEMPTS_EXHAUSTED',
  HANDLER_FAILED: 'HANDLER_FAILED',
} as const;

export const cancelledBeforeStart = () =>
  new ApiError(Code.CANCELLED, 'The operation was cancelled before it started; nothing was processed, so it is safe to start again.', {
    reason: REASON.CANCELLED_BEFORE_START,
    metadata: { processed: 'false' },
  });

export const cancelledWhileRunning = () =>
  new ApiError(Code.CANCELLED, 'The operation was cancelled while it was running; it may have been partly processed.', {
    reason: REASON.CANCELLED_WHILE_RUNNING,
    metadata: { processed: 'true' },
  });

export const timedOut = (timeoutMs: number) =>
  new ApiError(Code.DEADLINE_EXCEEDED, `The operation ran longer than its kind's timeout of ${timeoutMs / 1000}s.`, {
    reason: REASON.TIMEOUT,
    metadata: { processed: 'true', timeout: `${timeoutMs / 1000}s` },
  });

export const shuttingDown = () =>
  new ApiError(Code.UNAVAILABLE, 'The server is shutting down; the operation will run again.', { reason: REASON.SHUTDOWN });

export const leaseLost = () =>
  new ApiError(Code.ABORTED, 'This worker lost the lease of the operation; another attempt takes over.', { reason: REASON.LEASE_LOST });

export const attemptsExhausted = () =>
  new ApiError(Code.ABORTED, 'The operation was started as many times as its kind allows, and its worker died each time.', {
    reason: REASON.ATTEMPTS_EXHAUSTED,
    metadata: { processed: 'true' },
  });

export function toOperationError(err: ApiError): OperationError {
  return { code: err.code, message: err.message, reason: err.reason, metadata: { ...err.metadata } };
}

export function isReason(value: unknown, reason: string): boolean {
  return value instanceof ApiError && value.reason === reason;
}
