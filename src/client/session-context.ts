/** What a session shares with its operation handles: the transport, the retry policy and its signals. */
import { abortReason } from './lro-error.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { CallOptions, Transport } from './transport.js';

export interface SessionContext {
  readonly transport: Transport;
  readonly retry: RetryPolicy;
  /** Deadline of unary calls. */
  readonly callTimeoutMs: number;
  /** Fires when the session closes: every call of the session ends. */
  readonly closed: AbortSignal;
  /** Fires when `cancel()` (all) aborts the session's waits and watches; each call gets the current one. */
  waitScope(): AbortSignal;
  /** Throws if the session is closed. */
  ensureOpen(): void;
}

/** One signal for a call: the caller's, and the session's close (and, for waits and watches, its cancel). */
export function callSignal(ctx: SessionContext, signal: AbortSignal | undefined, waits = false): AbortSignal {
  const signals = [ctx.closed];
  if (waits) signals.push(ctx.waitScope());
  if (signal) signals.push(signal);
  return AbortSignal.any(signals);
}

/** Runs one call with the session's retries on UNAVAILABLE. */
export function retried<T>(ctx: SessionContext, signal: AbortSignal, call: (options: CallOptions) => Promise<T>): Promise<T> {
  ctx.ensureOpen();
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return withRetry(() => call({ signal, timeoutMs: ctx.callTimeoutMs }), ctx.retry, ctx.transport.server, signal);
}
