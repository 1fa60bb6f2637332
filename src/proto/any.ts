import { protos } from './protos.js';

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** google.protobuf.Any in the object form the service layer uses. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

export function packAny(typeName: string, object: Record<string, unknown>): AnyMessage {
  const type = protos().type(typeName);
  return { type_url: TYPE_URL_PREFIX + typeName, value: type.encode(type.fromObject(object)).finish() };
}

export function unpackAny(any: AnyMessage): { typeName: string; object: Record<string, unknown> } {
  const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  const type = protos().type(typeName);
  // oneofs: a Struct's Value says which kind of value it holds only through its oneof.
  return { typeName, object: type.toObject(type.decode(any.value), { longs: String, enums: String, defaults: true, oneofs: true }) };
}
