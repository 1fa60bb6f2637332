/**
 * The store, counted: every change of an operation's life goes through one of a few store calls, whose
 * answers say exactly what happened (created or a repeated request id; which cancel outcome; finished or
 * fenced off), so counting their answers here counts each change once, whichever service or runner
 * asked for it, and nothing in the services or the runtime needs to know about metrics.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { operationName } from '../operations/names.js';
import type { BatchCancelResult, OperationStore } from '../store/operation-store.js';
import type { CancelClock } from './cancel-clock.js';
import type { CancelRequestOutcome, ServerMetrics } from './server-metrics.js';

export interface MeteredStoreOptions {
  metrics: ServerMetrics;
  cancels: CancelClock;
  logger: Logger;
}

/** A cancel result → its outcome label; undefined for a name that matched nothing (no kind to count it under). */
function outcomeOf(result: BatchCancelResult): CancelRequestOutcome | undefined {
  switch (result.outcome) {
    case 'cancelled':
      return 'cancelled_before_start';
    case 'requested':
      return 'requested';
    case 'already_done':
      return result.operation?.state === 'CANCELLED' ? 'already_cancelled' : 'already_done';
    case 'not_cancellable':
      return 'not_cancellable';
    case 'not_found':
      return undefined;
  }
}

export function meterStore(store: OperationStore, opts: MeteredStoreOptions): OperationStore {
  const { metrics, cancels, logger } = opts;

  /** One operation named by a cancel request that started at `at` (performance.now()). */
  function cancelled(result: BatchCancelResult, at: number): void {
    const outcome = outcomeOf(result);
    if (!outcome || !result.operation) return;
    metrics.cancelRequested(result.operation.kind, outcome);
    if (outcome === 'cancelled_before_start') {
      // Done by the cancel's own statement.
      metrics.operationFinished(result.operation);
      metrics.cancelLatency((performance.now() - at) / 1000);
    } else if (outcome === 'requested') {
      cancels.requested(result.id, at);
    }
  }

  return {
    get leaseClock() {
      return store.leaseClock;
    },
    async create(op) {
      const created = await store.create(op);
      if (created.created) metrics.operationStarted(op.kind);
      return created;
    },
    get: (id, principal) => store.get(id, principal),
    list: (query) => store.list(query),
    countByKindAndState: () => store.countByKindAndState(),
    countQueued: () => store.countQueued(),
    getByRequestId: (requestId, principal) => store.getByRequestId(requestId, principal),
    purgeDone: (args) => store.purgeDone(args),
    delete: (id) => store.delete(id),
    async requestCancel(id, now, cancelledBeforeStart) {
      const at = performance.now();
      const result = await store.requestCancel(id, now, cancelledBeforeStart);
      if (result) cancelled({ id, ...result }, at);
      return result;
    },
    async requestCancelMany(target, now, cancelledBeforeStart) {
      const at = performance.now();
      const outcome = await store.requestCancelMany(target, now, cancelledBeforeStart);
      // An id given twice is one operation: counted once.
      const seen = new Set<string>();
      for (const result of outcome.results) {
        if (seen.has(result.id)) continue;
        seen.add(result.id);
        cancelled(result, at);
      }
      return outcome;
    },
    claim: (args) => store.claim(args),
    heartbeat: (args) => store.heartbeat(args),
    progress: (args) => store.progress(args),
    async finish(args) {
      const record = await store.finish(args);
      if (record) metrics.operationFinished(record); // undefined: fenced off, nothing changed
      return record;
    },
    release: (args) => store.release(args),
    async rescue(args) {
      const result = await store.rescue(args);
      // Rescue answers ids only; what it ended (rare: a dead worker's last attempt, or a cancelled one) is read back.
      for (const id of result.finished) {
        store.get(id).then(
          (record) => record?.done && metrics.operationFinished(record),
          (err: unknown) => logger.debug({ err, operation: operationName(id) }, 'metrics: reading a rescued operation failed'),
        );
      }
      return result;
    },
    close: () => store.close(),
  };
}
