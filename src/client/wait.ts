/**
 * Following an operation to its end. `watchOperation` is the WatchOperation stream, resumed after a dropped
 * connection or a server that ended the stream early (shutdown), with the session's backoff; each new stream
 * starts with the current state, so nothing is missed. `waitForOperation` follows that stream until the
 * operation is done or the timeout passes, and falls back to WaitOperation calls on a server without Watch.
 */
import { Code } from '../errors/code.js';
import { abortReason, isMissingMethod, LroError } from './lro-error.js';
import { decodeOperation } from './operation-codec.js';
import { backoffDelay, isUnavailable, sleep, unavailableAfter } from './retry.js';
import { retried, type SessionContext } from './session-context.js';
import type { Operation } from './types.js';

export interface WatchStreamOptions {
  signal: AbortSignal;
  cancelOnDisconnect?: boolean;
}

export async function* watchOperation(ctx: SessionContext, name: string, options: WatchStreamOptions): AsyncGenerator<Operation> {
  const { signal } = options;
  ctx.ensureOpen();
  for (let failures = 0; ; ) {
    try {
      for await (const wire of ctx.transport.watchOperation(name, options.cancelOnDisconnect === true, { signal })) {
        failures = 0;
        const op = decodeOperation(wire);
        yield op;
        if (op.done) return;
        if (signal.aborted) throw abortReason(signal);
      }
      // The stream ended before the operation did (a server shutting down ends its streams): follow again.
      failures++;
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      const error = LroError.from(err);
      if (!isUnavailable(error)) throw error;
      failures++;
      if (failures >= ctx.retry.maxAttempts) throw unavailableAfter(error, ctx.transport.server, failures);
    }
    if (failures >= ctx.retry.maxAttempts) {
      throw new LroError(Code.UNAVAILABLE, `${ctx.transport.server} ended the watch of ${name} ${failures} times before it was done`);
    }
    await sleep(backoffDelay(failures, ctx.retry), signal);
  }
}

export interface WaitForOptions {
  /** Return with the current state after this long (ms); undefined: until done. */
  timeoutMs?: number;
  signal: AbortSignal;
  onProgress?: (operation: Operation) => void;
}

/** The fallback's longest WaitOperation, and its slice when progress is wanted (a server without Watch). */
const WAIT_SLICE_MS = 60_000;
const PROGRESS_SLICE_MS = 1_000;

function changed(before: Operation | undefined, after: Operation): boolean {
  if (!before) return true;
  const a = before.metadata;
  const b = after.metadata;
  return (
    before.done !== after.done ||
    a.state !== b.state ||
    a.progressPercent !== b.progressPercent ||
    a.statusMessage !== b.statusMessage ||
    a.requestedCancellation !== b.requestedCancellation
  );
}

export async function waitForOperation(ctx: SessionContext, name: string, options: WaitForOptions): Promise<Operation> {
  const { signal, timeoutMs } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let last: Operation | undefined;
  const seen = (op: Operation) => {
    if (changed(last, op)) options.onProgress?.(op);
    last = op;
    return op;
  };
  const current = async () => last ?? seen(decodeOperation(await retried(ctx, signal, (o) => ctx.transport.getOperation(name, o))));
  if (timeoutMs !== undefined && timeoutMs <= 0) return current();

  const timer = new AbortController();
  const timeout = timeoutMs === undefined ? undefined : setTimeout(() => timer.abort(), timeoutMs);
  try {
    for await (const op of watchOperation(ctx, name, { signal: AbortSignal.any([signal, timer.signal]) })) {
      if (seen(op).done) return op;
    }
  } catch (err) {
    if (signal.aborted) throw abortReason(signal);
    if (timer.signal.aborted) return current();
    if (!isMissingMethod(err) || last) throw err;
  } finally {
    clearTimeout(timeout);
  }
  if (timer.signal.aborted) return current();
  return waitWithWaitOperation(ctx, name, deadline, options, seen);
}

/** A server without lro.v1.Watch: WaitOperation until done, in slices so progress is seen now and then. */
async function waitWithWaitOperation(
  ctx: SessionContext,
  name: string,
  deadline: number,
  options: WaitForOptions,
  seen: (op: Operation) => Operation,
): Promise<Operation> {
  const slice = options.onProgress ? PROGRESS_SLICE_MS : WAIT_SLICE_MS;
  for (;;) {
    const wait = Math.max(0, Math.min(slice, deadline - Date.now()));
    const wire = await retried(ctx, options.signal, (o) => ctx.transport.waitOperation(name, wait, o));
    const op = seen(decodeOperation(wire));
    if (op.done || Date.now() >= deadline) return op;
  }
}
