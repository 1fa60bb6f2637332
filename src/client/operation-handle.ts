/** One operation of a session, by name: read it, follow it, take its result, cancel or delete it. */
import { Code } from '../errors/code.js';
import type { JsonObject } from '../proto/struct.js';
import { cancelOne } from './cancel.js';
import { parseDuration, type Duration } from './duration.js';
import { LroError } from './lro-error.js';
import { checkOperationName } from './names.js';
import { decodeOperation } from './operation-codec.js';
import { callSignal, retried, type SessionContext } from './session-context.js';
import type { CancelResult, Operation } from './types.js';
import { waitForOperation, watchOperation } from './wait.js';

export interface CallOptions {
  /** Aborts the call on the wire (the RPC is cancelled, the HTTP request closed). */
  signal?: AbortSignal;
}

export interface WaitOptions extends CallOptions {
  /** Return with the current state after this long (ms, or text such as "10s"); not an error. Default: until done. */
  timeout?: Duration;
  /** Called with the operation at once and after every change of its state, progress or status message. */
  onProgress?: (operation: Operation) => void;
}

export interface WatchOptions extends CallOptions {
  /** The server cancels the operation if this watch goes away before it is done (UNIMPLEMENTED for kinds that cannot be cancelled). */
  cancelOnDisconnect?: boolean;
}

export interface OperationHandle {
  /** `operations/{id}`. */
  readonly name: string;
  /** The latest state. */
  get(options?: CallOptions): Promise<Operation>;
  /** Follows the operation (WatchOperation) until it is done or the timeout passes; returns its state then. */
  wait(options?: WaitOptions): Promise<Operation>;
  /** Every change of the operation, ending with the one where it is done. */
  watch(options?: WatchOptions): AsyncIterable<Operation>;
  /** Waits until done: the output, or rejects with the operation's error as an LroError. */
  result(options?: CallOptions): Promise<JsonObject>;
  /** Cancels it: a row, never a thrown error for an outcome about the operation. */
  cancel(options?: CallOptions): Promise<CancelResult>;
  /** Deletes it (it must be done). */
  delete(options?: CallOptions): Promise<void>;
}

export function createOperationHandle(ctx: SessionContext, name: string): OperationHandle {
  const checkedName = () => checkOperationName(name);

  async function wait(options: WaitOptions = {}): Promise<Operation> {
    const opName = checkedName();
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
    ctx.ensureOpen();
    return waitForOperation(ctx, opName, { timeoutMs, signal: callSignal(ctx, options.signal, true), onProgress: options.onProgress });
  }

  async function* watch(options: WatchOptions = {}): AsyncGenerator<Operation> {
    const opName = checkedName();
    ctx.ensureOpen();
    yield* watchOperation(ctx, opName, { signal: callSignal(ctx, options.signal, true), cancelOnDisconnect: options.cancelOnDisconnect });
  }

  return {
    name,
    wait,
    watch,

    async get(options = {}) {
      const opName = checkedName();
      const signal = callSignal(ctx, options.signal);
      return decodeOperation(await retried(ctx, signal, (o) => ctx.transport.getOperation(opName, o)));
    },

    async result(options = {}) {
      const op = await wait({ signal: options.signal });
      if (op.error) throw LroError.fromOperation(op.name, op.error);
      if (!op.done) throw new LroError(Code.UNKNOWN, `${op.name} is not done`);
      return op.response ?? {};
    },

    cancel(options = {}) {
      return cancelOne(ctx, name, callSignal(ctx, options.signal));
    },

    async delete(options = {}) {
      const opName = checkedName();
      await retried(ctx, callSignal(ctx, options.signal), (o) => ctx.transport.deleteOperation(opName, o));
    },
  };
}
