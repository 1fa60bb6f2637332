/**
 * The HTTP/JSON wire: google-gax's REST fallback (its OperationsClient and fallback stubs, transcoding from
 * the protos' `google.api.http` rules, the session's own fetch underneath), and WatchOperation as Server-Sent
 * Events from `GET /v1/{name}:watch`, whose request an abort closes.
 */
import { fallback, GoogleError } from 'google-gax';
import { fromProto3JSON } from 'proto3-json-serializer';
import { Code } from '../errors/code.js';
import { abortReason, LroError } from './lro-error.js';
import { clientRestRoot } from './client-protos.js';
import { createGaxTransport, deadlineOnlyConfig, type GaxWire } from './gax-transport.js';
import type { WireOperation } from './operation-codec.js';
import type { ServerAddress } from './server-url.js';
import { createSessionFetch, type FetchFunction } from './session-fetch.js';
import { readServerSentEvents } from './sse.js';
import type { Transport } from './transport.js';

export function createHttpTransport(server: ServerAddress, token: string | undefined): Transport {
  const sessionFetch = createSessionFetch();
  // gax's REST fallback fetches through its auth client; ours adds nothing (the token is a per-call header).
  const noAuth = { getRequestHeaders: async () => new Headers(), fetch: sessionFetch.fetch };
  const root = clientRestRoot();
  const stubOptions = { servicePath: server.host, port: server.port, protocol: server.tls ? 'https' : 'http' };
  const gax = new fallback.GrpcClient({ auth: noAuth, fallback: true } as never);
  const operations = fallback.lro({ auth: noAuth, protoJson: root } as never).operationsClient(stubOptions as never);
  const base = `${stubOptions.protocol}://${server.host}:${server.port}`;
  const wire: GaxWire = {
    operations,
    stub: (service) => gax.createStub(root.lookupService(service), stubOptions as never) as Promise<object>,
    settings: (service, methods) => gax.constructSettings(service, deadlineOnlyConfig(service, methods), {}, {}),
    watch: watchOver(base, sessionFetch.fetch),
    close() {
      operations.close();
      sessionFetch.close();
    },
  };
  return createGaxTransport(server.url, wire, token);
}

/** WatchOperation as Server-Sent Events; the signal (or a consumer that stops early) closes the request. */
function watchOver(base: string, fetch: FetchFunction): GaxWire['watch'] {
  return async function* watch(name, cancelOnDisconnect, headers, { signal }) {
    if (signal?.aborted) throw abortReason(signal);
    // Our own controller too: a consumer that stops early must close the request, not leave it open.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const id = name.slice('operations/'.length);
    const url = `${base}/v1/operations/${encodeURIComponent(id)}:watch${cancelOnDisconnect ? '?cancelOnDisconnect=true' : ''}`;
    const operationType = clientRestRoot().lookupType('google.longrunning.Operation');
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
      } catch (err) {
        throw signal?.aborted ? abortReason(signal) : LroError.from(err);
      }
      if (!response.ok || !response.body) throw await httpError(response);
      try {
        for await (const { event, data } of readServerSentEvents(response.body)) {
          if (event !== 'operation') continue;
          const message = fromProto3JSON(operationType, JSON.parse(data));
          if (!message) continue;
          yield operationType.toObject(message, fallback.defaultToObjectOptions) as WireOperation;
        }
      } catch (err) {
        throw signal?.aborted ? abortReason(signal) : LroError.from(err);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  };
}

/** A non-2xx answer: the Google error envelope, read as gax reads it; anything else by its HTTP status. */
async function httpError(response: Response): Promise<LroError> {
  const text = await response.text().catch(() => '');
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object' && 'error' in json) return LroError.from(GoogleError.parseHttpError(json));
  } catch {
    // not JSON: fall through
  }
  const code = response.status === 503 || response.status === 502 ? Code.UNAVAILABLE : Code.UNKNOWN;
  return new LroError(code, `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
