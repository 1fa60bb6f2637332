/**
 * Errors over HTTP: every failure, whether the service's, the transcoder's or fastify's own (bad JSON,
 * 413, 415, bad URL), leaves as the Google envelope built by errors/status-mapping.ts. A few transport
 * failures have a more precise HTTP status than their google.rpc.Code maps to (405, 413, 415): they keep
 * the code's name in `status` and carry that HTTP status in both the status line and `error.code`.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { Code, type CodeNumber } from '../../errors/code.js';
import { toPublicError } from '../../errors/public-error.js';
import { httpStatusFor, retryAfterSeconds, toHttpErrorBody } from '../../errors/status-mapping.js';
import { Reason } from '../../errors/reasons.js';
import { wwwAuthenticate } from '../../auth/www-authenticate.js';

/** An ApiError plus the HTTP status and headers it should travel with, when not the code's own. */
export class HttpApiError extends Error {
  constructor(
    readonly apiError: ApiError,
    readonly httpStatus: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(apiError.message);
    this.name = 'HttpApiError';
  }
}

export function methodNotAllowed(method: string, path: string, allow: readonly string[]): HttpApiError {
  const err = new ApiError(Code.UNIMPLEMENTED, `${method} is not allowed on ${path}; use ${allow.join(' or ')}`, {
    reason: Reason.METHOD_NOT_ALLOWED,
    metadata: { method, allow: allow.join(', ') },
  });
  return new HttpApiError(err, 405, { allow: allow.join(', ') });
}

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

const FRAMEWORK: Record<string, { reason: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { reason: Reason.BODY_TOO_LARGE, message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { reason: Reason.UNSUPPORTED_MEDIA_TYPE, message: 'the request body must be JSON (Content-Type: application/json)' },
  FST_ERR_CTP_INVALID_JSON_BODY: { reason: Reason.MALFORMED_JSON, message: 'the request body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { reason: Reason.BAD_CONTENT_LENGTH, message: 'the request body does not match its Content-Length' },
  FST_ERR_BAD_URL: { reason: Reason.INVALID_PATH, message: 'the URL is not valid' },
};

const CODE_FOR_STATUS: Record<number, CodeNumber> = { 401: Code.UNAUTHENTICATED, 403: Code.PERMISSION_DENIED, 404: Code.NOT_FOUND };

/**
 * Anything thrown while serving a request → what to send. Client errors (4xx from fastify) become
 * INVALID_ARGUMENT (or the obvious code) with their HTTP status kept; anything else that is not an ApiError
 * is a bug worth logging (`unexpected`) and reaches the client as a generic INTERNAL error.
 */
export function toHttpApiError(error: unknown): { error: HttpApiError; unexpected: boolean } {
  if (error instanceof HttpApiError) return { error, unexpected: false };
  if (error instanceof ApiError) return { error: new HttpApiError(error, httpStatusFor(error.code)), unexpected: false };
  const fe = (typeof error === 'object' && error !== null ? error : {}) as FrameworkError;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 0;
  if (status >= 400 && status < 500) {
    const known = typeof fe.code === 'string' ? FRAMEWORK[fe.code] : undefined;
    const code = CODE_FOR_STATUS[status] ?? Code.INVALID_ARGUMENT;
    const message = known?.message ?? (typeof fe.message === 'string' ? fe.message : 'bad request');
    return { error: new HttpApiError(new ApiError(code, message, { reason: known?.reason ?? Reason.BAD_REQUEST }), status), unexpected: false };
  }
  const { error: apiError, unexpected } = toPublicError(error); // as the gRPC binding does
  return { error: new HttpApiError(apiError, httpStatusFor(apiError.code)), unexpected };
}

/** Sends the envelope. */
export function sendError(reply: FastifyReply, error: HttpApiError, pretty = false): FastifyReply {
  const { body } = toHttpErrorBody(error.apiError, error.httpStatus);
  const retryAfter = retryAfterSeconds(error.apiError);
  // RFC 6750 §3: a refused token or scope says so in a challenge.
  const challenge = wwwAuthenticate(error.apiError);
  return reply
    .code(error.httpStatus)
    .headers({
      ...error.headers,
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
      ...(challenge === undefined ? {} : { 'www-authenticate': challenge }),
      'content-type': 'application/json; charset=utf-8',
    })
    .send(JSON.stringify(body, null, pretty ? 2 : undefined));
}

/**
 * Node's HTTP parser rejects some requests before fastify sees them (an unknown method, oversized headers,
 * a header timeout); fastify's default answer there is its own JSON, so this writes the envelope instead.
 */
export function writeClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 408 ? 'the request took too long to arrive' : status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP';
  const apiError = new ApiError(status === 408 ? Code.DEADLINE_EXCEEDED : Code.INVALID_ARGUMENT, message, { reason: Reason.BAD_HTTP_REQUEST });
  const { body } = toHttpErrorBody(apiError, status);
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
