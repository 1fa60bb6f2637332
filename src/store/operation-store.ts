/**
 * OperationStore: the narrow, durable contract every store implements (SQLite, PostgreSQL).
 *
 * - Every method is atomic. Callers pass `now` (ms since epoch, UTC) for the timestamps they store.
 * - State moves QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED, or QUEUED → CANCELLED.
 *   Done records are never changed again (only deleted).
 * - Every claim gives a RUNNING record a lease: an owner, an expiry and a fencing token that changes on
 *   every claim. Heartbeat, progress, finish and release are accepted only with the current token, so an
 *   attempt that lost its lease (rescued, then claimed again, even by the same owner) changes nothing.
 * - Leases are kept on one clock: the caller's `now` where every caller shares one clock (SQLite: one
 *   machine), the database's own clock where instances on many machines share the store (PostgreSQL), so
 *   that clock skew between instances can never expire a live lease (`leaseClock`).
 * - `rescue` takes back every expired lease in one pass, in batches; stores shared by many instances let
 *   one instance at a time do it.
 * - A record created with a request id is found again by that id, also after it is done. Request ids are
 *   scoped to the record's principal: another principal's same id is another record.
 * - Done records may be purged (`purgeDone`, the retention task): by end time, oldest first, in small batches,
 *   with everything stored about them; records that are not done are never purged.
 * - A record belongs to the principal that created it (null: made without authentication). Reads given a
 *   principal see only that principal's records; to them another's record does not exist, and that is
 *   decided by the same query that reads it (no second query that a stopwatch could tell apart).
 * The contract suite in test/contract/ is the executable form of this text.
 */
import type { JsonObject } from '../proto/struct.js';
import type { ListQuery } from './query.js';

export type { ListQuery };

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
  /** Labels given at start (`session=…` and the like). */
  labels: Record<string, string>;
  /** The `sub` of the token that started it; null when it was started without authentication. */
  principal: string | null;
  output: JsonObject | null;
  error: OperationError | null;
  leaseOwner: string | null;
  /** On the store's lease clock (see `leaseClock`). */
  leaseExpiry: number | null;
  /** The fencing token of the current (or last) claim; 0 before the first. */
  leaseToken: number;
}

/** One claim of one record, as its holder knows it. */
export interface Lease {
  id: string;
  owner: string;
  /** The record's `leaseToken` when it was claimed. */
  token: number;
}

