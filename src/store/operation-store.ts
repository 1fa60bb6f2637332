/**
 * OperationStore: the narrow, durable contract every store implements (SQLite, PostgreSQL).
 *
 * - Every method is atomic. Callers pass `now` (ms since epoch, UTC) so leases and timestamps are
 *   testable without a clock.
 * - State moves QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED, or QUEUED → CANCELLED.
 *   Done records are never changed again (only deleted).
 * - A RUNNING record holds a lease (owner, expiry). Only the owner may heartbeat, report progress, finish or
 *   release it, and only until `rescue` takes an expired lease back (the first to act wins).
 * - A record created with a request id is found again by that id, also after it is done.
 * The contract suite in test/contract/ is the executable form of this text.
 */
import type { JsonObject } from '../proto/struct.js';
import type { FilterExpr } from '../operations/filter.js';

export type OperationState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const DONE_STATES: readonly OperationState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A stored terminal error: google.rpc.Status with one ErrorInfo. */
export interface OperationError {
  code: number;
  message: string;
  reason: string;
  metadata: Record<string, string>;
}

export interface OperationRecord {
  id: string;
  /** Kind name without the `kinds/` prefix, e.g. `demo.sleep`. */
  kind: string;
  input: JsonObject;
  state: OperationState;
  done: boolean;
  createTime: number;
  startTime: number | null;
  updateTime: number;
  endTime: number | null;
  progressPercent: number;
  statusMessage: string;
  requestedCancellation: boolean;
  cancellable: boolean;
  attempt: number;
  maxAttempts: number;
  requestId: string | null;
  output: JsonObject | null;
  error: OperationError | null;
  leaseOwner: string | null;
  leaseExpiry: number | null;
}

export interface NewOperation {
  id: string;
  kind: string;
  input: JsonObject;
  cancellable: boolean;
  maxAttempts: number;
  requestId: string | null;
  now: number;
}

export interface ListQuery {
  filter: FilterExpr | null;
  /** Newest first: only records whose id sorts before this one. */
  beforeId: string | null;
  limit: number;
}

export type CancelOutcome =
  /** It was queued: now CANCELLED, its handler will never run. */
  | 'cancelled'
  /** It is running: requested_cancellation is now set; the owner must be told. */
  | 'requested'
  /** It was already done: nothing changed. */
  | 'already_done';

export type Finish =
  | { state: 'SUCCEEDED'; output: JsonObject }
  | { state: 'FAILED' | 'CANCELLED'; error: OperationError };

export interface HeartbeatResult {
  id: string;
  requestedCancellation: boolean;
}

export interface RescueResult {
  /** Back to QUEUED for another attempt. */
  requeued: string[];
  /** Done now: attempts exhausted (ABORTED) or cancel requested (CANCELLED). */
  finished: string[];
}

export interface OperationStore {
  /** Stores a QUEUED operation; with a request id already stored, returns that record instead (created: false). */
  create(op: NewOperation): Promise<{ operation: OperationRecord; created: boolean }>;
  get(id: string): Promise<OperationRecord | undefined>;
  list(query: ListQuery): Promise<OperationRecord[]>;
  /** Removes a done record. */
  delete(id: string): Promise<'deleted' | 'not_found' | 'not_done'>;
  /**
   * Records a cancel request. QUEUED → CANCELLED with `cancelledBeforeStart`; RUNNING → requested_cancellation.
   * Undefined when there is no such record.
   */
  requestCancel(
    id: string,
    now: number,
    cancelledBeforeStart: OperationError,
  ): Promise<{ outcome: CancelOutcome; operation: OperationRecord } | undefined>;

  /** Claims up to `limit` QUEUED records of the given kinds, oldest first: RUNNING, attempt + 1, leased. */
  claim(args: { owner: string; kinds: string[]; limit: number; leaseMs: number; now: number }): Promise<OperationRecord[]>;
  /** Extends the leases the owner still holds; returns those (the others were lost). */
  heartbeat(args: { owner: string; ids: string[]; leaseMs: number; now: number }): Promise<HeartbeatResult[]>;
  /** Stores progress of a record the owner holds; false when it no longer holds it. */
  progress(args: { id: string; owner: string; percent: number; message: string | null; now: number }): Promise<boolean>;
  /** Ends a record the owner holds; undefined when it no longer holds it (lease lost). */
  finish(args: { id: string; owner: string; now: number; result: Finish }): Promise<OperationRecord | undefined>;
  /** Gives a held record back to the queue without using up an attempt (graceful shutdown). */
  release(args: { id: string; owner: string; now: number }): Promise<boolean>;
  /** Takes back RUNNING records whose lease expired before `now`. */
  rescue(args: { now: number; exhausted: OperationError; cancelled: OperationError }): Promise<RescueResult>;

  close(): Promise<void>;
}
