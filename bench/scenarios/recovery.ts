/**
 * recovery: two server processes on one PostgreSQL schema. The first runs N `bench.hold` operations;
 * the second starts; the first is SIGKILLed. The figure is the time from the kill until the last of the
 * N has started again on the survivor, judged against the lease (goal: within lease + 1 s). None may be
 * lost (all N run again, RUNNING at attempt 2) and none may run twice at once.
 */
import { loud } from '../availability.js';
import { startServerHost } from '../hosts.js';
import type { HoldStart } from '../bench-kinds.js';
import { serverDefaults } from '../lro-adapter.js';
import { addSkipped, addValue, int } from '../results.js';
import { freshStore, type Scenario } from '../scenario.js';
import { sleep, wallMs } from '../stats.js';

export const recovery: Scenario = async (ctx) => {
  const { options, results, availability } = ctx;
  const leaseMs = options.leaseMs || (await serverDefaults()).leaseMs;
  if (availability.postgresProblem) {
    loud(`recovery needs PostgreSQL: ${availability.postgresProblem}`);
    addSkipped(results, { scenario: 'recovery', key: 'recovery', goal: `≤ ${leaseMs + 1000} ms`, goalValue: leaseMs + 1000, why: availability.postgresProblem });
    return;
  }
  const n = options.recoveryOps;
  const instance = (id: string) => ({
    concurrency: n + options.concurrency,
    logLevel: options.logLevel,
    kinds: ['bench.hold'],
    leaseMs,
    heartbeatMs: Math.max(10, Math.floor(leaseMs / 3)),
    instanceId: id,
  });
  const store = await freshStore(ctx, 'postgres', 'recovery');
  const [victim, survivor] = await Promise.all([startServerHost('recovery-victim', false), startServerHost('recovery-survivor', options.profile)]);
  try {
    await victim.call('open', { ...instance('victim'), store });
    const names = await victim.call<string[]>('startMany', { kind: 'bench.hold', count: n, inFlight: 20 });
    await victim.call('untilRunning', { count: n, timeoutMs: 60_000 });
    // Opened only now, so it cannot have claimed any of them.
    await survivor.call('open', { ...instance('survivor'), store });
    const killedAt = wallMs();
    victim.proc.kill('SIGKILL');
    await victim.exited;

    const deadline = performance.now() + 3 * leaseMs + 30_000;
    let starts: HoldStart[] = [];
    let overlaps = 0;
    for (;;) {
      ({ starts, overlaps } = await survivor.call<{ starts: HoldStart[]; overlaps: number }>('holdStarts'));
      if (new Set(starts.map((s) => s.name)).size >= n || performance.now() > deadline) break;
      await sleep(20);
    }
    const again = new Set(starts.map((s) => s.name));
    const lost = names.filter((name) => !again.has(name)).length;
    const twice = starts.length - again.size + overlaps;
    const recoveredMs = starts.length > 0 ? Math.max(...starts.map((s) => s.at)) - killedAt : NaN;
    const ops = await survivor.call<{ state: string; attempt: number }[]>('summaries', names);
    const wrong = ops.filter((o) => o.state !== 'RUNNING' || o.attempt !== 2).length;
    ctx.log(`${again.size} of ${n} running again ${int(recoveredMs)} ms after the kill (lease ${int(leaseMs)} ms); lost ${lost}, twice ${twice}, not RUNNING at attempt 2: ${wrong}`);
    results.measurements.recovery = { operations: n, leaseMs, recoveredMs, lost, twice, wrong, firstStartMs: Math.min(...starts.map((s) => s.at)) - killedAt };
    const bad = lost + twice + wrong > 0 ? `; LOST ${lost}, RUN TWICE ${twice}, NOT RUNNING AT ATTEMPT 2 ${wrong}` : '; none lost, none run twice';
    addValue(results, {
      scenario: 'recovery',
      key: 'recovery',
      figure: `${again.size} of ${n} running again on the survivor ${(recoveredMs / 1000).toFixed(2)} s after SIGKILL${bad}`,
      baseline: `lease ${(leaseMs / 1000).toFixed(1)} s`,
      value: recoveredMs, broken: lost + twice + wrong > 0,
      unit: 'ms',
      goal: leaseMs + 1000,
      goalText: `≤ lease + 1 s`,
    });
  } finally {
    await Promise.all([victim.stop(), survivor.stop()]);
  }
};
