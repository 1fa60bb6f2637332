/**
 * Runs CPU-bound work in a worker thread with a cooperative cancellation token: a flag in a
 * SharedArrayBuffer that this thread sets when the handler's signal fires and the worker polls with
 * Atomics.load (nanoseconds, so poll often). A worker that ignores the flag is terminated after a grace.
 *
 * The worker script receives `workerData = { input, cancelFlag }` and talks back with messages:
 *   { type: 'progress', percent, message? } | { type: 'result', output } | { type: 'cancelled' }
 */
import { Worker } from 'node:worker_threads';
import type { JsonObject } from '../proto/struct.js';
import { abortReason, type OperationContext } from './operation-context.js';

export interface WorkerThreadOptions {
  /** A module file (URL or path), or source text run with `eval` (CommonJS: `require` is available). */
  script: URL | string;
  eval?: boolean;
  /** How long a worker may ignore its cancellation flag before it is terminated. */
  terminateAfterMs?: number;
}

type WorkerMessage =
  | { type: 'progress'; percent: number; message?: string }
  | { type: 'result'; output: JsonObject }
  | { type: 'cancelled' };

export function runInWorkerThread(ctx: OperationContext, input: JsonObject, options: WorkerThreadOptions): Promise<JsonObject> {
  ctx.throwIfCancelled();
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(options.script, { eval: options.eval ?? false, workerData: { input, cancelFlag } });
  return new Promise<JsonObject>((resolve, reject) => {
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      fn();
      void worker.terminate();
    };
    const onAbort = () => {
      Atomics.store(cancelFlag, 0, 1);
      killTimer = setTimeout(() => done(() => reject(abortReason(ctx.signal))), options.terminateAfterMs ?? 5000);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') ctx.progress(m.percent, m.message);
      else if (m.type === 'result') done(() => resolve(m.output));
      else done(() => reject(abortReason(ctx.signal)));
    });
    worker.on('error', (err) => done(() => reject(err)));
    worker.on('exit', (code) =>
      done(() => reject(ctx.signal.aborted ? abortReason(ctx.signal) : new Error(`worker thread exited with code ${code} before a result`))),
    );
  });
}
