/** google.longrunning.Operations, transport-agnostic: both gRPC and HTTP/JSON call these functions. */
import { ApiError, invalidArgument } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';
import { durationToMs, type DurationMessage } from '../proto/time.js';
import type { Waiters } from '../runtime/waiters.js';
import type { OperationRecord, OperationStore } from '../store/operation-store.js';
import { visibleTo, type CallContext } from './call-context.js';
import { operationNotFound, type Canceller } from './canceller.js';
import { parseFilter } from './filter.js';
import { parseOperationName } from './names.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { withBinaryForm, withJsonForm } from '../proto/json-form.js';
import { listBytes, operationBytes } from './operation-binary.js';
import { operationJson } from './operation-json.js';
import { toOperation, type OperationMessage } from './to-operation.js';
import type { WaiterSlots } from './waiter-slots.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface NameRequest {
  name: string;
}
export interface ListOperationsRequest {
  name?: string;
  filter?: string;
  pageSize?: number;
  pageToken?: string;
}
export interface WaitOperationRequest {
  name: string;
  timeout?: DurationMessage | null;
}

export interface OperationsServiceOptions {
  store: OperationStore;
  canceller: Canceller;
  waiters: Waiters;
  /** WaitOperation's longest wait, and the wait when the request names none. */
  waitCapMs: number;
  /** --max-waiters, shared with WatchOperation: a Wait holds a slot from its first read to its answer. */
  slots: WaiterSlots;
}

/** How long before the client's deadline WaitOperation answers, so the answer arrives in time. */
function deadlineMargin(remainingMs: number): number {
  return Math.min(250, Math.max(50, remainingMs * 0.1));
}

export function createOperationsService(opts: OperationsServiceOptions) {
  const { store, canceller, waiters, slots } = opts;

  /**
   * Reads shared by the Waits of one operation: when it ends, every Wait on it wakes at once, and one
   * store read (and one rendering of the answer) serves them all. Unscoped: each Wait has already read
   * the operation as its caller (load), and an operation never changes hands.
   */
  const reading = new Map<string, Promise<OperationRecord | undefined>>();
  function readShared(id: string): Promise<OperationRecord | undefined> {
    let read = reading.get(id);
    if (!read) {
      read = store.get(id).finally(() => reading.delete(id));
      reading.set(id, read);
    }
    return read;
  }

  /** Another principal's operation is not found, exactly as one that never existed (one scoped read). */
  async function load(nameValue: unknown, ctx: CallContext): Promise<OperationRecord> {
    const id = parseOperationName(nameValue);
    const record = id === undefined ? undefined : await store.get(id, visibleTo(ctx));
    if (!record) throw operationNotFound(String(nameValue));
    return record;
  }

  return {
    async ListOperations(req: ListOperationsRequest, ctx: CallContext) {
      if (req.name && req.name !== 'operations') {
        throw invalidArgument(`name ${JSON.stringify(req.name)} is not a collection; use "operations" or leave it empty`, Reason.INVALID_NAME, {
          field: 'name',
        });
      }
      const pageSize = req.pageSize ?? 0;
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size must not be negative', Reason.INVALID_PAGE_SIZE, { field: 'page_size' });
      }
      const limit = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
      const filterText = req.filter ?? '';
      const filter = parseFilter(filterText);
      const beforeId = req.pageToken ? decodePageToken(req.pageToken, filterText) : null;
      const rows = await store.list({ filter, beforeId, limit: limit + 1, principal: visibleTo(ctx) });
      const page = rows.slice(0, limit);
      const operations = page.map(toOperation);
      const nextPageToken = rows.length > limit ? encodePageToken(page[page.length - 1]!.id, filterText) : '';
      const response = withJsonForm({ operations, nextPageToken, unreachable: [] as string[] }, (numericEnums) =>
        // As proto3 JSON prints it: empty repeated fields left out, the token always there.
        page.length > 0 ? { operations: page.map((r) => operationJson(r, numericEnums)), nextPageToken } : { nextPageToken },
      );
      return withBinaryForm(response, () => listBytes(page.map(operationBytes), nextPageToken));
    },

    async GetOperation(req: NameRequest, ctx: CallContext): Promise<OperationMessage> {
      return toOperation(await load(req.name, ctx));
    },

    async DeleteOperation(req: NameRequest, ctx: CallContext) {
      const record = await load(req.name, ctx);
      const result = await store.delete(record.id);
      if (result === 'not_found') throw operationNotFound(req.name);
      if (result === 'not_done') {
        throw new ApiError(Code.FAILED_PRECONDITION, `${req.name} is not done; cancel it or wait for it before deleting it`, {
          reason: Reason.OPERATION_NOT_DONE,
          metadata: { name: req.name },
        });
      }
      return {};
    },

    async CancelOperation(req: NameRequest, ctx: CallContext) {
      const id = parseOperationName(req.name);
      if (id === undefined) throw operationNotFound(String(req.name));
      try {
        // Scoped in the cancel's own statement: another principal's operation is not found, as a missing one.
        await canceller.cancelById(id, visibleTo(ctx));
      } catch (err) {
        // The name as the caller spelled it, as every other method answers NOT_FOUND.
        if (err instanceof ApiError && err.reason === Reason.OPERATION_NOT_FOUND) throw operationNotFound(String(req.name));
        throw err;
      }
      return {};
    },

    async WaitOperation(req: WaitOperationRequest, ctx: CallContext): Promise<OperationMessage> {
      const release = slots.take();
      try {
        return await waitFor(req, ctx);
      } finally {
        release();
      }
    },
  };

  /** WaitOperation's work, done while it holds its slot. */
  async function waitFor(req: WaitOperationRequest, ctx: CallContext): Promise<OperationMessage> {
    let waitMs = opts.waitCapMs;
    if (req.timeout) {
      const ms = durationToMs(req.timeout);
      if (Number.isNaN(ms)) throw invalidArgument('timeout is not a valid duration', Reason.INVALID_TIMEOUT, { field: 'timeout' });
      if (ms < 0) throw invalidArgument('timeout must not be negative', Reason.INVALID_TIMEOUT, { field: 'timeout' });
      waitMs = Math.min(ms, opts.waitCapMs);
    }
    if (ctx.deadline !== undefined && Number.isFinite(ctx.deadline)) {
      const remaining = ctx.deadline - Date.now();
      waitMs = Math.min(waitMs, remaining - deadlineMargin(remaining));
    }
    let record = await load(req.name, ctx);
    if (record.done || waitMs <= 0) return toOperation(record);

    // The waiter is registered before the re-read, so a 'done' between the two is not lost. It ends
    // when the call's signal fires too: the client went away, its deadline came, or the server drains.
    const waiter = waiters.wait(record.id, waitMs, ctx.signal);
    try {
      record = await load(req.name, ctx);
      if (!record.done) {
        await waiter.woken;
        const again = await readShared(record.id);
        if (!again) throw operationNotFound(req.name);
        record = again;
      }
    } finally {
      waiter.release();
    }
    return toOperation(record);
  }
}

