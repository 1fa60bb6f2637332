#!/usr/bin/env node
// Reads vitest's JSON report, its console log and its exit code; prints what failed outside a test and ends
// with the plain line "N passed, M failed". Exits 0 only when at least one test passed and nothing failed.
//
//   node .ci/summarize-vitest.mjs RESULTS.json LOG.txt EXIT_CODE
//
// vitest's numbers alone undercount: a file whose beforeAll or afterAll throws, or that fails to load, is a
// failed file with no failed test in it; an unhandled error fails the run (exit code 1) but appears only in
// the console log ("Vitest caught N unhandled errors"); and numTotalTests counts skipped tests. So each of
// those counts here as a failure, and a non-zero exit code never ends in "0 failed".
import { readFileSync } from 'node:fs';
import process from 'node:process';

/**
 * @param {unknown} report vitest's JSON report (undefined when it could not be read)
 * @param {string} log what vitest printed
 * @param {number} exitCode vitest's exit code
 * @returns {{ passed: number, failed: number, ok: boolean, notes: string[] }}
 */
function summarize(report, log, exitCode) {
  const notes = [];
  const r = /** @type {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number, testResults?: Array<{ name?: string, status?: string, message?: string, assertionResults?: Array<{ status?: string }> }> } | undefined} */ (
    report && typeof report === 'object' ? report : undefined
  );
  if (!r) notes.push('no JSON report from vitest: it did not finish');
  const passed = r?.numPassedTests ?? 0;
  let failed = r?.numFailedTests ?? 0;

  // A failed file without a failed test: a hook threw (its tests show as skipped or passed) or it did not load.
  for (const file of r?.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
      failed++;
      notes.push(`FAILED outside a test: ${file.name ?? '(unnamed file)'}: ${(file.message ?? '').split('\n')[0]}`);
    }
  }

  // eslint-disable-next-line no-control-regex -- strips terminal colours
  const plain = log.replace(/\u001b\[[0-9;]*m/g, '');
  const unhandled = /Vitest caught (\d+) unhandled errors?/.exec(plain);
  if (unhandled) {
    failed += Number(unhandled[1]);
    notes.push(`FAILED: ${unhandled[1]} unhandled error(s) during the run (see "Unhandled Errors" above)`);
  }

  const skipped = (r?.numPendingTests ?? 0) + (r?.numTodoTests ?? 0);
  if (skipped > 0) notes.push(`${skipped} skipped`);
  if (r && passed === 0) {
    failed = Math.max(failed, 1);
    notes.push('FAILED: no test passed (every test was skipped, or there were none)');
  }
  if (exitCode !== 0 && failed === 0) notes.push(`FAILED: vitest exited with ${exitCode} for a reason the report does not show`);
  const ok = exitCode === 0 && failed === 0 && passed > 0;
  // Whatever made it fail, the last line must not say "0 failed".
  return { passed, failed: ok ? failed : Math.max(failed, 1), ok, notes };
}

const [resultsPath = '', logPath = '', code = '1'] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(resultsPath, 'utf8'));
} catch {
  report = undefined;
}
let log = '';
try {
  log = readFileSync(logPath, 'utf8');
} catch {
  log = '';
}
const exitCode = Number.parseInt(code, 10);
const { passed, failed, ok, notes } = summarize(report, log, Number.isNaN(exitCode) ? 1 : exitCode);
process.stdout.write([...notes, `${passed} passed, ${failed} failed`].join('\n') + '\n');
process.exit(ok ? 0 : 1);
