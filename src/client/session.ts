/**
 * A session, in the spirit of HarmonyOS RCP's: everything it starts carries the label `session=<id>`, and
 * `cancel()` reaches all of it — what is running, what is queued, and what is still being started:
 *
 * 1. it aborts the session's waits and watches;
 * 2. it lets the starts in flight answer (they take milliseconds) and cancels what they created, by name;
 * 3. it cancels every operation of the session that is not done, by BatchCancelOperations with the label
 *    filter, page after page — this also reaches an operation whose start answer was lost.
 *
 * A start called while a cancel() runs is sent after it, so a cancel never races a later start: when
 * cancel() resolves, every operation started (or starting) before it was called is cancelled, or has its
 * cancellation requested, or is reported in a row (a kind that cannot be cancelled). The session stays usable.
 */
import { randomUUID } from 'node:crypto';
import { Code } from '../errors/code.js';
import type { JsonObject } from '../proto/struct.js';
import { cancelMatching, cancelNames, cancelOne } from './cancel.js';
import { parseDuration, type Duration } from './duration.js';
import { DEFAULT_CALL_TIMEOUT_MS } from './gax-transport.js';
import { createGrpcTransport } from './grpc-transport.js';
import { createHttpTransport } from './http-transport.js';
import { abortReason, LroError } from './lro-error.js';
import { kindName } from './names.js';
import { decodeKind, decodeOperation } from './operation-codec.js';
import { createOperationHandle, type CallOptions, type OperationHandle } from './operation-handle.js';
import { retryPolicy, type RetryPolicy } from './retry.js';
import { parseServerUrl } from './server-url.js';
import { callSignal, retried, type SessionContext } from './session-context.js';
import type { Transport } from './transport.js';
import type { CancelResult, Kind, Operation } from './types.js';

export interface SessionOptions {
  /** `http://host:port` or `https://…` (HTTP/JSON), `grpc://host:port` or `grpcs://…` (gRPC). */
  server: string;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** The session's id: the value of its `session` label. Default: a random UUID. */
  id?: string;
  /** Retries on UNAVAILABLE; `false` for none. */
  retry?: Partial<RetryPolicy> | false;
  /** Deadline of each unary call (ms or text). Default 30 s. */
  callTimeout?: Duration;
}

export interface StartOptions extends CallOptions {
  /** Idempotency key (AIP-155); default: a new UUID, reused by every retry of this start. */
  requestId?: string;
  /** Stored with the operation; `session` is always this session's id. */
  labels?: Record<string, string>;
}

export interface ListOptions extends CallOptions {
  /** An AIP-160 filter, e.g. `done = false AND metadata.kind = "kinds/demo.sleep"`. */
  filter?: string;
  /** Operations per page (the server's default when absent). */
  pageSize?: number;
}

/** An operation the session started, with the state its start returned. */
export interface StartedOperation extends OperationHandle {
  readonly started: Operation;
}

/** An operation to cancel: a handle, an Operation, or a name. */
export type CancelTarget = OperationHandle | Operation | string;

export interface Session {
  readonly id: string;
  /** The server URL. */
  readonly server: string;
  /** Starts an operation of a kind (`demo.sleep` or `kinds/demo.sleep`). */
  start(kind: string, input?: JsonObject, options?: StartOptions): Promise<StartedOperation>;
  /** A handle on any operation by name. */
  operation(name: string): OperationHandle;
  /** Every operation the filter matches, newest first, page after page. */
  list(options?: ListOptions): AsyncIterable<Operation>;
  /**
   * Cancels one operation, several, or (no argument) every operation of this session that is not done.
   * One row per operation, in the order given; a row, never a throw, for an operation that cannot be cancelled.
   */
  cancel(target?: CancelTarget | CancelTarget[], options?: CallOptions): Promise<CancelResult[]>;
  /** Cancels every operation a filter matches (any session's), by BatchCancelOperations. */
  cancelMatching(filter: string, options?: CallOptions): Promise<CancelResult[]>;
  kinds(options?: CallOptions): Promise<Kind[]>;
  kind(name: string, options?: CallOptions): Promise<Kind>;
  /** Aborts everything in flight and closes the connections. */
  close(): Promise<void>;
}

const SESSION_ID = /^[A-Za-z0-9._~-]{1,63}$/;

function createTransport(server: string, token: string | undefined): Transport {
  const address = parseServerUrl(server);
  return address.transport === 'grpc' ? createGrpcTransport(address, token) : createHttpTransport(address, token);
}

function nameOf(target: CancelTarget): string {
  return typeof target === 'string' ? target : target.name;
}

