/** A stored record as a google.longrunning.Operation (object form), and a kind as an lro.v1.Kind. */
import { ApiError } from '../errors/api-error.js';
import type { CodeNumber } from '../errors/code.js';
import { toStatus, type RpcStatus } from '../errors/status-mapping.js';
import { packAny, type AnyMessage } from '../proto/any.js';
import { toStruct } from '../proto/struct.js';
import { toDuration, toTimestamp, type DurationMessage } from '../proto/time.js';
import type { Kind } from '../runtime/kind.js';
import type { OperationRecord } from '../store/operation-store.js';
import { BINARY_FORM, JSON_FORM, type WithBinaryForm, type WithJsonForm } from '../proto/json-form.js';
import { kindName, operationName } from './names.js';
import { operationBytes } from './operation-binary.js';
import { operationJson } from './operation-json.js';

export interface OperationMessage {
  name: string;
  metadata: AnyMessage;
  done: boolean;
  error?: RpcStatus;
  response?: AnyMessage;
}

export interface KindMessage {
  name: string;
  description: string;
  cancellable: boolean;
  timeout: DurationMessage;
  maxAttempts: number;
}

const ts = (ms: number | null) => (ms === null ? null : toTimestamp(ms));

/**
 * The Operation message of a record, as a view: its Any fields are packed only when read (gRPC reads
 * them), and HTTP takes the JSON form instead, built straight from the record. A class, so a view costs
 * one small object per call (Get, List, Wait and Watch make one each time).
 */
class OperationView implements OperationMessage, WithJsonForm, WithBinaryForm {
  readonly name: string;
  readonly done: boolean;
  #metadata: AnyMessage | undefined;
  #response: AnyMessage | undefined;
  #error: RpcStatus | undefined;

  constructor(private readonly record: OperationRecord) {
    this.name = operationName(record.id);
    this.done = record.done;
  }

  get metadata(): AnyMessage {
    return (this.#metadata ??= packMetadata(this.record));
  }

  get response(): AnyMessage | undefined {
    const r = this.record;
    if (r.state !== 'SUCCEEDED') return undefined;
    return (this.#response ??= packAny('google.protobuf.Struct', toStruct(r.output ?? {}) as Record<string, unknown>));
  }

  get error(): RpcStatus | undefined {
    const e = this.record.done ? this.record.error : null;
    if (!e || this.record.state === 'SUCCEEDED') return undefined;
    return (this.#error ??= toStatus(new ApiError(e.code as CodeNumber, e.message, { reason: e.reason, metadata: e.metadata })));
  }

  [JSON_FORM](numericEnums: boolean): unknown {
    return operationJson(this.record, numericEnums);
  }

  [BINARY_FORM](): Uint8Array {
    return operationBytes(this.record);
  }
}

export function toOperation(r: OperationRecord): OperationMessage {
  return new OperationView(r);
}

function packMetadata(r: OperationRecord): AnyMessage {
  return packAny('lro.v1.OperationMetadata', {
    kind: kindName(r.kind),
    state: r.state,
    createTime: ts(r.createTime),
    startTime: ts(r.startTime),
    updateTime: ts(r.updateTime),
    endTime: ts(r.endTime),
    progressPercent: r.progressPercent,
    statusMessage: r.statusMessage,
    requestedCancellation: r.requestedCancellation,
    cancellable: r.cancellable,
    attempt: r.attempt,
    labels: r.labels,
  });
}

export function toKind(k: Kind): KindMessage {
  return {
    name: kindName(k.name),
    description: k.description,
    cancellable: k.cancellable,
    timeout: toDuration(k.timeoutMs),
    maxAttempts: k.maxAttempts,
  };
}
