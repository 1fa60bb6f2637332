/**
 * A kind whose handlers run until the test lets them go: operations that are certainly running (or
 * certainly not yet finished) whatever the load, with no time margin. Each run is recorded with its
 * attempt and what its signal said, so a test can also see an abort and the number of runs at once.
 */
import { defineKind, type AnyKindDefinition } from '../../src/index.js';

export interface HeldRun {
  /** `operations/{id}`. */
  name: string;
  attempt: number;
  signal: AbortSignal;
  /** The signal's reason, once it fired (an ApiError from the server). */
  abortReason(): unknown;
  /** Resolves when the signal fires. */
  aborted: Promise<unknown>;
  /** Lets the handler end: it returns `{ attempt }` (or throws the signal's reason, if it listens and it fired). */
  release(): void;
  /** Resolves once the handler has returned or thrown. */
  ended: Promise<void>;
}

export interface HeldKind {
  kind: AnyKindDefinition;
  /** Resolves with the run of this operation (of this attempt, if given) once its handler has started. */
  started(name: string, attempt?: number): Promise<HeldRun>;
  /** Every run so far, in the order they started. */
  runs(): HeldRun[];
  /** How many handlers of this operation are running right now. */
  running(name: string): number;
  /** Releases every run now, and every later run as soon as it starts. */
  releaseAll(): void;
}

export interface HeldKindOptions {
  cancellable?: boolean;
  maxAttempts?: number;
  /**
   * How the handler treats its signal while held: `listen` (default) ends at once with the signal's
   * reason; `deaf` ignores it and ends only when released; `finish-after-release` records it, stays held,
   * and throws the reason once released (a handler that takes a while to wind down).
   */
  onAbort?: 'listen' | 'deaf' | 'finish-after-release';
}

export function createHeldKind(name: string, options: HeldKindOptions = {}): HeldKind {
  const onAbort = options.onAbort ?? 'listen';
  const all: HeldRun[] = [];
  const live = new Map<string, number>();
  const waiters: Array<{ name: string; attempt?: number; resolve: (run: HeldRun) => void }> = [];
  let releasedForever = false;

  const kind = defineKind({
    name,
    description: 'Runs until the test releases it.',
    cancellable: options.cancellable ?? true,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    async handler(_input, ctx) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let endedResolve!: () => void;
      const ended = new Promise<void>((resolve) => (endedResolve = resolve));
      const aborted = new Promise<unknown>((resolve) => {
        if (ctx.signal.aborted) resolve(ctx.signal.reason);
        else ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
      });
      const run: HeldRun = {
        name: ctx.name,
        attempt: ctx.attempt,
        signal: ctx.signal,
        abortReason: () => (ctx.signal.aborted ? ctx.signal.reason : undefined),
        aborted,
        release,
        ended,
      };
      all.push(run);
      live.set(ctx.name, (live.get(ctx.name) ?? 0) + 1);
      for (const w of waiters.splice(0)) {
        if (w.name === ctx.name && (w.attempt === undefined || w.attempt === ctx.attempt)) w.resolve(run);
        else waiters.push(w);
      }
      if (releasedForever) release();
      try {
        if (onAbort === 'listen') await Promise.race([released, aborted.then((reason) => Promise.reject(reason))]);
        else await released;
        if (onAbort === 'finish-after-release') ctx.throwIfCancelled();
        return { attempt: ctx.attempt };
      } finally {
        live.set(ctx.name, (live.get(ctx.name) ?? 1) - 1);
        endedResolve();
      }
    },
  });

  return {
    kind,
    started(opName, attempt) {
      const found = all.find((r) => r.name === opName && (attempt === undefined || r.attempt === attempt));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ name: opName, attempt, resolve }));
    },
    runs: () => [...all],
    running: (opName) => live.get(opName) ?? 0,
    releaseAll() {
      releasedForever = true;
      for (const r of all) r.release();
    },
  };
}
