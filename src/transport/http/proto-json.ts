/**
 * Proto3 JSON → request messages (responses: response-json.ts). The walk over the request type is ours,
 * because proto3-json-serializer's fromProto3JSON accepts only lowerCamelCase keys, silently drops unknown
 * fields, coerces wrong scalar types and cannot parse a negative Duration or a Timestamp with an offset.
 * The walk accepts both spellings, rejects what the contract calls 400 (INVALID_ARGUMENT) and hands the
 * leaf types the library gets right (Struct, Value, ListValue, FieldMask) to it. The result is the object
 * shape the service layer sees (OBJECT_OPTIONS).
 */
import protobuf from 'protobufjs';
import { fromProto3JSON, type JSONValue } from 'proto3-json-serializer';
import { ApiError, invalidArgument } from '../../errors/api-error.js';
import { OBJECT_OPTIONS } from '../../proto/protos.js';
import { Reason } from '../../errors/reasons.js';

/** Deeper JSON is refused: it would only exhaust the stack somewhere further down. */
export const MAX_JSON_DEPTH = 64;

type Converted = unknown;
const WKT = '.google.protobuf.';

export function fail(where: string, problem: string, reason: Reason = Reason.INVALID_FIELD_VALUE): never {
  throw invalidArgument(where ? `invalid value for ${where}: ${problem}` : problem, reason, where ? { field: where } : undefined);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const byJsonName = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** The field named `name` in lowerCamelCase (json_name) or snake_case (the proto name). */
export function findField(type: protobuf.Type, name: string): protobuf.Field | undefined {
  let names = byJsonName.get(type);
  if (!names) {
    names = new Map();
    for (const f of type.fieldsArray) {
      names.set(f.name, f);
      names.set(f.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), f);
    }
    byJsonName.set(type, names);
  }
  return names.get(name);
}

