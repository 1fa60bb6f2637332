/**
 * Starting the helper processes: our server's host (profiled with --profile), the peers', the load
 * generators. In a smoke run they are pooled: a scenario's `stop()` hands its processes back for the next
 * scenario instead of ending them, because starting them is most of a smoke run's time. A full run starts
 * fresh ones per scenario, so one scenario's heap never weighs on the next one's figures.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHelper, type Helper, type HelperOptions } from './ipc.js';

export const PROFILES_DIR = fileURLToPath(new URL('profiles/', import.meta.url));

let pooling = false;
const idle = new Map<string, Helper[]>();

/** Turns the smoke run's pool on. */
export function poolHelpers(): void {
  pooling = true;
}

async function acquire(name: string, script: string, options: HelperOptions, reset: string): Promise<Helper> {
  if (!pooling) return startHelper(name, script, options);
  const helper = idle.get(script)?.pop() ?? (await startHelper(`${name} (pooled)`, script, { ...options, scope: 'run' }));
  let returned = false;
  return {
    name,
    proc: helper.proc,
    exited: helper.exited,
    call: (method, params, timeoutMs) => helper.call(method, params, timeoutMs),
    async stop() {
      if (returned || helper.proc.exitCode !== null || helper.proc.signalCode !== null) return;
      returned = true;
      await helper.call(reset);
      idle.set(script, [...(idle.get(script) ?? []), helper]);
    },
  };
}

/**
 * Our server's process. With `profile`, node --cpu-prof writes into bench/profiles/<name>-<time>/ when it
 * exits: one file per thread (tsx's module loader has a thread of its own); the largest is the server's.
 */
export function startServerHost(name: string, profile: boolean): Promise<Helper> {
  if (!profile) return acquire(name, './server-host.ts', {}, 'close');
  const dir = `${PROFILES_DIR}${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  mkdirSync(dir, { recursive: true });
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', dir];
  return startHelper(name, './server-host.ts', { nodeArgs });
}

export function startPeerHost(name: string): Promise<Helper> {
  return acquire(name, './peers/peer-host.ts', { quiet: true }, 'closeServers');
}

export function startLoadHelper(name: string, script: 'grpc-load' | 'http-load' | 'start-load' | 'wait-load'): Promise<Helper> {
  return acquire(name, `./load/${script}.ts`, {}, 'reset');
}
