/**
 * The benchmark harness must not rot: its smoke mode (every scenario, tiny) runs as a child process, exits 0,
 * prints the table and writes a well-formed result file to a temporary path (never bench/results/latest.json).
 * The figures of a smoke run mean nothing; only the harness is checked here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'lro-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench', () => {
  it('--smoke runs every scenario, prints the table and writes a well-formed result file', async () => {
    const out = join(dir, 'smoke.json');
    const { code, stdout, stderr } = await bench(['--smoke', '--out', out]);
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(stdout).toMatch(/^\| scenario +\| figure +\| baseline +\| ratio +\| goal +\| met +\|$/m);
    for (const scenario of ['get-http', 'get-grpc', 'throughput', 'cancel-latency', 'wait-fanout', 'list-scale', 'recovery']) {
      expect(stdout).toContain(`| ${scenario} `);
    }
    expect(stdout).not.toContain('FAILED');

    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      machine: Record<string, unknown>;
      goals: Record<string, { ratio?: number; value?: number; goal: number; met: boolean | null }>;
      rows: unknown[];
    };
    expect(doc.machine).toMatchObject({
      cores: expect.any(Number),
      memoryBytes: expect.any(Number),
      cpuModel: expect.any(String),
      node: process.version,
      sqlite: expect.stringMatching(/^\d+\.\d+/),
      postgres: expect.any(String),
    });
    // The goals that need nothing but SQLite are always there.
    for (const key of ['get-http', 'get-grpc', 'throughput.sqlite.in-process', 'cancel-latency.sqlite.p99', 'wait-fanout.p99', 'wait-fanout.rss-growth', 'list-scale.sqlite.p99']) {
      expect(doc.goals, key).toHaveProperty([key]);
    }
    for (const [key, g] of Object.entries(doc.goals)) {
      expect(typeof g.goal, key).toBe('number');
      expect([true, false, null], key).toContain(g.met);
      if (g.met !== null) expect(typeof (g.ratio ?? g.value), key).toBe('number');
    }
    expect(doc.rows.length).toBeGreaterThanOrEqual(Object.keys(doc.goals).length);
  }, 600_000); // a bound, not a goal: every scenario starts processes under tsx, slow on a loaded machine

  it('refuses a non-loopback address before connecting to anything', async () => {
    const { code, stderr } = await bench(['--smoke', '--redis', 'redis://10.1.2.3:6379']);
    expect(code).toBe(2);
    expect(stderr).toContain('only runs against loopback addresses');
  });

  it('refuses an unknown scenario', async () => {
    const { code, stderr } = await bench(['no-such-scenario']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown scenario no-such-scenario');
  });
});
