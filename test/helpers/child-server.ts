/**
 * Runs the real CLI (`node --import tsx src/main.ts …`) in a child process, reads its pino JSON lines,
 * and finds the bound addresses in the "listening" line (the one with both `http` and `grpc`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface ChildServer {
  proc: ChildProcess;
  /** Every JSON line written to stdout so far. */
  lines: LogLine[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Resolves with the "listening" line; rejects if the process exits first. */
  listening: Promise<{ http: string; grpc: string; line: LogLine }>;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `src/main.ts` with these arguments; the environment is the test's minus LRO_* (plus `env`). */
export function spawnServer(args: string[], env: Record<string, string> = {}): ChildServer {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LRO_')));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const listening = new Promise<{ http: string; grpc: string; line: LogLine }>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      if (typeof line.http === 'string' && typeof line.grpc === 'string') resolve({ http: line.http, grpc: line.grpc, line });
    });
    void exited.then((code) => {
      const log = lines.map((l) => JSON.stringify(l)).join('\n');
      reject(new Error(`the server exited (${code}) before listening:\n${stderr}\n${log}`));
    });
  });
  listening.catch(() => {}); // observed by whoever awaits it
  return {
    proc,
    lines,
    stderr: () => stderr,
    exited,
    listening,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** spawnServer for one test file: every server it starts is killed once the file's tests are over. */
export function spawnServersOfFile(): (args: string[], env?: Record<string, string>) => ChildServer {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop('SIGKILL')));
  });
  return (args, env = {}) => {
    const child = spawnServer(args, env);
    children.push(child);
    return child;
  };
}