export interface NewOperation {
  id: string;
  kind: string;
  input: JsonObject;
  cancellable: boolean;
  maxAttempts: number;
  requestId: string | null;
  labels: Record<string, string>;
  /** Whose it is (a token's `sub`); absent or null when started without authentication. */
  principal?: string | null;
  now: number;
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

/** A handler's progress report: 0–100, and a status message (null keeps the last one). */
export interface ProgressReport {
  percent: number;
  message: string | null;
}

export interface HeartbeatResult {
  id: string;
  requestedCancellation: boolean;
}

/** What a batch cancel did to one record; besides requestCancel's outcomes, two it checks itself. */
export type BatchCancelOutcome = CancelOutcome | 'not_cancellable' | 'not_found';

export interface BatchCancelResult {
  id: string;
  outcome: BatchCancelOutcome;
  /** The record after the call; absent when not found. */
  operation?: OperationRecord;
}

/**
 * The records a batch cancel visits: these ids (in this order; with `principal`, another's id is
 * 'not_found'), or one page of a List query's matches.
 */
export type BatchCancelTarget = { ids: string[]; principal?: string } | { query: ListQuery };

/** How many records there are of one kind in one state (`countByKindAndState`). */
export interface KindStateCount {
  kind: string;
  state: OperationState;
  count: number;
}

export interface RescueResult {
  /** Back to QUEUED for another attempt. */
  requeued: string[];
  /** Done now: attempts exhausted (ABORTED) or cancel requested (CANCELLED). */
  finished: string[];
}

export interface OperationStore {
  /**
   * Stores a QUEUED operation; with a request id the same principal already used, returns that record
   * instead (created: false).
   */
  create(op: NewOperation): Promise<{ operation: OperationRecord; created: boolean }>;
  /** With `principal`, only that principal's record: another's is undefined, exactly as a missing one. */
  get(id: string, principal?: string): Promise<OperationRecord | undefined>;
  list(query: ListQuery): Promise<OperationRecord[]>;
  /**
   * Every record counted by kind and state, everyone's (for operators' metrics; no principal applies):
   * one row per pair that has records, none for pairs that have none.
   */
  countByKindAndState(): Promise<KindStateCount[]>;
  /** Removes a done record. */
  delete(id: string): Promise<'deleted' | 'not_found' | 'not_done'>;
  /**
   * Removes up to `limit` done records whose end is before `before` (ms), oldest end first, with their
   * labels; returns their ids. Several instances may purge at once: each record goes once, nobody waits.
   */
  purgeDone(args: { before: number; limit: number }): Promise<string[]>;
  /** How many records are QUEUED, of every kind and principal: the queue `--max-queued` bounds. */
  countQueued(): Promise<number>;
  /** The record this principal (null: none, no authentication) created with this request id, if any. */
  getByRequestId(requestId: string, principal: string | null): Promise<OperationRecord | undefined>;
  /**
   * Records a cancel request. QUEUED → CANCELLED with `cancelledBeforeStart`; RUNNING → requested_cancellation.
   * Undefined when there is no such record.
   */
  requestCancel(
    id: string,
    now: number,
    cancelledBeforeStart: OperationError,
  ): Promise<{ outcome: CancelOutcome; operation: OperationRecord } | undefined>;

  /**
   * Cancels many records at once, each exactly as requestCancel would, except that records of kinds that
   * cannot be cancelled are left alone ('not_cancellable', done or not). One transaction (one round trip where the
   * store allows it) for all of them. For a query, the results are its page in List order, and `more`
   * says whether matches remain beyond it.
   */
  requestCancelMany(
    target: BatchCancelTarget,
    now: number,
    cancelledBeforeStart: OperationError,
  ): Promise<{ results: BatchCancelResult[]; more: boolean }>;

  /** Whose clock leases are set and compared on: the caller's `now`, or the store's own. */
  readonly leaseClock: 'caller' | 'store';

  /**
   * Claims up to `limit` QUEUED records of the given kinds, oldest first: RUNNING, attempt + 1, leased to
   * `owner` for `leaseMs` with a new fencing token.
   */
  claim(args: { owner: string; kinds: string[]; limit: number; leaseMs: number; now: number }): Promise<OperationRecord[]>;
  /** Extends the leases still held (same owner and token); returns those (the others were lost). */
  heartbeat(args: { owner: string; leases: { id: string; token: number }[]; leaseMs: number; now: number }): Promise<HeartbeatResult[]>;
  /** Stores progress of a held lease; false when it is no longer held. */
  progress(args: { lease: Lease; percent: number; message: string | null; now: number }): Promise<boolean>;
  /**
   * Ends the record of a held lease; undefined when it is no longer held (lease lost). `progress`, the last
   * report not stored yet, is stored with it (SUCCEEDED sets 100 % whatever it says).
   */
  finish(args: { lease: Lease; now: number; result: Finish; progress?: ProgressReport }): Promise<OperationRecord | undefined>;
  /** Gives a held record back to the queue without using up an attempt (graceful shutdown), with its last progress. */
  release(args: { lease: Lease; now: number; progress?: ProgressReport }): Promise<boolean>;
  /**
   * Takes back every RUNNING record whose lease expired (on the lease clock): requeued, or done when its
   * attempts are used up or its cancel was requested. Loops in batches until none is left.
   */
  rescue(args: { now: number; exhausted: OperationError; cancelled: OperationError }): Promise<RescueResult>;

  close(): Promise<void>;
}
