/** The SDK's data: operations with their metadata decoded, kinds, and the outcome of a cancel. */
import type { CodeName } from '../errors/code.js';
import type { JsonObject } from '../proto/struct.js';

export type { JsonObject, JsonValue } from '../proto/struct.js';
export type { CodeName, CodeNumber } from '../errors/code.js';

export type OperationState = 'STATE_UNSPECIFIED' | 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** lro.v1.OperationMetadata in proto3 JSON spelling, with every scalar present (defaults filled in). */
export interface OperationMetadata {
  /** e.g. `kinds/demo.sleep`. */
  kind: string;
  state: OperationState;
  /** RFC 3339 timestamps; absent until the moment has happened. */
  createTime?: string;
  startTime?: string;
  updateTime?: string;
  endTime?: string;
  progressPercent: number;
  statusMessage: string;
  requestedCancellation: boolean;
  cancellable: boolean;
  attempt: number;
  labels: Record<string, string>;
}

/** Operation.error (a google.rpc.Status) with its google.rpc.ErrorInfo lifted out. */
export interface OperationError {
  code: number;
  codeName: CodeName;
  message: string;
  /** ErrorInfo.reason, e.g. `CANCELLED_WHILE_RUNNING`; '' when the status has no ErrorInfo. */
  reason: string;
  domain: string;
  metadata: Record<string, string>;
  /** Every detail as proto3 JSON (`{"@type": …}`), ErrorInfo included. */
  details: JsonObject[];
}

/** google.longrunning.Operation, decoded: metadata unpacked, the response a plain object. */
export interface Operation {
  /** `operations/{id}`. */
  name: string;
  done: boolean;
  metadata: OperationMetadata;
  /** The handler's output, when the operation succeeded. */
  response?: JsonObject;
  /** Why it ended, when it failed or was cancelled. */
  error?: OperationError;
}

/** lro.v1.Kind. */
export interface Kind {
  /** `kinds/{kind}`. */
  name: string;
  description: string;
  cancellable: boolean;
  /** How long one attempt may run, as a proto3 JSON duration (`"3600s"`). */
  timeout: string;
  timeoutMs: number;
  maxAttempts: number;
}

/** What cancelling one operation came to: what CancelOperation answered for it. */
export interface CancelResult {
  name: string;
  /** True when the operation is cancelled or its cancellation is requested (code 0). */
  ok: boolean;
  /** google.rpc.Code: 0, or e.g. 12 (kind not cancellable), 9 (already done), 5 (not found). */
  code: number;
  codeName: CodeName;
  /** ErrorInfo.reason when not ok, e.g. `CANCELLATION_NOT_SUPPORTED`. */
  reason?: string;
  message?: string;
}
