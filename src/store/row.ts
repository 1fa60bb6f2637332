/**
 * The one mapping from a stored row (SQLite or PostgreSQL) to an OperationRecord, from an object row or,
 * cheaper for hot reads, from the values of `RECORD_COLUMNS` in that order (a raw row).
 */
import type { JsonObject } from '../proto/struct.js';
import type { OperationError, OperationRecord, OperationState } from './operation-store.js';

export type Row = Record<string, unknown>;

export const RECORD_COLUMNS = [
  'id',
  'kind',
  'input',
  'state',
  'done',
  'create_time',
  'start_time',
  'update_time',
  'end_time',
  'progress_percent',
  'status_message',
  'requested_cancellation',
  'cancellable',
  'attempt',
  'max_attempts',
  'request_id',
  'labels',
  'output',
  'error',
  'lease_owner',
  'lease_expiry',
  'lease_token',
  'principal',
] as const;

/** The column list of a record, for `SELECT ${RECORD_SELECT} …` whose raw rows `valuesToRecord` maps. */
export const RECORD_SELECT = RECORD_COLUMNS.join(', ');

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function build(v: (column: number) => unknown): OperationRecord {
  return {
    id: v(0) as string,
    kind: v(1) as string,
    input: json<JsonObject>(v(2)) ?? {},
    state: v(3) as OperationState,
    done: Boolean(v(4)),
    createTime: num(v(5)),
    startTime: numOrNull(v(6)),
    updateTime: num(v(7)),
    endTime: numOrNull(v(8)),
    progressPercent: num(v(9)),
    statusMessage: (v(10) as string) ?? '',
    requestedCancellation: Boolean(v(11)),
    cancellable: Boolean(v(12)),
    attempt: num(v(13)),
    maxAttempts: num(v(14)),
    requestId: (v(15) as string | null) ?? null,
    labels: json<Record<string, string>>(v(16)) ?? {},
    // Stored as '' when made without authentication: a NOT NULL column keeps (principal, request_id) unique.
    principal: (v(22) as string | null | undefined) || null,
    output: json<JsonObject>(v(17)),
    error: json<OperationError>(v(18)),
    leaseOwner: (v(19) as string | null) ?? null,
    leaseExpiry: numOrNull(v(20)),
    leaseToken: num(v(21) ?? 0),
  };
}

export function rowToRecord(row: Row): OperationRecord {
  return build((i) => row[RECORD_COLUMNS[i]!]);
}

/** A raw row (values in RECORD_COLUMNS order) → OperationRecord. */
export function valuesToRecord(values: unknown[]): OperationRecord {
  return build((i) => values[i]);
}
