import { Code, codeName, isCode, type CodeNumber } from './code.js';
import { Reason } from './reasons.js';

/** The domain of every google.rpc.ErrorInfo this server produces. */
export const ERROR_DOMAIN = 'lro.v1';

export interface ApiErrorOptions {
  /** UPPER_SNAKE_CASE reason for google.rpc.ErrorInfo; defaults to the code's name. */
  reason?: string;
  /** google.rpc.ErrorInfo metadata: string to string. */
  metadata?: Record<string, string>;
  /** For rejections that are safe to retry: when to retry (google.rpc.RetryInfo; HTTP Retry-After). */
  retryDelayMs?: number;
  cause?: unknown;
}

/**
 * The one error type of the server: a google.rpc.Code, a message for humans and an ErrorInfo
 * (reason + metadata) for programs. Everything thrown is turned into one with `ApiError.from`,
 * and `errors/status-mapping.ts` is the only place that turns it into wire formats.
 */
export class ApiError extends Error {
  readonly code: CodeNumber;
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly retryDelayMs: number | undefined;

  constructor(code: CodeNumber, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.reason = options.reason ?? codeName(code);
    this.metadata = Object.freeze({ ...(options.metadata ?? {}) });
    this.retryDelayMs = options.retryDelayMs;
  }

  /** Wraps anything thrown: an ApiError stays itself; an Error with a valid numeric `code` keeps it. */
  static from(err: unknown, fallback: CodeNumber = Code.UNKNOWN): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      return new ApiError(isCode(code) && code !== Code.OK ? code : fallback, err.message || String(err), {
        cause: err,
      });
    }
    return new ApiError(fallback, typeof err === 'string' ? err : 'unknown error', { cause: err });
  }
}

export const invalidArgument = (message: string, reason: Reason, metadata?: Record<string, string>) =>
  new ApiError(Code.INVALID_ARGUMENT, message, { reason, metadata });

export const notFound = (message: string, reason: Reason, metadata?: Record<string, string>) =>
  new ApiError(Code.NOT_FOUND, message, { reason, metadata });

/** A rejection (RFC 9114 §4.1.1): nothing was processed, so the client may retry, after `retryDelayMs`. */
export const resourceExhausted = (message: string, reason: Reason, retryDelayMs: number, metadata?: Record<string, string>) =>
  new ApiError(Code.RESOURCE_EXHAUSTED, message, { reason, metadata, retryDelayMs });
