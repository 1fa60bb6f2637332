/** The one mapping from a stored row (SQLite or PostgreSQL) to an OperationRecord. */
import type { JsonObject } from '../proto/struct.js';
import type { OperationError, OperationRecord, OperationState } from './operation-store.js';

export type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export function rowToRecord(row: Row): OperationRecord {
  return {
    id: row.id as string,
    kind: row.kind as string,
    input: json<JsonObject>(row.input) ?? {},
    state: row.state as OperationState,
    done: Boolean(row.done),
    createTime: num(row.create_time),
    startTime: numOrNull(row.start_time),
    updateTime: num(row.update_time),
    endTime: numOrNull(row.end_time),
    progressPercent: num(row.progress_percent),
    statusMessage: (row.status_message as string) ?? '',
    requestedCancellation: Boolean(row.requested_cancellation),
    cancellable: Boolean(row.cancellable),
    attempt: num(row.attempt),
    maxAttempts: num(row.max_attempts),
    requestId: (row.request_id as string | null) ?? null,
    labels: json<Record<string, string>>(row.labels) ?? {},
    // Stored as '' when made without authentication: a NOT NULL column keeps (principal, request_id) unique.
    principal: (row.principal as string | null | undefined) || null,
    output: json<JsonObject>(row.output),
    error: json<OperationError>(row.error),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseExpiry: numOrNull(row.lease_expiry),
    leaseToken: num(row.lease_token ?? 0),
  };
}
