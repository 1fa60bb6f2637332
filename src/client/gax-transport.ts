/**
 * The Transport over google-gax, the same code for both wires: its OperationsClient for Get, List, Cancel and
 * Delete, and `createApiCall` over gax-built stubs for what OperationsClient lacks (WaitOperation, StartOperation,
 * BatchCancelOperations, the Kinds calls). gax's own retries are off (`retry: null`): the session retries,
 * alike for every call. Only the streaming Watch differs per wire, so each wire brings its own.
 */
import { createApiCall, type CallOptions as GaxCallOptions, type CallSettings, type OperationsClient } from 'google-gax';
import { toStruct } from '../proto/struct.js';
import { abortReason, LroError } from './lro-error.js';
import type { GrpcServiceName } from './client-protos.js';
import type { WireKind, WireOperation } from './operation-codec.js';
import type { BatchCancelResponse, CallOptions, Transport } from './transport.js';

/** Unary calls without a deadline of their own get this one. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** WaitOperation's deadline is its timeout plus this, so the server answers before the deadline. */
const WAIT_DEADLINE_MARGIN_MS = 5_000;
/** The wait a WaitOperation without a timeout may take (the server's default cap). */
const SERVER_WAIT_CAP_MS = 60_000;

type Cancellable<T> = Promise<T> & { cancel(): void };
type UnaryCall = (request: object, options: GaxCallOptions) => Cancellable<unknown[]>;

/** What a wire brings: gax's clients built for it, and its WatchOperation stream. */
export interface GaxWire {
  operations: OperationsClient;
  /** A gax-built stub of one service (a grpc-js client, or gax's REST fallback stub). */
  stub(service: GrpcServiceName): Promise<object>;
  /** gax CallSettings of one service's methods, by lowerCamel method name. */
  settings(service: GrpcServiceName, methods: string[]): Record<string, CallSettings>;
  watch(name: string, cancelOnDisconnect: boolean, headers: Record<string, string>, options: CallOptions): AsyncIterable<WireOperation>;
  close(): void;
}

/**
 * Runs a gax call and ties it to the signal: an abort cancels the call on the wire (gax's `cancel()`) and
 * rejects at once with the signal's reason; gax's REST fallback never settles a cancelled call by itself.
 */
function abortable<T>(start: () => Cancellable<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const call = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      call.cancel();
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    call.then(
      (value) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? abortReason(signal) : LroError.from(err));
      },
    );
  });
}

/** A gax client config that only sets deadlines: no gax retries. */
export function deadlineOnlyConfig(service: GrpcServiceName, methods: string[]) {
  const methodConfig = Object.fromEntries(methods.map((m) => [m, { timeout_millis: DEFAULT_CALL_TIMEOUT_MS }]));
  return { interfaces: { [service]: { retry_codes: {}, retry_params: {}, methods: methodConfig } } };
}

const METHODS: Record<'google.longrunning.Operations' | 'lro.v1.Kinds' | 'lro.v1.Batch', string[]> = {
  'google.longrunning.Operations': ['WaitOperation'],
  'lro.v1.Kinds': ['ListKinds', 'GetKind', 'StartOperation'],
  'lro.v1.Batch': ['BatchCancelOperations'],
};

export function createGaxTransport(server: string, wire: GaxWire, token: string | undefined): Transport {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const gaxOptions = (options: CallOptions, timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS): GaxCallOptions => ({
    timeout: timeoutMs,
    retry: null,
    otherArgs: { headers },
  });

  const unaryCalls = new Map<string, UnaryCall>();
  function unary(service: keyof typeof METHODS, method: string): UnaryCall {
    const key = `${service}/${method}`;
    let call = unaryCalls.get(key);
    if (!call) {
      const jsName = method[0]!.toLowerCase() + method.slice(1);
      const settings = wire.settings(service, METHODS[service])[jsName];
      if (!settings) throw new Error(`no call settings for ${key}`);
      const func = wire.stub(service).then((stub) => {
        const fn = (stub as Record<string, unknown>)[jsName];
        if (typeof fn !== 'function') throw new Error(`the ${service} stub has no ${jsName}`);
        return fn.bind(stub) as never;
      });
      call = createApiCall(func, settings) as unknown as UnaryCall;
      unaryCalls.set(key, call);
    }
    return call;
  }

  async function first<T>(service: keyof typeof METHODS, method: string, request: object, options: CallOptions, timeoutMs?: number): Promise<T> {
    const fn = unary(service, method);
    const [response] = await abortable(() => fn(request, gaxOptions(options, timeoutMs)), options.signal);
    return response as T;
  }

  // OperationsClient's methods return gax's cancellable promises, though their types say Promise.
  const ops = wire.operations as unknown as Record<'getOperation' | 'listOperations' | 'cancelOperation' | 'deleteOperation', UnaryCall>;

  return {
    server,

    async getOperation(name, options) {
      const [op] = await abortable(() => ops.getOperation.call(wire.operations, { name }, gaxOptions(options)), options.signal);
      return op as WireOperation;
    },

    async listOperations(request, options) {
      // autoPaginate off: one page per call; the raw response (third) carries nextPageToken.
      const call = () => ops.listOperations.call(wire.operations, { name: 'operations', ...request }, { ...gaxOptions(options), autoPaginate: false });
      const [operations, , raw] = await abortable(call, options.signal);
      return {
        operations: (operations ?? []) as WireOperation[],
        nextPageToken: (raw as { nextPageToken?: string } | null)?.nextPageToken ?? '',
      };
    },

    async cancelOperation(name, options) {
      await abortable(() => ops.cancelOperation.call(wire.operations, { name }, gaxOptions(options)), options.signal);
    },

    async deleteOperation(name, options) {
      await abortable(() => ops.deleteOperation.call(wire.operations, { name }, gaxOptions(options)), options.signal);
    },

    waitOperation(name, timeoutMs, options) {
      const request = timeoutMs === undefined ? { name } : { name, timeout: durationOf(timeoutMs) };
      return first<WireOperation>('google.longrunning.Operations', 'WaitOperation', request, options, (timeoutMs ?? SERVER_WAIT_CAP_MS) + WAIT_DEADLINE_MARGIN_MS);
    },

    watchOperation(name, cancelOnDisconnect, options) {
      return wire.watch(name, cancelOnDisconnect, headers, options);
    },

    startOperation(request, options) {
      return first<WireOperation>('lro.v1.Kinds', 'StartOperation', { ...request, input: toStruct(request.input) }, options);
    },

    async batchCancelOperations(request, options) {
      const response = await first<BatchCancelResponse>('lro.v1.Batch', 'BatchCancelOperations', request, options);
      return { results: response.results ?? [], nextPageToken: response.nextPageToken ?? '' };
    },

    async listKinds(options) {
      const response = await first<{ kinds?: WireKind[] }>('lro.v1.Kinds', 'ListKinds', {}, options);
      return response.kinds ?? [];
    },

    getKind(name, options) {
      return first<WireKind>('lro.v1.Kinds', 'GetKind', { name }, options);
    },

    close() {
      wire.close();
    },
  };
}

function durationOf(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
