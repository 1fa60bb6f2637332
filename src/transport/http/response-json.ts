/**
 * A service result → proto3 JSON, with proto3-json-serializer. Its key order follows the protobufjs
 * message (repeated fields first, an Any's "@type" last); we put keys back in declaration order with
 * "@type" first, as Google's APIs print them, because people read these responses (curl, logs).
 */
import protobuf from 'protobufjs';
import { toProto3JSON, type JSONObject, type JSONValue } from 'proto3-json-serializer';

const WKT = '.google.protobuf.';
/** Types whose JSON is not an object of their fields: left as the library wrote them. */
const OPAQUE = new Set(
  ['Duration', 'Timestamp', 'FieldMask', 'Struct', 'Value', 'ListValue', 'DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map(
    (n) => `${WKT}${n}`,
  ),
);

const isObject = (v: JSONValue | undefined): v is JSONObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function ordered(type: protobuf.Type, json: JSONValue): JSONValue {
  if (!isObject(json) || OPAQUE.has(type.fullName)) return json;
  if (type.fullName === `${WKT}Any`) {
    const { '@type': typeUrl, ...rest } = json;
    let inner: protobuf.Type | undefined;
    try {
      inner = type.root.lookupType(String(typeUrl).slice(String(typeUrl).lastIndexOf('/') + 1));
    } catch {
      inner = undefined;
    }
    return { '@type': typeUrl ?? null, ...(inner && !OPAQUE.has(inner.fullName) ? (ordered(inner, rest) as JSONObject) : rest) };
  }
  const out: JSONObject = {};
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    if (value === undefined) continue;
    // An empty map is the field's default, which proto3 JSON leaves out (as Google's APIs print it).
    if (field.map && isObject(value) && Object.keys(value).length === 0) continue;
    const rt = field.resolvedType;
    if (!(rt instanceof protobuf.Type)) out[field.name] = value;
    else if (field.map && isObject(value)) out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ordered(rt, v)]));
    else if (field.repeated && Array.isArray(value)) out[field.name] = value.map((v) => ordered(rt, v));
    else out[field.name] = ordered(rt, value);
  }
  return out;
}

/** `object` (the service layer's shape) as proto3 JSON of `type`; enums as numbers when asked ($alt). */
export function toJson(type: protobuf.Type, object: object, numericEnums = false): JSONValue {
  return ordered(type, toProto3JSON(type.fromObject(object as Record<string, unknown>), { numericEnums }) ?? {});
}
