/**
 * Kinds that exist only in the benchmark, registered with `createServer({ kinds })` in the server host:
 * - bench.poll: polls its cancellation token every 1 ms until cancelled (cancel-latency);
 * - bench.gate: runs until the host opens the gate, then succeeds (wait-fanout);
 * - bench.hold: runs until aborted, noting every start with its attempt (recovery).
 */
import type { BenchKind, OperationContext } from './lro-adapter.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 1));

export const pollKind: BenchKind = {
  name: 'bench.poll',
  description: 'Polls its token every millisecond until cancelled.',
  cancellable: true,
  async handler(_input: never, ctx: OperationContext) {
    while (!ctx.signal.aborted) await tick();
    ctx.throwIfCancelled();
    return {};
  },
};

let openGate: () => void = () => {};
let gate = new Promise<void>((r) => (openGate = r));

/** Lets every bench.gate operation running now finish. */
export function releaseGate(): void {
  openGate();
  gate = new Promise<void>((r) => (openGate = r));
}

export const gateKind: BenchKind = {
  name: 'bench.gate',
  description: 'Runs until the benchmark opens its gate.',
  cancellable: true,
  async handler(_input: never, ctx: OperationContext) {
    await Promise.race([gate, new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)))]);
    return { released: true };
  },
};

export interface HoldStart {
  name: string;
  attempt: number;
  at: number;
}
/** Every start of a bench.hold handler in this process, in order. */
export const holdStarts: HoldStart[] = [];
/** How many bench.hold handlers of each operation run in this process now (never more than one). */
export const holdRunning = new Map<string, number>();
export let holdOverlaps = 0;

export const holdKind: BenchKind = {
  name: 'bench.hold',
  description: 'Runs until aborted; notes each start.',
  cancellable: true,
  maxAttempts: 5,
  async handler(_input: never, ctx: OperationContext) {
    holdStarts.push({ name: ctx.name, attempt: ctx.attempt, at: Date.now() });
    const running = (holdRunning.get(ctx.name) ?? 0) + 1;
    if (running > 1) holdOverlaps++;
    holdRunning.set(ctx.name, running);
    try {
      await ctx.sleep(24 * 3600_000);
      return {};
    } finally {
      holdRunning.set(ctx.name, (holdRunning.get(ctx.name) ?? 1) - 1);
    }
  },
};

export const benchKinds: Record<string, BenchKind> = { 'bench.poll': pollKind, 'bench.gate': gateKind, 'bench.hold': holdKind };
