/**
 * The HTTP/JSON binding: one fastify catch-all route hands every request to a transcoder built from the
 * `(google.api.http)` rules of the served RPCs (route-table.ts), which calls the same service functions as
 * gRPC, with a CallContext that fires when the client goes away or the server shuts down. Every failure,
 * fastify's own included, leaves as the Google error envelope (http-errors.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, invalidArgument, notFound } from '../../errors/api-error.js';
import { Code } from '../../errors/code.js';
import { toPublicError } from '../../errors/public-error.js';
import { acceptedRequestId, createCallContext, type ServiceImplementation } from '../../operations/call-context.js';
import { protos, type ServiceName } from '../../proto/protos.js';
import { HttpApiError, methodNotAllowed, sendError, toHttpApiError, writeClientError } from './http-errors.js';
import { splitPath } from './path-template.js';
import { bindRequest, parseQuery } from './request-binding.js';
import { renderJsonForm } from '../../proto/json-form.js';
import { registerConsole } from './console-route.js';
import { sendEventStream } from './event-stream.js';
import { toJson } from './response-json.js';
import { createRouteTable, type Route } from './route-table.js';
import { Reason } from '../../errors/reasons.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * Request headers may total this much (Node's default is 16 KiB): an oversized bearer token (100 KB) then
 * reaches the guard and is refused as a token (401), as it is over gRPC, rather than as a 431.
 */
export const MAX_HEADER_BYTES = 128 * 1024;

export interface HttpServerOptions {
  /** Largest request body in bytes (default 1 MiB); larger is 413. */
  bodyLimit?: number;
  /** How often an idle event stream gets a `: keep-alive` comment (default 15 s). */
  keepAliveMs?: number;
}

const KEEP_ALIVE_MS = 15_000;

/** A service result as proto3 JSON: its own JSON form when it has one (the fast path), else the generic mapping. */
function jsonOf(route: Route, result: object, numericEnums: boolean): unknown {
  const form = renderJsonForm(result, numericEnums);
  return form ? form.json : toJson(route.responseType, result, numericEnums);
}

/** JSON text, once per object: an answer rendered once for many calls (the Waits of one operation) is written once. */
const texts = new WeakMap<object, string>();
function jsonText(json: unknown): string {
  if (typeof json !== 'object' || json === null) return JSON.stringify(json);
  let text = texts.get(json);
  if (text === undefined) texts.set(json, (text = JSON.stringify(json)));
  return text;
}

/** The SSE event name of a streaming RPC's messages: its response type's name, lowercased (`operation`). */
const eventName = (route: Route) => route.responseType.name.charAt(0).toLowerCase() + route.responseType.name.slice(1);

export interface HttpServerHandle {
  app: FastifyInstance;
  /** The compiled routes, most specific first. */
  routes: readonly Route[];
  /** Binds `host:port` (port 0 picks one); resolves to the bound port. */
  listen(host: string, port: number): Promise<number>;
  /**
   * Stops accepting requests and waits for running ones (the shutdown signal has already released waiters
   * and ended event streams) for up to `graceMs`, then cuts the connections still open.
   */
  close(graceMs?: number): Promise<void>;
}

/** `X-Server-Timeout: 2.5` (seconds, as Google's front ends take it) → an absolute deadline. */
function deadlineOf(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['x-server-timeout'];
  if (value === undefined) return undefined;
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(seconds)) throw invalidArgument('X-Server-Timeout must be a number of seconds', Reason.INVALID_TIMEOUT_HEADER);
  return Date.now() + seconds * 1000;
}

function requestIdOf(headers: IncomingHttpHeaders): string | undefined {
  return acceptedRequestId(headers['x-request-id']);
}

/** The caller's x-request-id, echoed on every answer, errors included (the transcoder's and fastify's own). */
function echoRequestId(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const requestId = requestIdOf(request.headers);
  if (requestId !== undefined) reply.header('x-request-id', requestId);
  return requestId;
}

/** Every `authorization` value as sent: Node keeps only the first in `headers`, and several must be refused. */
function authorizationOf(rawHeaders: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1]!);
  }
  return values;
}

/** A quieter logger for fastify: it logs "Server listening" at info, and the server logs its own line. */
function fastifyLogger(logger: Logger): FastifyBaseLogger {
  const values = logger.levels.values;
  const level = (values[logger.level] ?? 0) >= (values.warn ?? 40) ? logger.level : 'warn';
  return logger.child({ transport: 'http' }, { level });
}

