/**
 * The ONE place where an ApiError becomes wire formats: google.rpc.Status (for Operation.error and
 * grpc-status-details-bin), a gRPC error with trailers, an HTTP status and the Google JSON error envelope.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { packAny, TYPE_URL_PREFIX, type AnyMessage } from '../proto/any.js';
import { protos } from '../proto/protos.js';
import { ApiError, ERROR_DOMAIN } from './api-error.js';
import { Code, codeName, type CodeNumber } from './code.js';

/** google.rpc.Status in object form. */
export interface RpcStatus {
  code: number;
  message: string;
  details: AnyMessage[];
}

const HTTP_STATUS: Record<CodeNumber, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
  [Code.UNAUTHENTICATED]: 401,
};

export function httpStatusFor(code: number): number {
  return HTTP_STATUS[code as CodeNumber] ?? 500;
}

function errorInfo(err: ApiError) {
  return { reason: err.reason, domain: ERROR_DOMAIN, metadata: { ...err.metadata } };
}

/** google.rpc.RetryInfo's delay as a Duration (object form). */
function retryDelay(ms: number) {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function toStatus(error: unknown): RpcStatus {
  const err = ApiError.from(error);
  const details = [packAny('google.rpc.ErrorInfo', errorInfo(err))];
  if (err.retryDelayMs !== undefined) details.push(packAny('google.rpc.RetryInfo', { retryDelay: retryDelay(err.retryDelayMs) }));
  return { code: err.code, message: err.message, details };
}

/** HTTP Retry-After (whole seconds, at least 1) for an error that says when to retry. */
export function retryAfterSeconds(err: ApiError): number | undefined {
  return err.retryDelayMs === undefined ? undefined : Math.max(1, Math.ceil(err.retryDelayMs / 1000));
}

/** A grpc-js error whose trailers carry the full google.rpc.Status in grpc-status-details-bin. */
export function toGrpcError(error: unknown): ServiceError {
  const err = ApiError.from(error);
  const status = toStatus(err);
  const Status = protos().type('google.rpc.Status');
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode(Status.fromObject(status)).finish()));
  return Object.assign(new Error(err.message), { code: err.code, details: err.message, metadata }) as ServiceError;
}

/**
 * The Google JSON error envelope: {"error":{"code","message","status","details"}}. `httpStatus` overrides
 * the code's own HTTP status where the transport knows a more precise one (405, 413, 415).
 */
export function toHttpErrorBody(error: unknown, httpStatus?: number): { status: number; body: { error: Record<string, unknown> } } {
  const err = ApiError.from(error);
  const status = httpStatus ?? httpStatusFor(err.code);
  return {
    status,
    body: {
      error: {
        code: status,
        message: err.message,
        status: codeName(err.code),
        details: [
          { '@type': `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`, ...errorInfo(err) },
          ...(err.retryDelayMs === undefined ? [] : [{ '@type': `${TYPE_URL_PREFIX}google.rpc.RetryInfo`, retryDelay: `${err.retryDelayMs / 1000}s` }]),
        ],
      },
    },
  };
}
