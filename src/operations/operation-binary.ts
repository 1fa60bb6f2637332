/**
 * An operation record as the protobuf bytes of a google.longrunning.Operation, straight from the record:
 * the message objects handed to protobufjs are already in its encoder's shape (enum numbers, plain
 * numbers for times), so the generic fromObject pass is skipped. gRPC's Get, List, Wait and Watch answer
 * with it. test/unit/operation-binary.test.ts holds it equal to the generic serializer.
 */
import protobuf from 'protobufjs';
import { ERROR_DOMAIN } from '../errors/api-error.js';
import { TYPE_URL_PREFIX } from '../proto/any.js';
import { protos } from '../proto/protos.js';
import { toStruct } from '../proto/struct.js';
import type { OperationRecord, OperationState } from '../store/operation-store.js';
import { kindName, operationName } from './names.js';

const STATE_NUMBER: Record<OperationState, number> = { QUEUED: 1, RUNNING: 2, SUCCEEDED: 3, FAILED: 4, CANCELLED: 5 };

interface Types {
  operation: protobuf.Type;
  metadata: protobuf.Type;
  struct: protobuf.Type;
  errorInfo: protobuf.Type;
}
let types: Types | undefined;
const typesOnce = (): Types =>
  (types ??= {
    operation: protos().type('google.longrunning.Operation'),
    metadata: protos().type('lro.v1.OperationMetadata'),
    struct: protos().type('google.protobuf.Struct'),
    errorInfo: protos().type('google.rpc.ErrorInfo'),
  });

const time = (ms: number) => {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
};

function metadataBytes(r: OperationRecord, t: Types): Uint8Array {
  const m: Record<string, unknown> = {
    kind: kindName(r.kind),
    state: STATE_NUMBER[r.state],
    createTime: time(r.createTime),
    updateTime: time(r.updateTime),
    progressPercent: r.progressPercent,
    statusMessage: r.statusMessage,
    requestedCancellation: r.requestedCancellation,
    cancellable: r.cancellable,
    attempt: r.attempt,
    labels: r.labels,
  };
  if (r.startTime !== null) m.startTime = time(r.startTime);
  if (r.endTime !== null) m.endTime = time(r.endTime);
  return t.metadata.encode(m).finish();
}

export function operationBytes(r: OperationRecord): Uint8Array {
  const t = typesOnce();
  const op: Record<string, unknown> = {
    name: operationName(r.id),
    metadata: { type_url: `${TYPE_URL_PREFIX}lro.v1.OperationMetadata`, value: metadataBytes(r, t) },
    done: r.done,
  };
  if (r.state === 'SUCCEEDED') {
    op.response = { type_url: `${TYPE_URL_PREFIX}google.protobuf.Struct`, value: t.struct.encode(toStruct(r.output ?? {})).finish() };
  } else if (r.done && r.error) {
    const e = r.error;
    const info = t.errorInfo.encode({ reason: e.reason, domain: ERROR_DOMAIN, metadata: e.metadata }).finish();
    op.error = { code: e.code, message: e.message, details: [{ type_url: `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`, value: info }] };
  }
  return t.operation.encode(op).finish();
}

/** A ListOperationsResponse from its operations' bytes: field 1 repeated, field 2 the page token. */
export function listBytes(operations: Uint8Array[], nextPageToken: string): Uint8Array {
  const w = protobuf.Writer.create();
  for (const op of operations) w.uint32((1 << 3) | 2).bytes(op);
  if (nextPageToken) w.uint32((2 << 3) | 2).string(nextPageToken);
  return w.finish();
}
