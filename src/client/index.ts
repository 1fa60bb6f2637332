/**
 * `lro-server/client`: the TypeScript SDK. One session per caller; the server URL picks the wire
 * (`http://` HTTP/JSON, `grpc://` gRPC). See the README's "Client SDK" section.
 */
export { createSession, type Session, type SessionOptions, type StartOptions, type StartedOperation, type ListOptions, type CancelTarget } from './session.js';
export type { OperationHandle, CallOptions, WaitOptions, WatchOptions } from './operation-handle.js';
export { LroError, type LroErrorOptions } from './lro-error.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { parseDuration, type Duration } from './duration.js';
export { parseServerUrl, type ServerAddress } from './server-url.js';
export { toOperationJson, toKindJson } from './operation-codec.js';
export type {
  Operation,
  OperationMetadata,
  OperationError,
  OperationState,
  Kind,
  CancelResult,
  JsonObject,
  JsonValue,
  CodeName,
  CodeNumber,
} from './types.js';
