/**
 * The throughput loop every contender shares, ours and the peers': start `count` jobs with `inFlight`
 * starts outstanding, then poll until none is left unfinished; stop at `capMs` whatever happens, so a slow
 * contender bounds the run instead of stretching it.
 */
import { sleep } from '../stats.js';

export interface ThroughputRun {
  jobs: number;
  /** Finished when the clock stopped (all of them unless capped). */
  finished: number;
  /** From the first start until the last start answered. */
  startsMs: number;
  /** From the first start until all were finished (or the cap). */
  elapsedMs: number;
  capped: boolean;
  /** Finished per second over elapsedMs. */
  rate: number;
}

export async function driveStarts(args: {
  count: number;
  inFlight: number;
  capMs: number;
  start: (i: number) => Promise<unknown>;
  /** True while some started job is not finished yet. */
  anyUnfinished: () => Promise<boolean>;
  /** How many are finished (asked once, at the cap). */
  countFinished: () => Promise<number>;
  pollMs?: number;
}): Promise<ThroughputRun> {
  const t0 = performance.now();
  const deadline = t0 + args.capMs;
  let next = 0;
  let failures = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < args.count && performance.now() < deadline) {
      const i = next++;
      try {
        await args.start(i);
      } catch (err) {
        failures++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.inFlight, args.count) }, worker));
  if (failures > 0) throw new Error(`${failures} of ${args.count} starts failed; the first: ${(firstError as Error)?.message ?? String(firstError)}`);
  const startsMs = performance.now() - t0;
  let capped = next < args.count;
  while (!capped && (await args.anyUnfinished())) {
    if (performance.now() >= deadline) capped = true;
    else await sleep(args.pollMs ?? 20);
  }
  const elapsedMs = performance.now() - t0;
  const finished = capped ? await args.countFinished() : args.count;
  return { jobs: args.count, finished, startsMs, elapsedMs, capped, rate: (finished * 1000) / elapsedMs };
}
