/**
 * .ci/summarize-vitest.mjs, the last step of .ci/run: fed the report vitest writes in each case (the shapes
 * below are what vitest 3's JSON reporter wrote for real test files that did these things), it must fail the
 * run, and never end in "0 failed", whenever something failed outside a test or nothing passed.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('lro-ci-summary-');
afterAll(() => dir.cleanup());

type TestStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';

function report(files: Array<{ status: 'passed' | 'failed'; message?: string; tests: TestStatus[] }>) {
  const all = files.flatMap((f) => f.tests);
  const count = (...s: TestStatus[]) => all.filter((t) => s.includes(t)).length;
  return {
    numTotalTests: all.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped', 'pending'),
    numTodoTests: count('todo'),
    success: files.every((f) => f.status === 'passed'),
    testResults: files.map((f, i) => ({
      name: `/repo/test/case-${i}.test.ts`,
      status: f.status,
      message: f.message ?? '',
      assertionResults: f.tests.map((status) => ({ status })),
    })),
  };
}

let runs = 0;
/** Runs the summarizer as .ci/run does; returns its exit code and its last line. */
function summarize(json: unknown, log: string, exitCode: number): { code: number | null; last: string; out: string } {
  const n = runs++;
  const results = join(dir.path, `r${n}.json`);
  const logFile = join(dir.path, `r${n}.log`);
  if (json !== undefined) writeFileSync(results, JSON.stringify(json));
  writeFileSync(logFile, log);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, '.ci', 'summarize-vitest.mjs'), results, logFile, String(exitCode)], { encoding: 'utf8' });
  const lines = r.stdout.trimEnd().split('\n');
  return { code: r.status, last: lines[lines.length - 1] ?? '', out: r.stdout };
}

describe('the CI summary line', () => {
  it('passes a run where tests passed and nothing failed, skipped ones aside', () => {
    const r = summarize(report([{ status: 'passed', tests: ['passed', 'passed', 'skipped'] }]), '', 0);
    expect(r).toMatchObject({ code: 0, last: '2 passed, 0 failed' });
    expect(r.out).toContain('1 skipped');
  });

  it('counts failed tests', () => {
    expect(summarize(report([{ status: 'failed', tests: ['passed', 'failed', 'failed'] }]), '', 1)).toMatchObject({ code: 1, last: '1 passed, 2 failed' });
  });

  it('fails a run in which every test was skipped', () => {
    const r = summarize(report([{ status: 'passed', tests: ['skipped', 'skipped', 'todo'] }]), '', 0);
    expect(r).toMatchObject({ code: 1, last: '0 passed, 1 failed' });
  });

  it('fails a run with no tests at all', () => {
    expect(summarize(report([]), '', 0)).toMatchObject({ code: 1, last: '0 passed, 1 failed' });
  });

  it('counts a beforeAll that threw (its tests show as skipped)', () => {
    const json = report([
      { status: 'failed', message: 'boom in beforeAll', tests: ['skipped', 'skipped'] },
      { status: 'passed', tests: ['passed'] },
    ]);
    const r = summarize(json, '', 1);
    expect(r).toMatchObject({ code: 1, last: '1 passed, 1 failed' });
    expect(r.out).toContain('boom in beforeAll');
  });

  it('counts an afterAll that threw (its tests show as passed)', () => {
    const r = summarize(report([{ status: 'failed', message: 'boom in afterAll', tests: ['passed', 'passed'] }]), '', 1);
    expect(r).toMatchObject({ code: 1, last: '2 passed, 1 failed' });
  });

  it('counts a file that failed to load, and does not count a failed file twice', () => {
    const json = report([
      { status: 'failed', message: "Cannot find module './gone.js'", tests: [] },
      { status: 'failed', message: '', tests: ['failed', 'passed'] },
    ]);
    expect(summarize(json, '', 1)).toMatchObject({ code: 1, last: '1 passed, 2 failed' });
  });

  it('counts unhandled errors, which the JSON report leaves out, from the log', () => {
    const log = '\u001b[31m⎯⎯ Unhandled Errors ⎯⎯\u001b[39m\nVitest caught 2 unhandled errors during the test run.\n';
    const r = summarize(report([{ status: 'passed', tests: ['passed', 'passed'] }]), log, 1);
    expect(r).toMatchObject({ code: 1, last: '2 passed, 2 failed' });
  });

  it('never says "0 failed" when vitest exited non-zero for a reason the report does not show', () => {
    expect(summarize(report([{ status: 'passed', tests: ['passed'] }]), '', 1)).toMatchObject({ code: 1, last: '1 passed, 1 failed' });
  });

  it('fails when there is no report at all, whatever the exit code', () => {
    for (const exitCode of [0, 1]) expect(summarize(undefined, '', exitCode)).toMatchObject({ code: 1, last: '0 passed, 1 failed' });
  });
});
