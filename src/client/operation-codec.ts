/**
 * Wire messages (google-gax's object form: Any as `{type_url, value}` bytes, on both transports) → the SDK's
 * decoded Operation and Kind, and back to the proto3 JSON the server's HTTP API prints (for `lro --json`).
 * The JSON mapping of each message is proto3-json-serializer's; only the defaults are filled in here.
 */
import { toProto3JSON } from 'proto3-json-serializer';
import { codeName } from '../errors/code.js';
import type { JsonObject } from '../proto/struct.js';
import { messageType } from './client-protos.js';
import type { Kind, Operation, OperationError, OperationMetadata, OperationState } from './types.js';

export interface WireAny {
  type_url: string;
  value: Uint8Array;
}
export interface WireStatus {
  code: number;
  message: string;
  details?: WireAny[] | null;
}
export interface WireOperation {
  name: string;
  done?: boolean;
  metadata?: WireAny | null;
  response?: WireAny | null;
  error?: WireStatus | null;
}
export interface WireDuration {
  seconds?: string | number | null;
  nanos?: number | null;
}
export interface WireKind {
  name: string;
  description?: string;
  cancellable?: boolean;
  timeout?: WireDuration | null;
  maxAttempts?: number;
}

const TYPE_PREFIX = 'type.googleapis.com/';
const METADATA_TYPE = 'lro.v1.OperationMetadata';
const STRUCT_TYPE = 'google.protobuf.Struct';

function typeNameOf(any: WireAny): string {
  return any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
}

/** The proto3 JSON of an Any's payload (without `@type`); undefined for a type the protos lack. */
function unpackJson(any: WireAny): JsonObject | undefined {
  let type;
  try {
    type = messageType(typeNameOf(any));
  } catch {
    return undefined;
  }
  return toProto3JSON(type.decode(any.value)) as JsonObject;
}

function emptyMetadata(): OperationMetadata {
  return {
    kind: '',
    state: 'STATE_UNSPECIFIED',
    progressPercent: 0,
    statusMessage: '',
    requestedCancellation: false,
    cancellable: false,
    attempt: 0,
    labels: {},
  };
}

function decodeMetadata(any: WireAny | null | undefined): OperationMetadata {
  const metadata = emptyMetadata();
  if (!any || typeNameOf(any) !== METADATA_TYPE) return metadata;
  const json = (unpackJson(any) ?? {}) as Partial<Record<keyof OperationMetadata, unknown>>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    kind: str(json.kind) ?? '',
    state: (str(json.state) as OperationState | undefined) ?? 'STATE_UNSPECIFIED',
    ...(str(json.createTime) ? { createTime: str(json.createTime) } : {}),
    ...(str(json.startTime) ? { startTime: str(json.startTime) } : {}),
    ...(str(json.updateTime) ? { updateTime: str(json.updateTime) } : {}),
    ...(str(json.endTime) ? { endTime: str(json.endTime) } : {}),
    progressPercent: typeof json.progressPercent === 'number' ? json.progressPercent : 0,
    statusMessage: str(json.statusMessage) ?? '',
    requestedCancellation: json.requestedCancellation === true,
    cancellable: json.cancellable === true,
    attempt: typeof json.attempt === 'number' ? json.attempt : 0,
    labels: { ...((json.labels as Record<string, string> | undefined) ?? {}) },
  };
}

/** google.rpc.Status → OperationError, with the ErrorInfo's reason, domain and metadata lifted out. */
export function decodeStatus(status: WireStatus): OperationError {
  const details: JsonObject[] = [];
  let reason = '';
  let domain = '';
  let metadata: Record<string, string> = {};
  for (const any of status.details ?? []) {
    const json = unpackJson(any);
    details.push({ '@type': any.type_url, ...(json ?? {}) });
    if (typeNameOf(any) === 'google.rpc.ErrorInfo' && json && !reason) {
      reason = typeof json.reason === 'string' ? json.reason : '';
      domain = typeof json.domain === 'string' ? json.domain : '';
      metadata = { ...((json.metadata as Record<string, string> | undefined) ?? {}) };
    }
  }
  return { code: status.code ?? 0, codeName: codeName(status.code ?? 0), message: status.message ?? '', reason, domain, metadata, details };
}

export function decodeOperation(wire: WireOperation): Operation {
  const op: Operation = { name: wire.name, done: wire.done === true, metadata: decodeMetadata(wire.metadata) };
  if (wire.response && typeNameOf(wire.response) === STRUCT_TYPE) op.response = unpackJson(wire.response) ?? {};
  if (wire.error) op.error = decodeStatus(wire.error);
  return op;
}

function durationMs(d: WireDuration | null | undefined): number {
  return d ? Number(d.seconds ?? 0) * 1000 + Number(d.nanos ?? 0) / 1e6 : 0;
}

export function decodeKind(wire: WireKind): Kind {
  const timeoutMs = durationMs(wire.timeout);
  return {
    name: wire.name,
    description: wire.description ?? '',
    cancellable: wire.cancellable === true,
    timeout: `${timeoutMs / 1000}s`,
    timeoutMs,
    maxAttempts: wire.maxAttempts ?? 0,
  };
}

/**
 * The Operation as proto3 JSON, spelled as the server's HTTP API prints it: metadata with `@type` and its
 * scalars, unset timestamps and empty labels left out, the response as a Struct Any (`{"@type", "value"}`).
 */
export function toOperationJson(op: Operation): JsonObject {
  const { labels, ...metadata } = op.metadata;
  const json: JsonObject = {
    name: op.name,
    metadata: { '@type': TYPE_PREFIX + METADATA_TYPE, ...stripUndefined(metadata), ...(Object.keys(labels).length ? { labels } : {}) },
    done: op.done,
  };
  if (op.error) json.error = { code: op.error.code, message: op.error.message, details: op.error.details };
  if (op.response) json.response = { '@type': TYPE_PREFIX + STRUCT_TYPE, value: op.response };
  return json;
}

export function toKindJson(kind: Kind): JsonObject {
  return { name: kind.name, description: kind.description, cancellable: kind.cancellable, timeout: kind.timeout, maxAttempts: kind.maxAttempts };
}

function stripUndefined(o: object): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as JsonObject;
}
