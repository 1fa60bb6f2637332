/**
 * The runner: claims QUEUED operations up to `concurrency`, runs each handler with an OperationContext,
 * and settles it in the store under the attempt's lease (owner + fencing token), so nothing an attempt
 * does after losing its lease is stored. Around it, three timers keep the instance honest:
 * - heartbeat: renews every lease it holds; a lease it lost aborts that attempt with `lease_lost`, and so
 *   does one it could not renew in time (the store away), before the lease runs out; a cancel request it
 *   missed (a lost notification) is found here too — the polling fallback of cancel delivery;
 * - rescue: takes back operations whose lease expired (their worker died): requeue, or end them;
 * - poll: claims even when no 'queued' event arrived.
 * Cancels arrive as 'cancel' events and abort the handler's signal directly.
 *
 * Draining (`stop`) stops claiming only: heartbeats and cancel delivery go on until every attempt has
 * settled or been given back, so a draining instance never lets its work run twice at once, and a cancel
 * sent during the grace period still reaches the handler.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.js';
import type { Lease, OperationRecord, OperationStore } from '../store/operation-store.js';
import { attemptsExhausted, cancelledWhileRunning, leaseLost, shuttingDown, timedOut, toOperationError } from './abort-reasons.js';
import { outcomeOfReturn, outcomeOfThrow, type Outcome } from './attempt-outcome.js';
import type { Kind } from './kind.js';
import { createOperationContext } from './operation-context.js';
import { operationName } from './operation-name.js';
import { createProgressWriter, type ProgressWriter } from './progress-writer.js';
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
  /** The instance's wall clock, for stored timestamps (and SQLite's leases); injectable for tests. */
  now?: () => number;
  /** After a kind's timeout fires, how long its handler may take to settle before its slot is freed. */
  abandonAfterMs?: number;
  /** The shortest time between two progress writes of one operation (the last report always lands). */
  progressIntervalMs?: number;
}

export interface Runner {
  start(): void;
  /**
   * Drains: stops claiming at once; lets running handlers finish for up to `graceMs`, still renewing their
   * leases and delivering cancels; then aborts the cancellable ones with the shutdown reason, which gives
   * their operations back to the queue (a handler deaf to it is given back after a short wait). Attempts of
   * kinds that cannot be cancelled are never interrupted: they are waited for (their timeout bounds them).
   */
  stop(graceMs: number): Promise<void>;
  /** Ids of the operations this instance runs now. */
  runningIds(): string[];
}

interface Attempt {
  lease: Lease;
  kind: Kind;
  controller: AbortController;
  progress: ProgressWriter;
  /** Monotonic time at which the claim or heartbeat that last renewed the lease was sent. */
  renewedAt: number;
  /** No longer renewed: its lease was lost (or given back while the handler still ran). */
  detached: boolean;
  /** Resolves once the attempt is settled in the store and its slot is free. */
  settled: Promise<void>;
}

const ABANDON_AFTER_MS = 1_000;
/** After the shutdown abort, how long handlers get to give their operations back themselves. */
const RELEASE_WAIT_MS = 2_000;

