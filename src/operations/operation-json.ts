/**
 * An operation record as proto3 JSON, straight from the record: what the generic mapping makes of
 * `toOperation(record)` (field order, which defaults appear, Any with "@type" first, RFC 3339 times), at
 * a fraction of the cost, because Get, List, Wait and Watch answer with it on every call.
 * test/unit/operation-json.test.ts compares the two over generated records.
 */
import { ERROR_DOMAIN } from '../errors/api-error.js';
import { TYPE_URL_PREFIX } from '../proto/any.js';
import type { JsonObject } from '../proto/struct.js';
import type { OperationRecord, OperationState } from '../store/operation-store.js';
import { kindName, operationName } from './names.js';

/** lro.v1.OperationMetadata.State numbers (operation_metadata.proto). */
const STATE_NUMBER: Record<OperationState, number> = { QUEUED: 1, RUNNING: 2, SUCCEEDED: 3, FAILED: 4, CANCELLED: 5 };
const METADATA_TYPE = `${TYPE_URL_PREFIX}lro.v1.OperationMetadata`;
const STRUCT_TYPE = `${TYPE_URL_PREFIX}google.protobuf.Struct`;
const ERROR_INFO_TYPE = `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`;

const time = (ms: number) => new Date(ms).toISOString();
const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};

/** Records read once and answered many times (the Waits of one operation) are rendered once. */
const rendered = new WeakMap<OperationRecord, JsonObject>();

export function operationJson(r: OperationRecord, numericEnums = false): JsonObject {
  if (numericEnums) return render(r, true);
  let json = rendered.get(r);
  if (!json) rendered.set(r, (json = render(r, false)));
  return json;
}

function render(r: OperationRecord, numericEnums: boolean): JsonObject {
  const metadata: JsonObject = {
    '@type': METADATA_TYPE,
    kind: kindName(r.kind),
    state: numericEnums ? STATE_NUMBER[r.state] : r.state,
    createTime: time(r.createTime),
  };
  if (r.startTime !== null) metadata.startTime = time(r.startTime);
  metadata.updateTime = time(r.updateTime);
  if (r.endTime !== null) metadata.endTime = time(r.endTime);
  metadata.progressPercent = r.progressPercent;
  metadata.statusMessage = r.statusMessage;
  metadata.requestedCancellation = r.requestedCancellation;
  metadata.cancellable = r.cancellable;
  metadata.attempt = r.attempt;
  if (!isEmpty(r.labels)) metadata.labels = r.labels;
  const op: JsonObject = { name: operationName(r.id), metadata, done: r.done };
  if (r.state === 'SUCCEEDED') {
    op.response = { '@type': STRUCT_TYPE, value: r.output ?? {} };
  } else if (r.done && r.error) {
    const e = r.error;
    const info: JsonObject = { '@type': ERROR_INFO_TYPE, reason: e.reason, domain: ERROR_DOMAIN };
    if (!isEmpty(e.metadata)) info.metadata = e.metadata;
    op.error = { code: e.code, message: e.message, details: [info] };
  }
  return op;
}
