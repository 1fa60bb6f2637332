/**
 * `npm run bench [-- SCENARIO…] [options]`: runs the scenarios of BENCHMARKS.md one after another on this
 * machine (loopback only), prints one table (stdout; progress goes to stderr) and writes the result file.
 * Exit code: 0 when every scenario ran (goals missed or not: they are goals, not assertions), 1 when a
 * scenario failed to run, 2 for bad usage.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAvailability, loud } from './availability.js';
import { cleanupOnSignals, runCleanup, wasInterrupted } from './cleanup.js';
import { poolHelpers } from './hosts.js';
import { describeMachine } from './machine.js';
import { parseOptions, USAGE, type ScenarioName } from './options.js';
import { addInfo, createResults, formatTable, writeResults } from './results.js';
import type { Scenario } from './scenario.js';
import { cancelLatency } from './scenarios/cancel-latency.js';
import { getGrpc } from './scenarios/get-grpc.js';
import { getHttp } from './scenarios/get-http.js';
import { listScale } from './scenarios/list-scale.js';
import { recovery } from './scenarios/recovery.js';
import { throughput } from './scenarios/throughput.js';
import { waitFanout } from './scenarios/wait-fanout.js';
import { UsageError } from './usage-error.js';

const SCENARIO_RUNNERS: Record<ScenarioName, Scenario> = {
  'get-http': getHttp,
  'get-grpc': getGrpc,
  throughput,
  'cancel-latency': cancelLatency,
  'wait-fanout': waitFanout,
  'list-scale': listScale,
  recovery,
};

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  cleanupOnSignals();
  if (options.smoke && !options.profile) poolHelpers();
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  const startedAt = new Date().toISOString();
  const availability = await checkAvailability(options.postgresUrl, options.redisUrl);
  for (const problem of new Set([availability.postgresProblem, availability.redisProblem, availability.bullmqProblem])) {
    if (problem) loud(`${problem}. The figures that need it are left out of this run.`);
  }
  const machine = describeMachine(availability);
  log(
    `${options.smoke ? 'SMOKE run (tiny sizes: the figures mean nothing)' : 'run'} on ${machine.cores} cores, ${machine.cpuModel}, ` +
      `Node ${machine.node}, SQLite ${machine.sqlite}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}; load average ${machine.loadAverageAtStart}`,
  );
  const results = createResults();
  let failed = 0;
  for (const name of options.scenarios) {
    const t0 = performance.now();
    log(`== ${name}`);
    try {
      await SCENARIO_RUNNERS[name]({ options, results, availability, log: (m) => log(`${name}: ${m}`) });
    } catch (err) {
      if (wasInterrupted()) await new Promise(() => {}); // the signal handler cleans up and exits
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      log(`${name} FAILED: ${err instanceof Error ? err.stack : message}`);
      addInfo(results, { scenario: name, figure: `FAILED to run: ${message.split('\n')[0]}` });
    } finally {
      // Each scenario's own processes, files and schemas go before the next one measures.
      await runCleanup('scenario');
    }
    log(`== ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const out = options.out || join(tmpdir(), `lro-bench-smoke-${process.pid}.json`);
  writeResults(out, { machine, options, startedAt, finishedAt: new Date().toISOString(), results });
  process.stdout.write(`\n${formatTable(results.rows)}\n\n`);
  process.stdout.write(
    `Ratios compare figures measured in this same run${machine.cores <= 2 ? ` on a ${machine.cores}-core machine` : ''}; medians of ${options.reps} repetition(s).\nResults: ${out}\n`,
  );
  return failed > 0 ? 1 : 0;
}

main().then(
  async (code) => {
    await runCleanup();
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await runCleanup();
    process.exit(1);
  },
);
