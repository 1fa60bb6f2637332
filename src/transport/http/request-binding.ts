/**
 * One HTTP request → one request message, as HttpRule says: path variables bind their fields (and win),
 * the body binds everything (`body: "*"`), one field, or nothing (then it must be empty), and query
 * parameters bind the fields neither of those took, by lowerCamelCase or snake_case name, `a.b` for a
 * nested field, repeated for repeated fields. System parameters ($alt, prettyPrint, …) are accepted.
 * Anything else is INVALID_ARGUMENT, never silently ignored.
 */
import protobuf from 'protobufjs';
import { invalidArgument } from '../../errors/api-error.js';
import type { Bindings } from './path-template.js';
import { convertField, convertMessage, fail, findField, toServiceObject } from './proto-json.js';
import type { Route } from './route-table.js';
import { Reason } from '../../errors/reasons.js';

export interface SystemParams {
  /** `$alt=json;enum-encoding=int`: enums as numbers (what gax sends with numericEnums). */
  numericEnums: boolean;
  prettyPrint: boolean;
}

/** Google's system parameters: accepted wherever a request field of that name does not exist. */
const SYSTEM_PARAMS = new Set(['$alt', 'alt', '$prettyPrint', 'prettyPrint', '$fields', 'fields', '$.xgafv', 'key', 'access_token', 'quotaUser', '$quotaUser']);

/** Leaf message types a query parameter can carry (their JSON is a string or a scalar). */
const QUERY_MESSAGE_TYPES = new Set(
  ['Duration', 'Timestamp', 'FieldMask', 'DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map(
    (n) => `.google.protobuf.${n}`,
  ),
);

/** `a=1&b=x+y` → pairs; `+` is a space; a malformed escape is a 400, not a guess. */
export function parseQuery(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    try {
      const key = decodeURIComponent((eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      out.push([key, value]);
    } catch {
      throw invalidArgument('the query string has a malformed percent-escape', Reason.INVALID_QUERY);
    }
  }
  return out;
}

/** The field a query parameter names (`a.b` walks singular non-well-known messages), or undefined. */
function queryField(type: protobuf.Type, key: string): { path: string[]; field: protobuf.Field } | undefined {
  const parts = key.split('.');
  const path: string[] = [];
  let current = type;
  for (let i = 0; i < parts.length; i++) {
    const field = findField(current, parts[i]!);
    if (!field) return undefined;
    field.resolve();
    path.push(field.name);
    const rt = field.resolvedType;
    if (i === parts.length - 1) {
      if (field.map || (rt instanceof protobuf.Type && !QUERY_MESSAGE_TYPES.has(rt.fullName))) {
        fail(key, 'this field cannot be set from a query parameter; send it in the body');
      }
      return { path, field };
    }
    if (field.repeated || field.map || !(rt instanceof protobuf.Type) || rt.fullName.startsWith('.google.protobuf.')) return undefined;
    current = rt;
  }
  return undefined;
}

/** Query text → the JSON value the field's proto3 JSON form takes. */
function queryJson(field: protobuf.Field, text: string, key: string): unknown {
  const rt = field.resolvedType;
  const isBool = field.type === 'bool' || rt?.fullName === '.google.protobuf.BoolValue';
  if (isBool) {
    if (text !== 'true' && text !== 'false') fail(key, 'expected true or false');
    return text === 'true';
  }
  if (rt instanceof protobuf.Enum && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node = (typeof next === 'object' && next !== null ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function applySystem(system: SystemParams, key: string, value: string): void {
  if (key.endsWith('alt')) system.numericEnums = /(^|;)\s*enum-encoding=int\s*(;|$)/.test(value);
  if (key.endsWith('prettyPrint')) system.prettyPrint = value === 'true' || value === '1';
}

/**
 * Builds the request for `route`. `body` is the parsed JSON body, undefined when there was none.
 * Throws INVALID_ARGUMENT for anything the request type cannot hold.
 */
export function bindRequest(
  route: Route,
  bindings: Bindings,
  query: ReadonlyArray<[string, string]>,
  body: unknown,
): { request: Record<string, unknown>; system: SystemParams } {
  const type = route.requestType;
  let converted: Record<string, unknown> = {};
  if (route.bodyField === '') {
    if (body !== undefined) throw invalidArgument(`${route.binding.httpMethod} ${route.binding.template.source} takes no request body`, Reason.UNEXPECTED_BODY);
  } else if (route.bodyField === '*') {
    converted = convertMessage(type, body ?? {}) as Record<string, unknown>;
  } else if (body !== undefined && body !== null) {
    const field = type.fields[route.bodyField]!;
    converted[field.name] = convertField(field, body, field.name);
  }

  const bound = new Set(route.pathFields.map((p) => p.join('.')));
  const system: SystemParams = { numericEnums: false, prettyPrint: false };
  const lists = new Map<string, { path: string[]; field: protobuf.Field; values: unknown[] }>();
  const seen = new Set<string>();
  for (const [key, value] of query) {
    const target = route.bodyField === '*' ? undefined : queryField(type, key);
    if (!target) {
      if (SYSTEM_PARAMS.has(key)) {
        applySystem(system, key, value);
        continue;
      }
      throw invalidArgument(
        route.bodyField === '*'
          ? `unknown query parameter ${JSON.stringify(key)}: this method takes its fields from the JSON body`
          : `unknown query parameter ${JSON.stringify(key)}`,
        Reason.UNKNOWN_QUERY_PARAMETER,
        { parameter: key.slice(0, 100) },
      );
    }
    const dotted = target.path.join('.');
    if (bound.has(dotted) || target.path[0] === route.bodyField) fail(key, 'this field is already bound by the path or the body');
    const json = queryJson(target.field, value, key);
    if (target.field.repeated) {
      const list = lists.get(dotted) ?? { path: target.path, field: target.field, values: [] };
      list.values.push(json);
      lists.set(dotted, list);
      continue;
    }
    if (seen.has(dotted)) fail(key, 'given more than once');
    seen.add(dotted);
    setAt(converted, target.path, convertField(target.field, json, key));
  }
  for (const [dotted, { path, field, values }] of lists) setAt(converted, path, convertField(field, values, dotted));

  route.pathFields.forEach((path, i) => {
    let current = type;
    let field: protobuf.Field | undefined;
    for (const part of path) {
      field = current.fields[part]!;
      if (field.resolvedType instanceof protobuf.Type) current = field.resolvedType;
    }
    setAt(converted, path, convertField(field!, bindings[i]!.value, path.join('.')));
  });
  return { request: toServiceObject(type, converted), system };
}
