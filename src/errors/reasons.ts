/**
 * The ONE list of google.rpc.ErrorInfo reasons this server produces (domain `lro.v1`). Clients branch on
 * these, so each cause has exactly one spelling; a test keeps reason literals out of the rest of src/.
 * Kinds written by users may throw reasons of their own.
 */
export const Reason = {
  // Cancellation and the end of an operation.
  CANCELLED_BEFORE_START: 'CANCELLED_BEFORE_START',
  CANCELLED_WHILE_RUNNING: 'CANCELLED_WHILE_RUNNING',
  CANCELLATION_NOT_SUPPORTED: 'CANCELLATION_NOT_SUPPORTED',
  OPERATION_TIMEOUT: 'OPERATION_TIMEOUT',
  ATTEMPTS_EXHAUSTED: 'ATTEMPTS_EXHAUSTED',
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** The handler returned something that is not JSON (a BigInt, a cycle). */
  INVALID_OUTPUT: 'INVALID_OUTPUT',
  /** A handler's signal fired because this attempt lost its lease; never stored, the operation runs again. */
  LEASE_LOST: 'LEASE_LOST',
  /** The server is draining: new starts are refused, and handlers still running at the end are given back. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',

  // Lookups and state.
  OPERATION_NOT_FOUND: 'OPERATION_NOT_FOUND',
  OPERATION_NOT_DONE: 'OPERATION_NOT_DONE',
  OPERATION_ALREADY_DONE: 'OPERATION_ALREADY_DONE',
  KIND_NOT_FOUND: 'KIND_NOT_FOUND',
  REQUEST_ID_REUSED: 'REQUEST_ID_REUSED',

  // Bad requests.
  INVALID_NAME: 'INVALID_NAME',
  INVALID_INPUT: 'INVALID_INPUT',
  INPUT_TOO_LARGE: 'INPUT_TOO_LARGE',
  INVALID_REQUEST_ID: 'INVALID_REQUEST_ID',
  INVALID_LABELS: 'INVALID_LABELS',
  /** BatchCancelOperations without names or filter, with both, or with too many names. */
  INVALID_BATCH: 'INVALID_BATCH',
  INVALID_FILTER: 'INVALID_FILTER',
  INVALID_PAGE_SIZE: 'INVALID_PAGE_SIZE',
  INVALID_PAGE_TOKEN: 'INVALID_PAGE_TOKEN',
  PAGE_TOKEN_FILTER_MISMATCH: 'PAGE_TOKEN_FILTER_MISMATCH',
  INVALID_TIMEOUT: 'INVALID_TIMEOUT',

  // HTTP/JSON transcoding.
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INVALID_PATH: 'INVALID_PATH',
  INVALID_QUERY: 'INVALID_QUERY',
  UNKNOWN_QUERY_PARAMETER: 'UNKNOWN_QUERY_PARAMETER',
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  INVALID_FIELD_VALUE: 'INVALID_FIELD_VALUE',
  UNEXPECTED_BODY: 'UNEXPECTED_BODY',
  MALFORMED_JSON: 'MALFORMED_JSON',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  BAD_CONTENT_LENGTH: 'BAD_CONTENT_LENGTH',
  BAD_HTTP_REQUEST: 'BAD_HTTP_REQUEST',
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_TIMEOUT_HEADER: 'INVALID_TIMEOUT_HEADER',

  // Authentication and authorization (OAuth 2.0 bearer tokens; RFC 6750).
  /** No bearer token: no authorization header, an empty one, or another scheme (Basic, …). */
  TOKEN_MISSING: 'TOKEN_MISSING',
  /** A token that is malformed, badly signed, not yet valid, for another issuer or audience; or several tokens. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** A valid token without the scope the method needs (ErrorInfo metadata `scope`). */
  SCOPE_MISSING: 'SCOPE_MISSING',
  /** The keys to check a token could not be fetched (the JWKS URL is down) and no cached key fits it. */
  JWKS_UNAVAILABLE: 'JWKS_UNAVAILABLE',

  // The client SDK and the `lro` command (client-side causes, never sent by the server).
  /** The caller aborted the call (its AbortSignal fired). */
  ABORTED: 'ABORTED',
  /** The server could not be reached (connection refused, reset, DNS). */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  INVALID_SERVER_URL: 'INVALID_SERVER_URL',
  SESSION_CLOSED: 'SESSION_CLOSED',
  SESSION_CANCELLED: 'SESSION_CANCELLED',

  // Limits. Each is a rejection (RFC 9114 §4.1.1): nothing was processed, and RetryInfo says when to retry.
  /** StartOperation while the queue holds --max-queued operations (ErrorInfo metadata `max_queued`). */
  QUEUE_FULL: 'QUEUE_FULL',
  /** A WaitOperation or WatchOperation while --max-waiters of them are open here (metadata `max_waiters`). */
  TOO_MANY_WAITERS: 'TOO_MANY_WAITERS',

  // The server itself.
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** Anything that is not an ApiError: the client gets a generic message, the log gets the cause. */
  INTERNAL: 'INTERNAL',
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];
