/**
 * `lro wait` and `lro start --wait`: follow an operation to its end with a progress view, print how it ended,
 * and turn that into the exit code. Ctrl-C asks "Cancel the operation? [y/N]": y cancels it and keeps waiting
 * for the end; anything else only stops waiting (exit 130). `--cancel-on-interrupt` cancels without asking;
 * without a terminal to ask on, Ctrl-C only stops waiting.
 */
import { toOperationJson, type Operation, type OperationHandle } from '../client/index.js';
import { askYesNo } from './ask.js';
import type { CliContext } from './cli-context.js';
import { describeError, EXIT_INTERRUPTED, exitCodeForCode } from './exit-codes.js';
import { errorText, stateText } from './format.js';
import { createProgressView, type ProgressMode } from './progress-view.js';

export interface FollowOptions {
  timeoutMs?: number;
  cancelOnInterrupt?: boolean;
}

function progressMode(ctx: CliContext): { mode: ProgressMode; stream: NodeJS.WriteStream } {
  if (!ctx.json) return { mode: ctx.io.stdout.isTTY ? 'bar' : 'lines', stream: ctx.io.stdout };
  // --json keeps stdout for the one document; a terminal on stderr still gets the bar.
  return { mode: ctx.io.stderr.isTTY ? 'bar' : 'none', stream: ctx.io.stderr };
}

export async function follow(ctx: CliContext, handle: OperationHandle, options: FollowOptions): Promise<number> {
  const { mode, stream } = progressMode(ctx);
  const view = createProgressView(stream, mode);
  const stopWaiting = new AbortController();
  const questionDone = new AbortController();
  let asking = false;
  let cancelling = false;

  const note = (text: string) => view.note(ctx.io.stderr, text);
  const cancel = async () => {
    cancelling = true;
    note(`cancelling ${handle.name} …`);
    try {
      const row = await handle.cancel();
      if (!row.ok) note(`${row.codeName}: ${row.message ?? 'cannot cancel'} — still waiting; Ctrl-C again stops waiting`);
    } catch (err) {
      note(`${describeError(err)} — still waiting; Ctrl-C again stops waiting`);
    }
  };

  const onInterrupt = () => {
    if (asking) return; // readline owns Ctrl-C while it asks
    if (cancelling) return stopWaiting.abort();
    if (options.cancelOnInterrupt) return void cancel();
    if (!ctx.io.stdin.isTTY) return stopWaiting.abort();
    asking = true;
    view.pause();
    void askYesNo('Cancel the operation? [y/N] ', ctx.io.stdin, ctx.io.stderr, questionDone.signal).then((yes) => {
      asking = false;
      if (questionDone.signal.aborted) return;
      if (!yes) return stopWaiting.abort();
      const cancelled = cancel(); // says "cancelling …" before the bar comes back
      view.resume();
      void cancelled;
    });
  };

  process.on('SIGINT', onInterrupt);
  let op: Operation;
  try {
    op = await handle.wait({ timeout: options.timeoutMs, signal: stopWaiting.signal, onProgress: (o) => view.update(o) });
  } catch (err) {
    if (!stopWaiting.signal.aborted) throw err;
    view.stop();
    ctx.err(`stopped waiting; ${handle.name} goes on (lro cancel ${handle.name} cancels it)`);
    return EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', onInterrupt);
    questionDone.abort();
    view.stop();
  }
  return report(ctx, op, options.timeoutMs);
}

/** Prints how the operation stands and returns the exit code: 0, 10 + its error code, or 14 if not done in time. */
export function report(ctx: CliContext, op: Operation, timeoutMs?: number): number {
  if (ctx.json) ctx.printJson(toOperationJson(op));
  else ctx.out(`${op.name}  ${stateText(op)}${op.response ? `  ${JSON.stringify(op.response)}` : ''}`);
  if (!op.done) {
    ctx.err(`DEADLINE_EXCEEDED: ${op.name} is not done after ${(timeoutMs ?? 0) / 1000}s`);
    return exitCodeForCode(4);
  }
  if (op.error) {
    if (!ctx.json) ctx.err(errorText(op));
    else ctx.err(`${op.error.codeName}: ${op.error.message}`);
    return exitCodeForCode(op.error.code);
  }
  return 0;
}
