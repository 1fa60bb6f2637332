/**
 * The harness drives its helper processes (our server, the peers, the load generators) by calls over
 * Node's IPC channel: `{ id, method, params }` → `{ id, ok, result | error }`. A helper exits when its
 * parent goes away, so an interrupted benchmark leaves no process behind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup, type CleanupScope } from './cleanup.js';

interface Request {
  id: number;
  method: string;
  params: unknown;
}
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface Helper {
  readonly name: string;
  readonly proc: ChildProcess;
  call<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks it to exit cleanly (flushing a CPU profile), then kills it if it does not. */
  stop(): Promise<void>;
  /** Resolves once the process is gone. */
  readonly exited: Promise<void>;
}

export interface HelperOptions {
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Log lines of the helper are echoed to stderr only at or above pino's warn (40) or when not JSON. */
  quiet?: boolean;
  /** 'run' for a process that outlives its scenario (the smoke run's pool). */
  scope?: CleanupScope;
}

/** Starts `bench/<script>` (TypeScript, through tsx) and resolves once it serves calls. */
export async function startHelper(name: string, script: string, options: HelperOptions = {}): Promise<Helper> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const proc = fork(path, [], {
    execArgv: ['--import', 'tsx', ...(options.nodeArgs ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  const echo = (line: string) => {
    if (options.quiet) {
      try {
        const level = (JSON.parse(line) as { level?: number }).level;
        if (typeof level === 'number' && level < 40) return;
      } catch {
        // not a log line: show it
      }
    }
    process.stderr.write(`[${name}] ${line}\n`);
  };
  createInterface({ input: proc.stdout! }).on('line', echo);
  createInterface({ input: proc.stderr! }).on('line', echo);

  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      gone = true;
      for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal}) during a call`));
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('message', () => resolve());
    void exited.then(() => reject(new Error(`${name} exited before it was ready`)));
  });
  proc.on('message', (msg: Reply | { ready: true }) => {
    if (!('id' in msg)) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${name}: ${msg.error}`));
  });
  const kill = () => {
    if (!gone) proc.kill('SIGKILL');
  };
  const unregister = onCleanup(
    `stop ${name}`,
    async () => {
      kill();
      await exited;
    },
    options.scope,
  );
  void exited.then(unregister);
  await ready;

  const helper: Helper = {
    name,
    proc,
    exited,
    call<T>(method: string, params?: unknown, timeoutMs = 10 * 60_000): Promise<T> {
      if (gone) return Promise.reject(new Error(`${name} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}.${method} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ id, method, params } satisfies Request);
      });
    },
    async stop() {
      if (gone) return;
      await helper.call('exit', undefined, 15_000).catch(() => {});
      const timer = setTimeout(kill, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return helper;
}

export type Handlers = Record<string, (params: never) => unknown>;

/** In a helper: answers calls with these handlers. `exit` runs `onExit` and ends the process normally. */
export function serveCalls(handlers: Handlers, onExit: () => Promise<void> = async () => {}): void {
  if (!process.send) throw new Error('this file is a helper process of the benchmark; run `npm run bench`');
  const send = (msg: Reply | { ready: true }) => {
    if (process.connected) process.send!(msg);
  };
  process.on('message', (msg: Request) => {
    if (msg.method === 'exit') {
      void onExit()
        .catch(() => {})
        .finally(() => {
          send({ id: msg.id, ok: true, result: null });
          // A normal exit writes the --cpu-prof profile; let the reply leave first.
          setTimeout(() => process.exit(0), 50);
        });
      return;
    }
    const handler = handlers[msg.method];
    if (!handler) return send({ id: msg.id, ok: false, error: `unknown method ${msg.method}` });
    Promise.resolve()
      .then(() => handler(msg.params as never))
      .then(
        (result) => send({ id: msg.id, ok: true, result }),
        (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // The harness went away (finished, crashed or was killed): nothing should outlive it.
  process.on('disconnect', () => process.exit(1));
  send({ ready: true });
}
