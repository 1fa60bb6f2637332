/**
 * How `wait` shows an operation moving: a live bar on a terminal (cli-progress), plain lines when the output
 * is a file or a pipe (one per change), or nothing (`--json` to a pipe). The bar can pause for a question.
 */
import cliProgress from 'cli-progress';
import type { Operation } from '../client/index.js';
import { stateText } from './format.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressView {
  update(op: Operation): void;
  /** Stops drawing (the last bar stays on screen) until resume(). */
  pause(): void;
  resume(): void;
  /** Writes a line of text without tearing the bar (which is drawn again below it). */
  note(stream: NodeJS.WritableStream, text: string): void;
  /** Stops for good. */
  stop(): void;
}

export function createProgressView(stream: NodeJS.WritableStream, mode: ProgressMode): ProgressView {
  if (mode === 'lines') {
    return {
      update: (op) => {
        // The final state is printed once by the command itself.
        if (!op.done) stream.write(`${op.name}  ${stateText(op)}\n`);
      },
      pause: () => {},
      resume: () => {},
      note: (out, text) => void out.write(`${text}\n`),
      stop: () => {},
    };
  }
  if (mode === 'none') return { update: () => {}, pause: () => {}, resume: () => {}, note: (out, text) => void out.write(`${text}\n`), stop: () => {} };

  let last: Operation | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let paused = false;
  const payload = (op: Operation) => ({ name: op.name, state: stateText(op).replace(/^RUNNING \d+% ?/, 'RUNNING ') });
  const draw = (op: Operation) => {
    if (paused) return;
    if (!bar) {
      bar = new cliProgress.SingleBar(
        {
          format: '{name} [{bar}] {percentage}% {state}',
          stream,
          hideCursor: true,
          barsize: 30,
          // Ctrl-C is ours to handle (the question), not a reason for the bar to stop itself.
          gracefulExit: false,
          // Redraw on every change we report, not on a timer of its own.
          etaBuffer: 1,
          fps: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(100, op.metadata.progressPercent, payload(op));
    } else {
      bar.update(op.metadata.progressPercent, payload(op));
    }
  };
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(op) {
      last = op;
      draw(op);
    },
    pause() {
      paused = true;
      stopBar();
    },
    resume() {
      paused = false;
      if (last) draw(last);
    },
    note(out, text) {
      const wasPaused = paused;
      if (!wasPaused) this.pause();
      out.write(`${text}\n`);
      if (!wasPaused) this.resume();
    },
    stop() {
      paused = true;
      stopBar();
    },
  };
}
