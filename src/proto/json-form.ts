/**
 * Fast paths for proto3 JSON and protobuf binary. A service result may carry, under this symbol, a function that returns its
 * proto3 JSON directly (as a plain value, ready for JSON.stringify), so the HTTP transport can skip
 * building a protobuf message only to turn it into JSON. It must give exactly what the generic mapping
 * (transport/http/response-json.ts) would; a test holds the two together.
 */
export const JSON_FORM = Symbol.for('lro.proto3JsonForm');

export interface WithJsonForm {
  [JSON_FORM](numericEnums: boolean): unknown;
}

/** The JSON form of `value`, or undefined when it has none (then the generic mapping applies). */
export function renderJsonForm(value: unknown, numericEnums: boolean): { json: unknown } | undefined {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<WithJsonForm>)[JSON_FORM] !== 'function') return undefined;
  return { json: (value as WithJsonForm)[JSON_FORM](numericEnums) };
}

/** Attaches a JSON form to `target` without making it an own enumerable field (protobufjs ignores it). */
export function withJsonForm<T extends object>(target: T, form: (numericEnums: boolean) => unknown): T & WithJsonForm {
  Object.defineProperty(target, JSON_FORM, { value: form, enumerable: false });
  return target as T & WithJsonForm;
}

/**
 * The same idea for protobuf's binary form: a service result may carry its encoded bytes (the gRPC
 * transport then skips building and encoding a message). It must decode to what the generic serializer
 * would have sent.
 */
export const BINARY_FORM = Symbol.for('lro.protobufBinaryForm');

export interface WithBinaryForm {
  [BINARY_FORM](): Uint8Array;
}

export function binaryFormOf(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<WithBinaryForm>)[BINARY_FORM] !== 'function') return undefined;
  return (value as WithBinaryForm)[BINARY_FORM]();
}

export function withBinaryForm<T extends object>(target: T, form: () => Uint8Array): T & WithBinaryForm {
  Object.defineProperty(target, BINARY_FORM, { value: form, enumerable: false });
  return target as T & WithBinaryForm;
}
