/** Runs the `lro` command (src/cli/lro.ts under tsx) as a process, the way a user runs it, and collects its output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-server.js';

export interface LroRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const LRO_SOURCE = join(REPO_ROOT, 'src', 'cli', 'lro.ts');

/** The environment of the test without LRO_* (plus `env`). */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LRO_'))), ...env };
}

/** The machine is shared: at most this many `lro` processes at once, however many a test asks for. */
const MAX_PARALLEL = 4;
let running = 0;
const queue: Array<() => void> = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

export function runLro(args: string[], env: Record<string, string> = {}): Promise<LroRun> {
  return slot(() => spawnLro(args, env));
}

function spawnLro(args: string[], env: Record<string, string>): Promise<LroRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', LRO_SOURCE, ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
