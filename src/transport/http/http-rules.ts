/**
 * The HTTP bindings of an RPC: its `(google.api.http)` annotation (with additional_bindings), as loaded by
 * protobufjs, plus the bindings this server adds (API.md): WaitOperation's `:wait`, which the proto lacks,
 * and the single-segment `/v1/operations/{name}` forms that google-gax's bundled rules produce.
 */
import type protobuf from 'protobufjs';
import { parsePathTemplate, type Bindings, type PathTemplate } from './path-template.js';

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;

/** google.api.HttpRule in the shape protobufjs gives parsed options (proto field names). */
export interface HttpRuleOption {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  custom?: { kind?: string; path?: string };
  body?: string;
  response_body?: string;
  additional_bindings?: HttpRuleOption | HttpRuleOption[];
}

export interface HttpBinding {
  /** Upper case: GET, POST, … (or a custom rule's kind). */
  httpMethod: string;
  template: PathTemplate;
  /** '' (no body), '*' (the whole request) or a field name. */
  body: string;
  /** '' (the whole response) or a field name. */
  responseBody: string;
  /** A further test of the bound values; used where a binding must not shadow another. */
  accept?: (bindings: Bindings) => boolean;
}

export interface AddedBinding {
  service: string;
  method: string;
  rule: HttpRuleOption;
  accept?: (bindings: Bindings) => boolean;
}

/** google-gax's bundled operations.json routes GetOperation as `/v1/operations/{name}`: one segment that
 * must decode to `operations/…` (`operations%2F<id>`). Otherwise it is the ordinary multi-segment form. */
const holdsOperationName = (bindings: Bindings) => bindings.every((b) => b.value.startsWith('operations/'));

const OPS = 'google.longrunning.Operations';
export const ADDED_BINDINGS: readonly AddedBinding[] = [
  { service: OPS, method: 'WaitOperation', rule: { post: '/v1/{name=operations/**}:wait', body: '*' } },
  { service: OPS, method: 'GetOperation', rule: { get: '/v1/operations/{name}' }, accept: holdsOperationName },
  // gax builds these with `**` today; accepting the single-segment form too costs nothing and keeps a
  // client with older or hand-written rules working.
  { service: OPS, method: 'DeleteOperation', rule: { delete: '/v1/operations/{name}' }, accept: holdsOperationName },
  { service: OPS, method: 'CancelOperation', rule: { post: '/v1/operations/{name}:cancel', body: '*' }, accept: holdsOperationName },
  { service: OPS, method: 'WaitOperation', rule: { post: '/v1/operations/{name}:wait', body: '*' }, accept: holdsOperationName },
];

/** The `(google.api.http)` option of a method, from parsedOptions or (older loaders) the flat options. */
export function httpRuleOf(method: protobuf.Method): HttpRuleOption | undefined {
  for (const option of method.parsedOptions ?? []) {
    const rule = (option as Record<string, unknown>)['(google.api.http)'];
    if (rule && typeof rule === 'object') return rule as HttpRuleOption;
  }
  const flat = method.options ?? {};
  const prefix = '(google.api.http).';
  const rule: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) if (key.startsWith(prefix)) rule[key.slice(prefix.length)] = value;
  return Object.keys(rule).length > 0 ? (rule as HttpRuleOption) : undefined;
}

/** One rule (without its additional bindings) → a binding; throws on a malformed template. */
function bindingOf(rule: HttpRuleOption, accept?: (b: Bindings) => boolean): HttpBinding | undefined {
  let httpMethod: string | undefined;
  let path: string | undefined;
  for (const m of HTTP_METHODS) {
    const p = rule[m.toLowerCase() as Lowercase<typeof m>];
    if (typeof p === 'string' && p !== '') {
      httpMethod = m;
      path = p;
    }
  }
  if (!path && rule.custom?.kind && rule.custom.path) {
    httpMethod = rule.custom.kind.toUpperCase();
    path = rule.custom.path;
  }
  if (!httpMethod || !path) return undefined;
  return {
    httpMethod,
    template: parsePathTemplate(path),
    body: rule.body ?? '',
    responseBody: rule.response_body ?? '',
    ...(accept ? { accept } : {}),
  };
}

function flatten(rule: HttpRuleOption): HttpRuleOption[] {
  const extra = rule.additional_bindings;
  return [rule, ...(extra === undefined ? [] : Array.isArray(extra) ? extra : [extra])];
}

/** Every binding of `method` in `serviceName`: its annotation's, then the added ones. */
export function bindingsOf(serviceName: string, method: protobuf.Method, added: readonly AddedBinding[] = ADDED_BINDINGS): HttpBinding[] {
  const out: HttpBinding[] = [];
  const rule = httpRuleOf(method);
  for (const r of rule ? flatten(rule) : []) {
    const b = bindingOf(r);
    if (b) out.push(b);
  }
  for (const a of added) {
    if (a.service !== serviceName || a.method !== method.name) continue;
    const b = bindingOf(a.rule, a.accept);
    // An annotation may one day carry the same rule: keep one.
    if (b && !out.some((o) => o.httpMethod === b.httpMethod && o.template.source === b.template.source)) out.push(b);
  }
  return out;
}
