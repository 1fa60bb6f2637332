/**
 * Which PostgreSQL failures mean "the database cannot be reached right now": those become UNAVAILABLE,
 * the retryable code, so clients back off and retry instead of treating the request as broken.
 */
import { ApiError } from '../../errors/api-error.js';
import { Code } from '../../errors/code.js';
import { Reason } from '../../errors/reasons.js';

/** Socket-level failures (Node) seen while connecting or on a live connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** SQLSTATEs of a server that is going away, starting up or out of connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);

/** pg reports some connection losses only by message. */
const MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /after calling end on the pool/i,
  /client was closed/i,
];

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))) return true;
  if (err instanceof AggregateError && err.errors.some(isConnectionError)) return true;
  return MESSAGES.some((m) => m.test(err.message));
}

/** The message stays generic (clients need not learn where the database lives); the cause is kept for logs. */
export function storeUnavailable(cause: unknown): ApiError {
  return new ApiError(Code.UNAVAILABLE, 'The operation store (PostgreSQL) cannot be reached right now; retry shortly.', {
    reason: Reason.STORE_UNAVAILABLE,
    cause,
  });
}

/** Rethrows connection failures as UNAVAILABLE; anything else unchanged. */
export function toStoreError(err: unknown): unknown {
  return isConnectionError(err) ? storeUnavailable(err) : err;
}

/** A one-line description for operators; AggregateError (several addresses tried) has no message of its own. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(describeError).join('; ');
  if (err instanceof Error) return err.message || String((err as { code?: unknown }).code ?? err.name);
  return String(err);
}
