/**
 * fetch over the session's own keep-alive agents (node:http / node:https), for google-gax's REST fallback and
 * the SSE watch. The global fetch pools its sockets process-wide, out of a session's reach: a session could
 * not close its connections, and a request aborted while connecting could leave the server holding a socket
 * that never sends a request. Here close() destroys every socket of the session, and an abort destroys the
 * request's own socket, so the server sees the client go away at once.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export type FetchFunction = (url: string, init?: RequestInit) => Promise<Response>;

export interface SessionFetch {
  fetch: FetchFunction;
  /** Destroys every socket, idle or busy. */
  close(): void;
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('only string and byte bodies are supported');
}

export function createSessionFetch(): SessionFetch {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return {
    fetch(url, init = {}) {
      return new Promise<Response>((resolve, reject) => {
        const target = new URL(url);
        const secure = target.protocol === 'https:';
        const body = bodyOf(init.body);
        const method = init.method ?? 'GET';
        const request = (secure ? https : http).request(
          target,
          {
            method,
            headers: Object.fromEntries(new Headers(init.headers).entries()),
            agent: secure ? agents.https : agents.http,
            signal: init.signal ?? undefined,
          },
          (response) => {
            const headers = new Headers();
            for (const [key, value] of Object.entries(response.headers)) {
              for (const v of [value ?? []].flat()) headers.append(key, v);
            }
            const status = response.statusCode ?? 500;
            const empty = status === 204 || status === 304 || method === 'HEAD';
            if (empty) response.resume();
            resolve(
              new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
                status,
                statusText: response.statusMessage,
                headers,
              }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
