/** google.protobuf.Struct / Value in object form <-> plain JSON values. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ValueMessage {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage | null;
  listValue?: { values?: ValueMessage[] } | null;
  kind?: string;
}
export interface StructMessage {
  fields?: Record<string, ValueMessage>;
}

export function fromStruct(struct: StructMessage | null | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromValue(value);
  return out;
}

/**
 * Which member of Value's oneof is set: `kind` when the message was decoded (with defaults, every member
 * has a value, so only `kind` tells); otherwise the one member present, as in objects built in code.
 */
function kindOf(v: ValueMessage): string | undefined {
  if (v.kind) return v.kind;
  if (v.numberValue !== undefined) return 'numberValue';
  if (v.stringValue !== undefined) return 'stringValue';
  if (v.boolValue !== undefined) return 'boolValue';
  if (v.structValue) return 'structValue';
  if (v.listValue) return 'listValue';
  return undefined;
}

function fromValue(v: ValueMessage): JsonValue {
  switch (kindOf(v)) {
    case 'numberValue':
      return v.numberValue ?? 0;
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'structValue':
      return fromStruct(v.structValue);
    case 'listValue':
      return (v.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

export function toStruct(object: JsonObject): StructMessage {
  const fields: Record<string, ValueMessage> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toValue(value);
  return { fields };
}

function toValue(v: JsonValue): ValueMessage {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE', kind: 'nullValue' };
  if (typeof v === 'number') return { numberValue: v, kind: 'numberValue' };
  if (typeof v === 'string') return { stringValue: v, kind: 'stringValue' };
  if (typeof v === 'boolean') return { boolValue: v, kind: 'boolValue' };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) }, kind: 'listValue' };
  return { structValue: toStruct(v), kind: 'structValue' };
}
