/** A stored record as a google.longrunning.Operation (object form), and a kind as an lro.v1.Kind. */
import { ApiError } from '../errors/api-error.js';
import type { CodeNumber } from '../errors/code.js';
import { toStatus, type RpcStatus } from '../errors/status-mapping.js';
import { packAny, type AnyMessage } from '../proto/any.js';
import { toStruct } from '../proto/struct.js';
import { toDuration, toTimestamp, type DurationMessage } from '../proto/time.js';
import type { Kind } from '../runtime/kind.js';
import type { OperationRecord } from '../store/operation-store.js';
import { kindName, operationName } from './names.js';

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

export function toOperation(r: OperationRecord): OperationMessage {
  const op: OperationMessage = {
    name: operationName(r.id),
    metadata: packAny('lro.v1.OperationMetadata', {
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
    }),
    done: r.done,
  };
  if (r.state === 'SUCCEEDED') {
    op.response = packAny('google.protobuf.Struct', toStruct(r.output ?? {}) as Record<string, unknown>);
  } else if (r.done && r.error) {
    const e = r.error;
    op.error = toStatus(new ApiError(e.code as CodeNumber, e.message, { reason: e.reason, metadata: e.metadata }));
  }
  return op;
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
