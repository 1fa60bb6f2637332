/**
 * The package as another project uses it: `npm run build`, then a fresh project that depends on this checkout
 * by path (`npm install <checkout>`, which links it) and has no TypeScript tooling imports the SDK from
 * `lro-server/client` and the library from `lro-server` with plain node, and runs both bins — the compiled
 * server, and `lro` against it. A TypeScript file of the consumer type-checks against the shipped declarations,
 * and `npm pack` ships what the bins and exports need (and no sources or tests).
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { cleanEnv } from './run-lro.js';

const run = promisify(execFile);

// A full build and an npm install: minutes on a busy machine, not a timing goal.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 });

const consumer = tempDir('lro-consumer-');
const bin = (name: string) => join(consumer.path, 'node_modules', '.bin', name);
const env = cleanEnv();

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: REPO_ROOT, env });
  writeFileSync(consumer.file('package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', REPO_ROOT, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: consumer.path, env });
});
afterAll(() => consumer.cleanup());

/** Starts the compiled server through the consumer's `lro-server` bin; resolves with its addresses. */
async function startCompiledServer() {
  const proc = spawn(bin('lro-server'), ['--http-port', '0', '--grpc-port', '0', '--store', `sqlite:${consumer.file('lro.sqlite')}`], {
    cwd: consumer.path,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const addresses = await new Promise<{ http: string; grpc: string }>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { http?: string; grpc?: string };
        if (parsed.http && parsed.grpc) resolve({ http: parsed.http, grpc: parsed.grpc });
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`lro-server exited (${code}) before listening: ${stderr}`)));
  });
  return { ...addresses, stop: () => (proc.kill('SIGTERM'), exited) };
}

describe('the package, installed by path in another project', () => {
  it('runs the compiled server and lro against it, and its SDK imports from lro-server/client', async () => {
    const server = await startCompiledServer();
    try {
      writeFileSync(
        consumer.file('consumer.mjs'),
        `import { createSession, LroError } from 'lro-server/client';
import { createServer, defineKind } from 'lro-server';
const session = createSession({ server: process.argv[2] });
const op = await session.start('demo.sleep', { seconds: 0.05 });
const output = await op.result();
const purge = await session.start('demo.purge', { seconds: 0.05 });
const [row] = await session.cancel(purge);
await session.close();
console.log(JSON.stringify({ name: op.name, output, row, LroError: typeof LroError, createServer: typeof createServer, defineKind: typeof defineKind }));
`,
      );
      for (const url of [server.http, `grpc://${server.grpc}`]) {
        const { stdout } = await run(process.execPath, ['consumer.mjs', url], { cwd: consumer.path, env });
        expect(JSON.parse(stdout)).toMatchObject({
          name: expect.stringMatching(/^operations\//),
          output: { slept: expect.any(Number) },
          row: { ok: false, code: 12 },
          LroError: 'function',
          createServer: 'function',
          defineKind: 'function',
        });
      }

      const waited = await run(bin('lro'), ['--server', server.http, 'start', 'demo.sleep', '--input', '{"seconds":0.05}', '--wait', '--json'], {
        cwd: consumer.path,
        env,
      });
      expect(JSON.parse(waited.stdout)).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED' } });
      const viaNpx = await run('npx', ['--no-install', 'lro', 'kinds', '--json'], { cwd: consumer.path, env: { ...env, LRO_SERVER: server.http } });
      expect(JSON.parse(viaNpx.stdout)).toContainEqual(expect.objectContaining({ name: 'kinds/demo.hash' }));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('ships type declarations: a TypeScript consumer type-checks against the exports', async () => {
    writeFileSync(
      consumer.file('typed.ts'),
      `import { createSession, LroError, type CancelResult, type Operation, type Session } from 'lro-server/client';
import { createServer, type LroServer } from 'lro-server';
export async function demo(server: LroServer): Promise<number> {
  const session: Session = createSession({ server: server.addresses.http, retry: { maxAttempts: 2 } });
  const op = await session.start('demo.sleep', { seconds: 1 }, { labels: { team: 'a' } });
  const done: Operation = await op.wait({ timeout: '10s', onProgress: (o) => o.metadata.progressPercent.toFixed() });
  const rows: CancelResult[] = await session.cancel();
  const error: LroError | undefined = done.error ? LroError.fromOperation(done.name, done.error) : undefined;
  return rows.length + (error?.safeToResubmit ? 1 : 0);
}
export const make = createServer;
`,
    );
    writeFileSync(
      consumer.file('tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          // The consumer brings Node's types; ours must resolve through package.json "exports".
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', consumer.file('tsconfig.json')], { cwd: consumer.path, env }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }),
    );
    expect(result.stdout).toBe('');
  });

  it('packs the compiled code, its declarations and the protos, without sources or tests', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, env });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    for (const needed of [
      'dist/src/cli/lro.js',
      'dist/src/cli/lro-server.js',
      'dist/src/main.js',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'dist/src/index.d.ts',
      'protos/lro/v1/kinds.proto',
      'protos/lro/v1/watch.proto',
      'package.json',
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });
});
