/**
 * The SDK's one error type: a google.rpc code with its ErrorInfo (reason, metadata), and two answers a caller
 * needs before trying again (RFC 9114 §4.1.1 keeps "rejected" apart from "cancelled"):
 * - `retryable`: the failure is transient; the same call may succeed later (UNAVAILABLE, RESOURCE_EXHAUSTED,
 *   ABORTED).
 * - `safeToResubmit`: nothing was processed, so starting the work again cannot do it twice: an operation
 *   cancelled before it started (`CANCELLED_BEFORE_START`, `processed: "false"`), or a call rejected before an
 *   operation was created (RESOURCE_EXHAUSTED, UNAVAILABLE).
 */
import { Code, codeName, isCode, type CodeName, type CodeNumber } from '../errors/code.js';
import type { OperationError } from './types.js';

export interface LroErrorOptions {
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
  /** The operation whose error this is; absent for a failed call. */
  operation?: string;
  cause?: unknown;
}

const TRANSIENT: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED, Code.ABORTED]);
const REJECTED: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]);

export class LroError extends Error {
  readonly code: CodeNumber;
  readonly codeName: CodeName;
  readonly reason: string;
  readonly domain: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Set when this is the error an operation ended with (from `result()`), not a failed call. */
  readonly operation?: string;
  readonly retryable: boolean;
  readonly safeToResubmit: boolean;

  constructor(code: number, message: string, options: LroErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LroError';
    this.code = isCode(code) ? code : Code.UNKNOWN;
    this.codeName = codeName(this.code);
    this.reason = options.reason || this.codeName;
    this.domain = options.domain ?? '';
    this.metadata = Object.freeze({ ...(options.metadata ?? {}) });
    if (options.operation !== undefined) this.operation = options.operation;
    this.retryable = TRANSIENT.has(this.code);
    const notProcessed = this.reason === 'CANCELLED_BEFORE_START' || this.metadata.processed === 'false';
    this.safeToResubmit = notProcessed || (options.operation === undefined && REJECTED.has(this.code));
  }

  /** The error an operation ended with. */
  static fromOperation(name: string, error: OperationError): LroError {
    return new LroError(error.code, error.message, {
      reason: error.reason,
      domain: error.domain,
      metadata: error.metadata,
      operation: name,
    });
  }

  /**
   * Anything a call threw, as an LroError: google-gax's GoogleError (gRPC and REST), an abort, a network
   * failure (UNAVAILABLE: the request may not have reached the server), or an unexpected error (UNKNOWN).
   */
  static from(err: unknown): LroError {
    if (err instanceof LroError) return err;
    if (isAbort(err)) return new LroError(Code.CANCELLED, 'the call was aborted', { reason: 'ABORTED', cause: err });
    if (err instanceof Error) {
      const e = err as Error & GaxErrorFields;
      if (typeof e.code === 'number' && isCode(e.code)) {
        // gax's gRPC errors read "5 NOT_FOUND: message"; `details` holds the server's message alone.
        const message = (typeof e.details === 'string' && e.details ? e.details : e.message).replace(/\s*Resolution note:\s*$/, '');
        return new LroError(e.code, message, { reason: e.reason, domain: e.domain, metadata: e.errorInfoMetadata, cause: err });
      }
      const network = networkCause(e);
      if (network) return new LroError(Code.UNAVAILABLE, network, { reason: 'CONNECTION_FAILED', cause: err });
      return new LroError(Code.UNKNOWN, e.message || String(err), { cause: err });
    }
    return new LroError(Code.UNKNOWN, typeof err === 'string' ? err : 'unknown error', { cause: err });
  }
}

interface GaxErrorFields {
  code?: unknown;
  details?: unknown;
  reason?: string;
  domain?: string;
  errorInfoMetadata?: Record<string, string>;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** fetch rejects with TypeError("fetch failed") and the socket error as its cause; say what happened. */
function networkCause(err: Error): string | undefined {
  const fetchFailed = err instanceof TypeError && err.message === 'fetch failed';
  let innermost = '';
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) return e.message || code;
    innermost = e.message;
  }
  return fetchFailed ? `fetch failed: ${innermost}` : undefined;
}

/** The reason an aborted call rejects with, when the caller's signal carries none of its own. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new LroError(Code.CANCELLED, 'the call was aborted', { reason: 'ABORTED' });
}

/**
 * The server lacks the method itself (an older server): gRPC UNIMPLEMENTED without the reason a kind that
 * cannot be cancelled gives, or HTTP 404 for a route it does not know.
 */
export function isMissingMethod(err: unknown): boolean {
  if (!(err instanceof LroError)) return false;
  if (err.code === Code.UNIMPLEMENTED) return err.reason !== 'CANCELLATION_NOT_SUPPORTED';
  return err.code === Code.NOT_FOUND && err.reason === 'ROUTE_NOT_FOUND';
}