function checkDepth(value: unknown, where: string, remaining: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (remaining <= 0) fail(where, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  for (const v of Object.values(value)) checkDepth(v, where, remaining - 1);
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function scalar(type: string, value: unknown, where: string): Converted {
  const range = INT_RANGES[type];
  if (range) {
    const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value : '';
    if (!/^-?\d{1,20}$/.test(text)) fail(where, `expected an integer (${type})`);
    const n = BigInt(text);
    if (n < range[0] || n > range[1]) fail(where, `out of range for ${type}`);
    return type.includes('64') ? String(n) : Number(n); // 64-bit stays text: a JS number would lose digits
  }
  switch (type) {
    case 'double':
    case 'float': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^(NaN|-?Infinity|-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(value)
            ? Number(value)
            : undefined;
      if (n === undefined) fail(where, `expected a number (${type})`);
      if (type === 'float' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) fail(where, 'out of range for float');
      return n;
    }
    case 'bool':
      if (typeof value !== 'boolean') fail(where, 'expected true or false');
      return value;
    case 'string':
      if (typeof value !== 'string') fail(where, 'expected a string');
      return value;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail(where, 'expected base64 text');
      return value.replace(/-/g, '+').replace(/_/g, '/');
    default:
      return fail(where, `unsupported field type ${type}`);
  }
}

function enumValue(e: protobuf.Enum, value: unknown, where: string): Converted {
  if (typeof value === 'string' && Object.hasOwn(e.values, value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31) return value;
  return fail(where, `expected one of ${Object.keys(e.values).join(', ')}`);
}

const DURATION = /^(-)?(\d{1,12})(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
const nanosOf = (fraction: string | undefined) => Number((fraction ?? '').padEnd(9, '0'));

/** Well-known types whose JSON is not an object of their fields. */
const SPECIAL: Record<string, (type: protobuf.Type, json: unknown, where: string, depth: number) => Converted> = {
  [`${WKT}Duration`]: (_t, json, where) => {
    const m = typeof json === 'string' ? DURATION.exec(json) : null;
    if (!m || Number(m[2]) > 315_576_000_000) fail(where, 'expected a duration such as "1.5s"');
    const sign = m[1] ? -1 : 1;
    return { seconds: sign * Number(m[2]), nanos: sign * nanosOf(m[3]) };
  },
  [`${WKT}Timestamp`]: (_t, json, where) => {
    const m = typeof json === 'string' ? TIMESTAMP.exec(json) : null;
    const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
    if (!m || Number.isNaN(ms) || ms < -62_135_596_800_000 || ms > 253_402_300_799_000) {
      fail(where, 'expected an RFC 3339 timestamp such as "2024-05-01T12:00:00Z"');
    }
    return { seconds: ms / 1000, nanos: nanosOf(m[2]) };
  },
  [`${WKT}Struct`]: (t, json, where, depth) => {
    if (!isObject(json)) fail(where, 'expected a JSON object');
    checkDepth(json, where, MAX_JSON_DEPTH - depth);
    return fromProto3JSON(t, json as JSONValue);
  },
  [`${WKT}Value`]: (t, json, where, depth) => {
    checkDepth(json, where, MAX_JSON_DEPTH - depth);
    return fromProto3JSON(t, json as JSONValue);
  },
  [`${WKT}ListValue`]: (t, json, where, depth) => {
    if (!Array.isArray(json)) fail(where, 'expected a JSON array');
    checkDepth(json, where, MAX_JSON_DEPTH - depth);
    return fromProto3JSON(t, json as JSONValue);
  },
  [`${WKT}FieldMask`]: (t, json, where) => {
    if (typeof json !== 'string' || !/^[A-Za-z0-9_.,]*$/.test(json)) fail(where, 'expected a field mask such as "a,b.c"');
    return fromProto3JSON(t, json);
  },
  [`${WKT}Any`]: (t, json, where, depth) => {
    if (!isObject(json)) fail(where, 'expected a JSON object with "@type"');
    const typeUrl = json['@type'];
    if (typeof typeUrl !== 'string') fail(where, 'an Any needs "@type"');
    let inner: protobuf.Type;
    try {
      inner = t.root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    } catch {
      return fail(where, `unknown @type ${JSON.stringify(typeUrl)}`);
    }
    const { '@type': _, ...rest } = json;
    let converted: Converted;
    if (SPECIAL[inner.fullName] || WRAPPERS.has(inner.fullName)) {
      if (Object.keys(rest).some((k) => k !== 'value')) fail(where, `an Any of ${inner.fullName.slice(1)} holds only "value"`);
      converted = convertMessage(inner, rest.value, `${where}.value`, depth + 1);
    } else {
      converted = convertMessage(inner, rest, where, depth + 1);
    }
    return { type_url: typeUrl, value: inner.encode(inner.fromObject(converted as Record<string, unknown>)).finish() };
  },
};

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((n) => `${WKT}${n}Value`),
);

/** One value of `field` (a single element for repeated and map fields). */
function single(field: protobuf.Field, value: unknown, where: string, depth: number): Converted {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return convertMessage(rt, value, where, depth + 1);
  if (rt instanceof protobuf.Enum) {
    if (value === null && rt.fullName === `${WKT}NullValue`) return 'NULL_VALUE';
    return enumValue(rt, value, where);
  }
  return scalar(field.type, value, where);
}

const acceptsNull = (field: protobuf.Field) => field.resolvedType?.fullName === `${WKT}Value` || field.resolvedType?.fullName === `${WKT}NullValue`;

/** A field's JSON value (null meaning "default" is the caller's business). */
export function convertField(field: protobuf.Field, value: unknown, where: string, depth = 0): Converted {
  field.resolve();
  if (field.map) {
    if (!isObject(value)) fail(where, 'expected a JSON object (a map)');
    const keyType = (field as unknown as protobuf.MapField).keyType;
    const out: Record<string, Converted> = {};
    for (const [k, v] of Object.entries(value)) {
      const at = `${where}[${JSON.stringify(k)}]`;
      if (keyType === 'bool' ? k !== 'true' && k !== 'false' : keyType !== 'string' && !/^-?\d{1,20}$/.test(k)) fail(at, `bad ${keyType} map key`);
      if (v === null && !acceptsNull(field)) fail(at, 'null is not a map value');
      out[k] = single(field, v, at, depth);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) fail(where, 'expected a JSON array');
    return value.map((v, i) => {
      if (v === null && !acceptsNull(field)) fail(`${where}[${i}]`, 'null is not a list element');
      return single(field, v, `${where}[${i}]`, depth);
    });
  }
  return single(field, value, where, depth);
}

/** A message's JSON (either spelling of each key) → protobufjs object form (fromObject accepts it). */
export function convertMessage(type: protobuf.Type, json: unknown, where = '', depth = 0): Converted {
  if (depth > MAX_JSON_DEPTH) fail(where, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  const special = SPECIAL[type.fullName];
  if (special) {
    try {
      return special(type, json, where, depth);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      return fail(where, (err as Error).message ?? 'invalid value'); // the library's own complaint
    }
  }
  if (WRAPPERS.has(type.fullName)) return { value: scalar(type.fields.value!.type, json, where) };
  if (!isObject(json)) return fail(where, `expected a JSON object (${type.fullName.slice(1)})`);
  const out: Record<string, Converted> = {};
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(json)) {
    const at = where ? `${where}.${key}` : key;
    const field = findField(type, key);
    if (!field) fail(at, `no such field in ${type.fullName.slice(1)}`, Reason.UNKNOWN_FIELD);
    if (seen.has(field.name)) fail(at, 'given twice (in lowerCamelCase and snake_case)');
    seen.add(field.name);
    if (value === null && !acceptsNull(field)) continue; // proto3 JSON: null is the default value
    out[field.name] = convertField(field, value, at, depth);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => Object.hasOwn(out, f.name));
    if (set.length > 1) fail(where, `only one of ${set.map((f) => f.name).join(', ')} may be set`);
  }
  return out;
}

/** Converted form → the object shape the service layer sees. */
export function toServiceObject(type: protobuf.Type, converted: Converted): Record<string, unknown> {
  let message: protobuf.Message;
  try {
    message = type.fromObject(converted as Record<string, unknown>);
  } catch (err) {
    return fail('', `invalid ${type.fullName.slice(1)}: ${(err as Error).message}`);
  }
  return type.toObject(message, OBJECT_OPTIONS);
}