export function createRunner(opts: RunnerOptions): Runner {
  const { store, registry, bus, logger, owner, concurrency, leaseMs } = opts;
  const now = opts.now ?? Date.now;
  const abandonAfterMs = opts.abandonAfterMs ?? ABANDON_AFTER_MS;
  const running = new Map<string, Attempt>();
  const cancelsWhileClaiming = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  let phase: 'stopped' | 'running' | 'draining' = 'stopped';
  let claiming = false;
  let claimAgain = false;
  let unsubscribe: (() => void) | undefined;

  async function fill(): Promise<void> {
    if (phase !== 'running') return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    try {
      do {
        claimAgain = false;
        while (phase === 'running' && running.size < concurrency) {
          const limit = concurrency - running.size;
          const sentAt = performance.now();
          const batch = await store.claim({ owner, kinds: registry.names(), limit, leaseMs, now: now() });
          for (const record of batch) {
            launch(record, sentAt);
            bus.publish({ type: 'progress', id: record.id }); // QUEUED → RUNNING: watchers read it again
          }
          if (batch.length < limit) break;
        }
      } while (claimAgain && phase === 'running');
    } catch (err) {
      logger.warn({ err }, 'claiming operations failed; retrying on the next poll');
    } finally {
      claiming = false;
      cancelsWhileClaiming.clear();
    }
  }

  function launch(record: OperationRecord, claimedAt: number): void {
    const kind = registry.get(record.kind);
    if (!kind) return; // claim only takes registered kinds
    const lease: Lease = { id: record.id, owner, token: record.leaseToken };
    const attempt: Attempt = {
      lease,
      kind,
      controller: new AbortController(),
      progress: createProgressWriter({ store, bus, lease, now, logger, intervalMs: opts.progressIntervalMs }),
      renewedAt: claimedAt,
      detached: false,
      settled: Promise.resolve(),
    };
    // A stalled attempt of ours whose lease was taken back may still be here: it lost the operation.
    const stale = running.get(record.id);
    if (stale) loseLease(stale);
    running.set(record.id, attempt);
    if (kind.cancellable && (record.requestedCancellation || cancelsWhileClaiming.has(record.id))) {
      attempt.controller.abort(cancelledWhileRunning());
    }
    attempt.settled = run(attempt, record)
      .then((outcome) => settle(attempt, outcome))
      .catch((err: unknown) => logger.error({ err, operation: operationName(record.id) }, 'finishing an operation failed'))
      .finally(() => {
        if (running.get(record.id) === attempt) running.delete(record.id);
        void fill();
      });
  }

  /** Runs the handler to an outcome; at the kind's timeout the signal fires, and a handler deaf to it is abandoned. */
  async function run(attempt: Attempt, record: OperationRecord): Promise<Outcome> {
    const { controller, kind } = attempt;
    const ctx = createOperationContext({
      id: record.id,
      kind: record.kind,
      attempt: record.attempt,
      signal: controller.signal,
      progress: attempt.progress.report,
    });
    let deadline: NodeJS.Timeout | undefined;
    let abandon: NodeJS.Timeout | undefined;
    const abandoned = new Promise<Outcome>((resolve) => {
      deadline = setTimeout(() => {
        controller.abort(timedOut(kind.timeoutMs));
        abandon = setTimeout(() => {
          logger.warn(
            { operation: operationName(record.id), kind: kind.name },
            'a handler did not stop after its timeout; its slot is freed and nothing it does is stored',
          );
          resolve(outcomeOfThrow(controller.signal, undefined));
        }, abandonAfterMs);
      }, kind.timeoutMs);
    });
    try {
      const handled = (async () => outcomeOfReturn(controller.signal, await kind.handler(record.input, ctx)))().catch((err: unknown) =>
        outcomeOfThrow(controller.signal, err),
      );
      return await Promise.race([handled, abandoned]);
    } finally {
      clearTimeout(deadline);
      clearTimeout(abandon);
    }
  }

  async function settle(attempt: Attempt, outcome: Outcome): Promise<void> {
    const progress = await attempt.progress.settle(); // the last report lands with the end, in one statement
    if (outcome === 'lost') return;
    const { lease } = attempt;
    if (outcome === 'release') {
      if (await store.release({ lease, now: now(), progress })) announceRequeued([lease.id]);
      return;
    }
    for (let tries = 1; ; tries++) {
      try {
        // Fenced: refused if another attempt took the operation over in the meantime.
        if (await store.finish({ lease, now: now(), result: outcome.finish, progress })) bus.publish({ type: 'done', id: lease.id });
        return;
      } catch (err) {
        // While the lease may still be ours, retry; after that the operation belongs to the next attempt.
        if (tries >= 5 || performance.now() - attempt.renewedAt > leaseMs) throw err;
        await delay(100 * 2 ** tries);
      }
    }
  }

  /** The attempt lost its lease: it is no longer renewed, and its signal fires (the handler stores nothing). */
  function loseLease(attempt: Attempt): void {
    attempt.detached = true;
    if (!attempt.controller.signal.aborted) attempt.controller.abort(leaseLost());
  }

  async function heartbeat(): Promise<void> {
    const attempts = [...running.values()].filter((a) => !a.detached);
    if (attempts.length === 0) return;
    const sentAt = performance.now();
    try {
      const held = await store.heartbeat({ owner, leases: attempts.map((a) => a.lease), leaseMs, now: now() });
      const byId = new Map(held.map((h) => [h.id, h]));
      for (const a of attempts) {
        const h = byId.get(a.lease.id);
        if (!h) {
          loseLease(a);
          continue;
        }
        a.renewedAt = sentAt;
        if (h.requestedCancellation) abortCancelled(a);
      }
    } catch (err) {
      logger.warn({ err }, 'renewing leases failed');
    }
  }

  /**
   * Stops an attempt whose lease could not be renewed in time, before it expires: once less than half a
   * heartbeat is left, another instance may take the operation over the moment it runs out. Separate from
   * the heartbeat, which may itself be what hangs (a database that stopped answering).
   */
  function watchLeases(): void {
    const overdue = performance.now() - (leaseMs - opts.heartbeatMs / 2);
    for (const a of running.values()) {
      if (!a.detached && a.renewedAt < overdue) {
        logger.warn({ operation: operationName(a.lease.id) }, 'the lease could not be renewed in time; stopping this attempt before another one starts');
        loseLease(a);
      }
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
        logger.info(
          { operations: requeued.length > 20 ? `${requeued.length} operations` : requeued.map(operationName) },
          'requeued operations whose worker stopped renewing its lease',
        );
        announceRequeued(requeued);
      }
    } catch (err) {
      logger.warn({ err }, 'rescuing expired leases failed');
    }
  }

  /** Back in the queue: idle workers claim, watchers read them again (RUNNING → QUEUED). */
  function announceRequeued(ids: string[]): void {
    for (const id of ids) bus.publish({ type: 'progress', id });
    bus.publish({ type: 'queued' });
  }

  function abortCancelled(attempt: Attempt): void {
    if (attempt.kind.cancellable && !attempt.controller.signal.aborted) attempt.controller.abort(cancelledWhileRunning());
  }

  /** A handler deaf to its shutdown signal: its operation goes back to the queue now, fenced from it. */
  async function giveBack(attempt: Attempt): Promise<void> {
    attempt.detached = true;
    if (running.get(attempt.lease.id) === attempt) running.delete(attempt.lease.id);
    logger.warn({ operation: operationName(attempt.lease.id) }, 'a handler ignored the shutdown signal; its operation goes back to the queue');
    try {
      if (await store.release({ lease: attempt.lease, now: now() })) announceRequeued([attempt.lease.id]);
    } catch (err) {
      logger.warn({ err, operation: operationName(attempt.lease.id) }, 'giving an operation back failed; it runs again once its lease expires');
    }
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
      if (phase !== 'stopped') return;
      phase = 'running';
      unsubscribe = bus.subscribe((event) => {
        if (event.type === 'queued') void fill();
        else if (event.type === 'cancel') {
          const attempt = running.get(event.id);
          if (attempt) abortCancelled(attempt);
          else if (claiming) cancelsWhileClaiming.add(event.id);
        }
      });
      every(opts.heartbeatMs, heartbeat);
      every(Math.max(10, opts.heartbeatMs / 4), async () => watchLeases());
      every(opts.rescueMs, rescue);
      every(opts.pollMs, fill);
      void rescue().then(fill);
    },
    async stop(graceMs) {
      if (phase !== 'running') return;
      phase = 'draining';
      const settledAll = () => Promise.all([...running.values()].map((a) => a.settled));
      await Promise.race([settledAll(), delay(graceMs)]);
      const interruptible = [...running.values()].filter((a) => a.kind.cancellable);
      for (const a of interruptible) if (!a.controller.signal.aborted) a.controller.abort(shuttingDown());
      await Promise.race([Promise.all(interruptible.map((a) => a.settled)), delay(RELEASE_WAIT_MS)]);
      await Promise.all(interruptible.filter((a) => running.get(a.lease.id) === a).map(giveBack));
      // What is left cannot be cancelled, so it is not interrupted either: its leases stay renewed till it ends.
      if (running.size > 0) logger.info({ operations: [...running.keys()].map(operationName) }, 'waiting for operations that cannot be interrupted');
      await settledAll();
      phase = 'stopped';
      unsubscribe?.();
      for (const t of timers.splice(0)) clearInterval(t);
    },
    runningIds: () => [...running.keys()],
  };
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
