/**
 * Server instances on one PostgreSQL schema: in-process ones (createServer), and child processes started
 * the way users start them (`node --import tsx src/main.ts …`), which a test can SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerOptions } from '../../src/app.js';
import { createGrpcClient, type GrpcClient } from '../helpers/grpc-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An in-process instance on `storeUrl`, both listeners on port 0. */
export function startInstance(storeUrl: string, options: ServerOptions = {}): Promise<TestServer> {
  return startTestServer({ store: storeUrl, ...options });
}

export interface ChildInstance {
  process: ChildProcess;
  grpc: GrpcClient;
  http: string;
  /** Every log line so far (pino JSON), for failure messages. */
  log: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `src/main.ts` in a child process with `args`, and resolves once it logged its bound addresses. */
export function startChildInstance(args: string[]): Promise<ChildInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--host', '127.0.0.1', '--http-port', '0', '--grpc-port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LRO_LOG_LEVEL: 'info' },
  });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  return new Promise<ChildInstance>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`the child server did not log "listening" in time:\n${log.join('\n')}`));
    }, 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the child server exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      let entry: { msg?: string; http?: string; grpc?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'listening' && entry.http && entry.grpc) {
        clearTimeout(timer);
        resolve({ process: child, grpc: createGrpcClient(entry.grpc), http: entry.http, log, kill });
      }
    });
  });
}
