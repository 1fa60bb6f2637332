/**
 * Retries on UNAVAILABLE with capped exponential backoff and full jitter (each delay is random between 0 and
 * the cap, so clients that failed together do not come back together). Only calls that are safe to repeat
 * come here: reads, cancel, delete, and starts, which always carry a request id.
 */
import { Code } from '../errors/code.js';
import { abortReason, LroError } from './lro-error.js';

export interface RetryPolicy {
  /** Tries in all, the first included (1 = no retry). Default 5. */
  maxAttempts: number;
  /** The cap of the first delay. Default 100 ms. */
  initialDelayMs: number;
  /** The largest cap. Default 5 s. */
  maxDelayMs: number;
  /** How much the cap grows per attempt. Default 2. */
  multiplier: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2 });

/** A complete policy from a partial one; `false` means one attempt. Throws on nonsense. */
export function retryPolicy(options: Partial<RetryPolicy> | false | undefined): RetryPolicy {
  if (options === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const policy = { ...DEFAULT_RETRY, ...stripUndefined(options ?? {}) };
  const positive = (n: number) => Number.isFinite(n) && n >= 0;
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new TypeError('retry.maxAttempts must be an integer ≥ 1');
  if (!positive(policy.initialDelayMs) || !positive(policy.maxDelayMs) || !(policy.multiplier >= 1)) {
    throw new TypeError('retry delays must be ≥ 0 and retry.multiplier ≥ 1');
  }
  return policy;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The delay before retry number `retry` (1 for the first retry): uniform in [0, cap]. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (retry - 1));
  return Math.round(random() * cap);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isUnavailable(err: unknown): boolean {
  return err instanceof LroError && err.code === Code.UNAVAILABLE;
}

/**
 * Runs `call` until it succeeds, fails with anything but UNAVAILABLE, the signal aborts, or the attempts are
 * spent. The last UNAVAILABLE names the server and the number of attempts, so "cannot connect" is clear.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, server: string, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      const error = LroError.from(err);
      if (!isUnavailable(error)) throw error;
      if (attempt >= policy.maxAttempts) throw unavailableAfter(error, server, attempt);
      await sleep(backoffDelay(attempt, policy), signal);
    }
  }
}

export function unavailableAfter(error: LroError, server: string, attempts: number): LroError {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new LroError(error.code, `${server} is unavailable after ${tries}: ${error.message}`, {
    reason: error.reason,
    domain: error.domain,
    metadata: error.metadata,
    cause: error,
  });
}