export function createHttpServer(
  implementations: Record<ServiceName, ServiceImplementation>,
  logger: Logger,
  shutdownSignal: AbortSignal,
  options: HttpServerOptions = {},
): HttpServerHandle {
  const { root } = protos();
  const table = createRouteTable(
    (Object.keys(implementations) as ServiceName[]).map((name) => ({ name, service: root.lookupService(name) })),
  );
  const app = fastify({
    loggerInstance: fastifyLogger(logger),
    logController: new LogController({ disableRequestLogging: true }),
    // With request logging off, a child logger per request (fastify's default) is pure cost.
    childLoggerFactory: (parent) => parent,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    return503OnClosing: false, // its 503 is not our envelope; the handler answers UNAVAILABLE itself
    forceCloseConnections: 'idle',
    clientErrorHandler: writeClientError,
    frameworkErrors: (error, request, reply) => {
      echoRequestId(request, reply);
      void sendError(reply, toHttpApiError(error).error);
    },
  });

  // JSON only. curl's -d sends application/x-www-form-urlencoded, so that is read as JSON too; a body
  // without any Content-Type is JSON as well. An empty body is "no body".
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  const parseJsonOrEmpty = (request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => {
    if (body.trim() === '') done(null, undefined);
    else parseJson(request, body, done);
  };
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'string' }, parseJsonOrEmpty);
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (request.headers['content-type'] === undefined) return parseJsonOrEmpty(request, body as string, done);
    const unsupported = new ApiError(Code.INVALID_ARGUMENT, `unsupported Content-Type ${JSON.stringify(request.headers['content-type'])}; send application/json`, {
      reason: Reason.UNSUPPORTED_MEDIA_TYPE,
    });
    done(new HttpApiError(unsupported, 415));
  });

  app.setErrorHandler((error, request, reply) => {
    const requestId = echoRequestId(request, reply);
    const { error: httpError, unexpected } = toHttpApiError(error);
    if (unexpected) logger.error({ err: error, method: request.method, url: request.url, requestId }, 'unexpected error');
    return sendError(reply, httpError);
  });
  app.setNotFoundHandler((request, reply) => {
    echoRequestId(request, reply);
    return sendError(reply, toHttpApiError(notFound(`${request.method} ${request.url.slice(0, 200)} is not an API method`, Reason.ROUTE_NOT_FOUND)).error);
  });

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const requestId = echoRequestId(request, reply);
    // An absolute-form target (`GET http://host/v1/kinds`, as proxies send) is its path.
    const url = (request.raw.url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i, '') || '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const path = splitPath(rawPath);
    if (!path) throw invalidArgument('the URL path is malformed (a bad percent-escape?)', Reason.INVALID_PATH);
    const found = table.lookup(request.method, path);
    if (found.kind === 'not-found') throw notFound(`no API method is bound to ${request.method} ${rawPath.slice(0, 200)}`, Reason.ROUTE_NOT_FOUND);
    if (found.kind === 'method-not-allowed') throw methodNotAllowed(request.method, rawPath.slice(0, 200), found.allow);
    const { route, bindings } = found;
    // Draining: answer, but ask keep-alive clients to reconnect (to an instance that is not going away).
    if (shutdownSignal.aborted) reply.header('connection', 'close');
    // fastify never reads a GET or HEAD body: refuse one rather than ignore it.
    const headers = request.headers;
    const unreadBody =
      (request.method === 'GET' || request.method === 'HEAD') &&
      (Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined);
    const { request: message, system } = bindRequest(route, bindings, parseQuery(q === -1 ? '' : url.slice(q + 1)), unreadBody ? null : request.body);
    const fn = implementations[route.serviceName as ServiceName][route.methodName];
    if (!fn) throw new ApiError(Code.UNIMPLEMENTED, `${route.serviceName}.${route.methodName} is not implemented`);

    const ctx = createCallContext(
      {
        transport: 'http',
        // 'close' before the response finished: the client went away (a WaitOperation releases its waiter).
        onClientGone(gone) {
          // Not request.raw.destroyed: a request whose body was read is destroyed while its client still waits.
          if (reply.raw.destroyed || request.raw.socket.destroyed) gone();
          else reply.raw.once('close', () => reply.raw.writableFinished || gone());
        },
        deadline: deadlineOf(headers),
        requestId,
        authorization: () => authorizationOf(request.raw.rawHeaders),
      },
      shutdownSignal,
    );
    const method = `${route.serviceName}/${route.methodName}`;
    const publicError = (err: unknown) => {
      const { error, unexpected } = toPublicError(err, ctx.requestId);
      if (unexpected) logger.error({ err, method, requestId: ctx.requestId }, 'unexpected error');
      return error;
    };
    let result: object | AsyncIterable<object>;
    try {
      result = await fn(message as never, ctx);
    } catch (err) {
      throw publicError(err);
    }
    if (route.serverStreaming) {
      await sendEventStream(reply, result as AsyncIterable<object>, {
        event: eventName(route),
        toText: (m) => JSON.stringify(jsonOf(route, m, system.numericEnums)),
        keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS,
        publicError,
        headers: {
          ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
          ...(shutdownSignal.aborted ? { connection: 'close' } : {}),
        },
      });
      return reply;
    }
    let json = jsonOf(route, result as object, system.numericEnums);
    if (route.responseField) json = (json as Record<string, unknown>)[route.responseField] ?? null;
    return reply
      .code(200)
      .header('content-type', 'application/json; charset=utf-8')
      .send(system.prettyPrint ? JSON.stringify(json, null, 2) : jsonText(json));
  }

  registerConsole(app);
  app.all('*', handle);

  return {
    app,
    routes: table.routes,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async close(graceMs = CLOSE_GRACE_MS) {
      // A client may hold a connection that never goes idle (one seen: after a fetch of an event stream was
      // aborted); after the grace, connections are cut so that closing never hangs on a client.
      const closing = app.close();
      const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
      try {
        await closing;
      } finally {
        clearTimeout(force);
      }
    },
  };
}

/** How long close() waits for requests still in flight before it cuts their connections. */
const CLOSE_GRACE_MS = 2_000;
