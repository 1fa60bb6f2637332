/**
 * Everything the benchmark makes (helper processes, SQLite folders, PostgreSQL schemas, Redis keys)
 * registers how to undo it here; `runCleanup` undoes it in reverse order, on success, on failure and on
 * SIGINT/SIGTERM alike.
 */

/** 'scenario' things go when their scenario ends; 'run' things (pooled processes) when the run ends. */
export type CleanupScope = 'scenario' | 'run';

interface Task {
  label: string;
  scope: CleanupScope;
  run: () => Promise<void>;
}

const tasks: Task[] = [];
let running: Promise<void> | undefined;

/** Registers an undo step; the returned function drops it (the thing was already cleaned up). */
export function onCleanup(label: string, run: () => Promise<void> | void, scope: CleanupScope = 'scenario'): () => void {
  const task: Task = { label, scope, run: async () => run() };
  tasks.push(task);
  return () => {
    const i = tasks.indexOf(task);
    if (i >= 0) tasks.splice(i, 1);
  };
}

/** Undoes the scenario's things (`'scenario'`), or everything (`'run'`, the default). */
export async function runCleanup(scope: CleanupScope = 'run'): Promise<void> {
  while (running) await running;
  running = (async () => {
    for (;;) {
      const i = tasks.findLastIndex((t) => scope === 'run' || t.scope === 'scenario');
      if (i < 0) break;
      const task = tasks.splice(i, 1)[0]!;
      try {
        await Promise.race([task.run(), new Promise((r) => setTimeout(r, 10_000))]);
      } catch (err) {
        process.stderr.write(`bench: cleanup "${task.label}" failed: ${(err as Error).message}\n`);
      }
    }
  })().finally(() => (running = undefined));
  return running;
}

let interrupted = false;

/** Whether a signal stopped the run (failures after it are its echo, not news). */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** On the first SIGINT/SIGTERM: clean up, then exit 130/143. A second signal exits at once. */
export function cleanupOnSignals(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(1);
    interrupted = true;
    process.stderr.write(`\nbench: ${signal}: cleaning up what this run made…\n`);
    void runCleanup('run').finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
