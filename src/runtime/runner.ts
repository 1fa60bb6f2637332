/**
 * The runner: claims QUEUED operations up to `concurrency`, runs each handler with an OperationContext,
 * and finishes it in the store. Around it, three timers keep the instance honest:
 * - heartbeat: renews the leases it holds; a lease it lost aborts that handler; a cancel request it
 *   missed (a lost notification) is found here too — the polling fallback of cancel delivery;
 * - rescue: takes back operations whose lease expired (their worker died): requeue, or fail them;
 * - poll: claims even when no 'queued' event arrived.
 * Cancels arrive as 'cancel' events and abort the handler's signal directly.
 */
import type { Logger } from 'pino';
import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import type { JsonObject } from '../proto/struct.js';
import type { Finish, OperationRecord, OperationStore } from '../store/operation-store.js';
import {
  attemptsExhausted,
  cancelledWhileRunning,
  isReason,
  leaseLost,
  REASON,
  shuttingDown,
  timedOut,
  toOperationError,
} from './abort-reasons.js';
import type { EventBus } from '../events/event-bus.js';
import { createOperationContext } from './operation-context.js';
import { createProgressWriter } from './progress-writer.js';
import type { KindRegistry } from './registry.js';

export interface RunnerOptions {
  store: OperationStore;
  registry: KindRegistry;
  bus: EventBus;
  logger: Logger;
  /** This instance's lease owner id. */
  owner: string;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  rescueMs: number;
  now?: () => number;
}

export interface Runner {
  start(): void;
  /** Stops claiming, lets running handlers finish for up to `graceMs`, then aborts and releases the rest. */
  stop(graceMs: number): Promise<void>;
  /** Ids of the operations this instance runs now. */
  runningIds(): string[];
}

interface Active {
  lease: { id: string; owner: string; token: number };
  controller: AbortController;
  cancellable: boolean;
  settled: Promise<void>;
}

