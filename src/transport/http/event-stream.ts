/**
 * A server-streaming RPC over HTTP: Server-Sent Events (text/event-stream). Each message is one event,
 * `event: <name>` and `data: <the message as proto3 JSON on one line>`; a comment line keeps idle
 * connections (and the proxies between) alive. A failure after the stream began becomes an `error` event
 * holding the usual JSON error envelope, and the stream ends.
 */
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ApiError } from '../../errors/api-error.js';
import { toHttpErrorBody } from '../../errors/status-mapping.js';

export interface EventStreamOptions {
  /** The event name of every message, e.g. `operation`. */
  event: string;
  /** A message as one line of JSON. */
  toText(message: object): string;
  /** How often a `: keep-alive` comment goes out (API.md: at least every 15 s). */
  keepAliveMs: number;
  /** Turns a failure inside the stream into what the client may see (and logs it). */
  publicError(err: unknown): ApiError;
  /** Extra response headers (x-request-id, connection: close while draining). */
  headers?: Record<string, string>;
}

/** Resolves when the response can take more, or when it is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function sendEventStream(reply: FastifyReply, messages: AsyncIterable<object>, opts: EventStreamOptions): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...opts.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // nginx and friends: do not buffer a stream.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const keepAlive = setInterval(() => res.writable && res.write(': keep-alive\n\n'), opts.keepAliveMs);
  const iterator = messages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || res.destroyed) break;
      if (!res.write(`event: ${opts.event}\ndata: ${opts.toText(next.value)}\n\n`)) await writable(res);
    }
  } catch (err) {
    if (res.writable) {
      const { body } = toHttpErrorBody(opts.publicError(err));
      res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
    }
  } finally {
    clearInterval(keepAlive);
    // Ends the producer too (a watch stops listening; one whose client left may cancel its operation).
    await iterator.return?.();
    if (!res.destroyed) res.end();
  }
}