/** Resolves when `promise` does, or rejects when the signal aborts first. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function createSession(options: SessionOptions): Session {
  const id = options.id ?? randomUUID();
  if (!SESSION_ID.test(id)) throw new TypeError(`session id ${JSON.stringify(id)} must be 1 to 63 of A-Z a-z 0-9 . _ ~ -`);
  const transport = createTransport(options.server, options.token);
  const closer = new AbortController();
  let waits = new AbortController();
  /** Starts sent and not answered yet: each resolves to the name of what it created (undefined if it failed). */
  const inFlightStarts = new Set<Promise<string | undefined>>();
  /** Cancels of the whole session in progress: starts wait for them. */
  const runningCancels = new Set<Promise<void>>();

  const ctx: SessionContext = {
    transport,
    retry: retryPolicy(options.retry),
    callTimeoutMs: options.callTimeout === undefined ? DEFAULT_CALL_TIMEOUT_MS : parseDuration(options.callTimeout, 'callTimeout'),
    closed: closer.signal,
    waitScope: () => waits.signal,
    ensureOpen() {
      if (closer.signal.aborted) throw new LroError(Code.FAILED_PRECONDITION, 'the session is closed', { reason: 'SESSION_CLOSED' });
    },
  };

  async function start(kind: string, input: JsonObject = {}, startOptions: StartOptions = {}): Promise<StartedOperation> {
    ctx.ensureOpen();
    const request = {
      kind: kindName(kind),
      input,
      requestId: startOptions.requestId ?? randomUUID(),
      labels: { ...startOptions.labels, session: id },
    };
    const signal = callSignal(ctx, startOptions.signal);
    while (runningCancels.size) await unlessAborted(Promise.all(runningCancels), signal);
    // Registered before the first await below, so a cancel() called from now on waits for this start.
    const sent = retried(ctx, signal, (o) => transport.startOperation(request, o));
    const created = sent.then(
      (op) => op.name,
      () => undefined,
    );
    inFlightStarts.add(created);
    void created.then(() => inFlightStarts.delete(created));
    const operation = decodeOperation(await sent);
    return { ...createOperationHandle(ctx, operation.name), started: operation };
  }

  async function cancelAll(signal: AbortSignal): Promise<CancelResult[]> {
    const aborted = waits;
    waits = new AbortController();
    aborted.abort(new LroError(Code.CANCELLED, `session ${id} was cancelled`, { reason: 'SESSION_CANCELLED' }));
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    runningCancels.add(running);
    try {
      const rows = new Map<string, CancelResult>();
      const add = (results: CancelResult[]) => {
        for (const r of results) {
          // Done before its cancel arrived: not one of the operations that were not done.
          if (r.reason === 'OPERATION_ALREADY_DONE') continue;
          if (!rows.has(r.name)) rows.set(r.name, r);
        }
      };
      const created = (await unlessAborted(Promise.all(inFlightStarts), signal)).filter((n): n is string => n !== undefined);
      if (created.length) add(await cancelNames(ctx, created, signal));
      add(await cancelMatching(ctx, `metadata.labels.session = "${id}" AND done = false`, signal));
      return [...rows.values()];
    } finally {
      runningCancels.delete(running);
      release();
    }
  }

  return {
    id,
    server: transport.server,
    start,

    operation(name) {
      return createOperationHandle(ctx, name);
    },

    async *list(listOptions = {}) {
      const signal = callSignal(ctx, listOptions.signal);
      const request = { filter: listOptions.filter ?? '', pageSize: listOptions.pageSize ?? 0, pageToken: '' };
      do {
        const page = await retried(ctx, signal, (o) => transport.listOperations(request, o));
        for (const wire of page.operations) yield decodeOperation(wire);
        request.pageToken = page.nextPageToken;
      } while (request.pageToken);
    },

    async cancel(target, callOptions = {}) {
      ctx.ensureOpen();
      const signal = callSignal(ctx, callOptions.signal);
      if (target === undefined) return cancelAll(signal);
      if (!Array.isArray(target)) return [await cancelOne(ctx, nameOf(target), signal)];
      return target.length ? cancelNames(ctx, target.map(nameOf), signal) : [];
    },

    cancelMatching(filter, callOptions = {}) {
      ctx.ensureOpen();
      return cancelMatching(ctx, filter, callSignal(ctx, callOptions.signal));
    },

    async kinds(callOptions = {}) {
      const wire = await retried(ctx, callSignal(ctx, callOptions.signal), (o) => transport.listKinds(o));
      return wire.map(decodeKind);
    },

    async kind(name, callOptions = {}) {
      const full = kindName(name);
      return decodeKind(await retried(ctx, callSignal(ctx, callOptions.signal), (o) => transport.getKind(full, o)));
    },

    async close() {
      if (closer.signal.aborted) return;
      closer.abort(new LroError(Code.CANCELLED, `session ${id} was closed`, { reason: 'SESSION_CLOSED' }));
      transport.close();
    },
  };
}