export function createRunner(opts: RunnerOptions): Runner {
  const { store, registry, bus, logger, owner, concurrency, leaseMs } = opts;
  const now = opts.now ?? Date.now;
  const running = new Map<string, Active>();
  const cancelsWhileClaiming = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  let claiming = false;
  let claimAgain = false;
  let stopped = true;
  let unsubscribe: (() => void) | undefined;

  async function fill(): Promise<void> {
    if (stopped) return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    try {
      do {
        claimAgain = false;
        while (!stopped && running.size < concurrency) {
          const limit = concurrency - running.size;
          const batch = await store.claim({ owner, kinds: registry.names(), limit, leaseMs, now: now() });
          for (const record of batch) launch(record);
          if (batch.length < limit) break;
        }
      } while (claimAgain && !stopped);
    } catch (err) {
      logger.warn({ err }, 'claiming operations failed; retrying on the next poll');
    } finally {
      claiming = false;
      cancelsWhileClaiming.clear();
    }
  }

  function launch(record: OperationRecord): void {
    const kind = registry.get(record.kind);
    if (!kind) return; // claim only takes registered kinds
    const controller = new AbortController();
    const lease = { id: record.id, owner, token: record.leaseToken };
    const progress = createProgressWriter({ store, lease, now, logger });
    const ctx = createOperationContext({
      id: record.id,
      kind: record.kind,
      attempt: record.attempt,
      signal: controller.signal,
      progress: progress.report,
    });
    const timer = setTimeout(() => controller.abort(timedOut(kind.timeoutMs)), kind.timeoutMs);
    const active: Active = { lease, controller, cancellable: kind.cancellable, settled: Promise.resolve() };
    // A stalled attempt whose lease was taken back may still be here: it lost the operation, so stop it.
    running.get(record.id)?.controller.abort(leaseLost());
    running.set(record.id, active);
    if (kind.cancellable && (record.requestedCancellation || cancelsWhileClaiming.has(record.id))) {
      controller.abort(cancelledWhileRunning());
    }
    active.settled = (async () => {
      let outcome: Finish | 'release' | 'lost';
      try {
        const output = await kind.handler(record.input, ctx);
        outcome = { state: 'SUCCEEDED', output: toOutput(output) };
      } catch (err) {
        outcome = failure(controller.signal, err);
      } finally {
        clearTimeout(timer);
      }
      await progress.flush();
      await settle(lease, outcome);
    })()
      .catch((err: unknown) => logger.error({ err, operation: record.id }, 'finishing an operation failed'))
      .finally(() => {
        if (running.get(record.id) === active) running.delete(record.id);
        void fill();
      });
  }

  function failure(signal: AbortSignal, err: unknown): Finish | 'release' | 'lost' {
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    if (isReason(reason, REASON.SHUTDOWN)) return 'release';
    if (isReason(reason, REASON.LEASE_LOST)) return 'lost';
    const error =
      reason instanceof ApiError && (reason.code === Code.CANCELLED || reason.code === Code.DEADLINE_EXCEEDED)
        ? reason
        : handlerError(err);
    return { state: error.code === Code.CANCELLED ? 'CANCELLED' : 'FAILED', error: toOperationError(error) };
  }

  async function settle(lease: Active['lease'], outcome: Finish | 'release' | 'lost'): Promise<void> {
    const { id } = lease;
    if (outcome === 'lost') return;
    if (outcome === 'release') {
      if (await store.release({ lease, now: now() })) bus.publish({ type: 'queued' });
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const finished = await store.finish({ lease, now: now(), result: outcome });
        if (finished) bus.publish({ type: 'done', id });
        return;
      } catch (err) {
        // The lease still protects the operation: if the store stays away, another attempt runs it.
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  async function heartbeat(): Promise<void> {
    const ids = [...running.keys()];
    if (ids.length === 0) return;
    try {
      const held = await store.heartbeat({ owner, leases: [...running.values()].map((a) => a.lease), leaseMs, now: now() });
      const heldIds = new Set(held.map((h) => h.id));
      for (const h of held) if (h.requestedCancellation) abortCancelled(h.id);
      for (const id of ids) {
        if (!heldIds.has(id)) running.get(id)?.controller.abort(leaseLost());
      }
    } catch (err) {
      logger.warn({ err }, 'renewing leases failed');
    }
  }

  async function rescue(): Promise<void> {
    try {
      const { requeued, finished } = await store.rescue({
        now: now(),
        exhausted: toOperationError(attemptsExhausted()),
        cancelled: toOperationError(cancelledWhileRunning()),
      });
      for (const id of finished) bus.publish({ type: 'done', id });
      if (requeued.length > 0) {
        logger.info({ operations: requeued }, 'requeued operations whose worker stopped renewing its lease');
        bus.publish({ type: 'queued' });
      }
    } catch (err) {
      logger.warn({ err }, 'rescuing expired leases failed');
    }
  }

  function abortCancelled(id: string): void {
    const active = running.get(id);
    if (active?.cancellable && !active.controller.signal.aborted) active.controller.abort(cancelledWhileRunning());
  }

  function every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      void fn().finally(() => (busy = false));
    }, ms);
    t.unref();
    timers.push(t);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe = bus.subscribe((event) => {
        if (event.type === 'queued') void fill();
        else if (event.type === 'cancel') {
          if (running.has(event.id)) abortCancelled(event.id);
          else if (claiming) cancelsWhileClaiming.add(event.id);
        }
      });
      every(opts.heartbeatMs, heartbeat);
      every(opts.rescueMs, rescue);
      every(opts.pollMs, fill);
      void rescue().then(fill);
    },
    async stop(graceMs) {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      for (const t of timers.splice(0)) clearInterval(t);
      const all = () => Promise.all([...running.values()].map((a) => a.settled));
      await Promise.race([all(), delay(graceMs)]);
      for (const a of running.values()) if (!a.controller.signal.aborted) a.controller.abort(shuttingDown());
      // Handlers that honour their signal release their operation now; the rest keep their lease until it expires.
      await Promise.race([all(), delay(Math.min(2000, Math.max(100, graceMs)))]);
    },
    runningIds: () => [...running.keys()],
  };
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function handlerError(err: unknown): ApiError {
  const error = ApiError.from(err);
  if (err instanceof ApiError) return error;
  return new ApiError(error.code, error.message, { reason: REASON.HANDLER_FAILED, metadata: { processed: 'true' }, cause: err });
}

/** A handler's return value as a JSON object (Operation.response is a Struct). */
function toOutput(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  const json: unknown = JSON.parse(JSON.stringify(value));
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as JsonObject) : { value: json as JsonObject[string] };
}
