/**
 * Cancelling, in one place for every way in: CancelOperation, BatchCancelOperations and a Watch whose
 * client went away with cancel_on_disconnect. Each records the request durably first, then tells whoever
 * needs to know (the bus: 'done' wakes waiters and watchers, 'cancel' reaches the instance running it),
 * and answers with the same code and ErrorInfo whichever way it came.
 */
import { ApiError, notFound } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';
import type { EventBus } from '../events/event-bus.js';
import { cancelledBeforeStart, toOperationError } from '../runtime/abort-reasons.js';
import type { BatchCancelResult, BatchCancelTarget, OperationRecord, OperationStore } from '../store/operation-store.js';
import { operationName } from './names.js';

export const operationNotFound = (name: string) => notFound(`${name} does not exist`, Reason.OPERATION_NOT_FOUND, { name });

export const notCancellable = (name: string, kind: string) =>
  new ApiError(Code.UNIMPLEMENTED, `operations of kinds/${kind} cannot be cancelled`, {
    reason: Reason.CANCELLATION_NOT_SUPPORTED,
    metadata: { name, kind: `kinds/${kind}` },
  });

const alreadyDone = (name: string, state: string) =>
  new ApiError(Code.FAILED_PRECONDITION, `${name} is already done (${state})`, {
    reason: Reason.OPERATION_ALREADY_DONE,
    metadata: { name, state },
  });

/** What CancelOperation answers for one result: undefined for OK, else the error. */
export function cancelError(result: BatchCancelResult): ApiError | undefined {
  const name = operationName(result.id);
  switch (result.outcome) {
    case 'cancelled':
    case 'requested':
      return undefined;
    case 'already_done':
      return result.operation?.state === 'CANCELLED' ? undefined : alreadyDone(name, result.operation?.state ?? 'done');
    case 'not_cancellable':
      return notCancellable(name, result.operation?.kind ?? '');
    case 'not_found':
      return operationNotFound(name);
  }
}

export interface Canceller {
  /** Cancels one operation the caller has loaded; throws what CancelOperation answers when it is not OK. */
  cancel(record: OperationRecord): Promise<void>;
  /**
   * Cancels one operation by id in a single store call (no read first: the cancel's own statement tells
   * a kind that cannot be cancelled, and changes nothing then); throws what CancelOperation answers.
   * With `principal`, another principal's operation is not found, by that same call.
   */
  cancelById(id: string, principal?: string): Promise<void>;
  /** Cancels many at once (one store transaction); every result, OK or not, comes back. */
  cancelMany(target: BatchCancelTarget): Promise<{ results: BatchCancelResult[]; more: boolean }>;
}

export function createCanceller(store: OperationStore, bus: EventBus): Canceller {
  const announce = (result: BatchCancelResult) => {
    if (result.outcome === 'cancelled') bus.publish({ type: 'done', id: result.id });
    else if (result.outcome === 'requested') bus.publish({ type: 'cancel', id: result.id });
  };
  return {
    async cancel(record) {
      // Never touch the store for a kind that cannot be cancelled.
      if (!record.cancellable) throw notCancellable(operationName(record.id), record.kind);
      const stored = await store.requestCancel(record.id, Date.now(), toOperationError(cancelledBeforeStart()));
      const result: BatchCancelResult = stored ? { id: record.id, ...stored } : { id: record.id, outcome: 'not_found' };
      announce(result);
      const error = cancelError(result);
      if (error) throw error;
    },
    async cancelById(id, principal) {
      const { results } = await store.requestCancelMany({ ids: [id], principal }, Date.now(), toOperationError(cancelledBeforeStart()));
      const result = results[0] ?? { id, outcome: 'not_found' };
      announce(result);
      const error = cancelError(result);
      if (error) throw error;
    },
    async cancelMany(target) {
      const outcome = await store.requestCancelMany(target, Date.now(), toOperationError(cancelledBeforeStart()));
      outcome.results.forEach(announce);
      return outcome;
    },
  };
}
