/**
 * A fast path for proto3 JSON. A service result may carry, under this symbol, a function that returns its
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
