/**
 * Every HTTP binding of the served RPCs, compiled once at start-up, and the per-request lookup:
 * the most specific template that matches the path and method wins; a path that only matches under other
 * methods is 405 (with Allow); nothing matching is 404. A verb is part of the match, so an unknown verb
 * can never fall through to another method.
 */
import protobuf from 'protobufjs';
import { bindingsOf, type HttpBinding } from './http-rules.js';
import { compareSpecificity, matchTemplate, type Bindings, type SplitPath } from './path-template.js';
import { findField } from './proto-json.js';

export interface Route {
  serviceName: string;
  methodName: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  binding: HttpBinding;
  /** Fields bound by the path (lowerCamelCase field names per level), in template order. */
  pathFields: string[][];
  /** The request field that takes the body: '*' for all, '' for none. */
  bodyField: string;
  /** The response field sent as the body, '' for all of it. */
  responseField: string;
  /** A server-streaming RPC: answered as Server-Sent Events, one event per message. */
  serverStreaming: boolean;
}

export type Lookup =
  | { kind: 'found'; route: Route; bindings: Bindings }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export interface RouteTable {
  readonly routes: readonly Route[];
  lookup(httpMethod: string, path: SplitPath): Lookup;
}

/**
 * A dotted proto field path → lowerCamelCase names, checked against `type` (start-up errors, not 500s
 * later). Path variables need singular fields all the way; a body or response_body field is top-level and
 * may be repeated.
 */
function resolveFieldPath(type: protobuf.Type, path: string[], what: string, leafMayRepeat = false): string[] {
  const out: string[] = [];
  let current: protobuf.Type | undefined = type;
  path.forEach((part, i) => {
    const field: protobuf.Field | undefined = current ? findField(current, part) : undefined;
    const mayRepeat = leafMayRepeat && i === path.length - 1;
    if (!field || (!mayRepeat && (field.repeated || field.map))) {
      throw new Error(`${what}: ${path.join('.')} is not a ${mayRepeat ? '' : 'singular '}field of ${type.fullName}`);
    }
    out.push(field.name);
    field.resolve();
    current = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  });
  return out;
}

export function compileRoute(serviceName: string, method: protobuf.Method, binding: HttpBinding): Route {
  if (method.requestStream) throw new Error(`${serviceName}.${method.name}: a client-streaming RPC cannot be transcoded to HTTP`);
  method.resolve();
  const requestType = method.resolvedRequestType!;
  const responseType = method.resolvedResponseType!;
  const what = `${serviceName}.${method.name} ${binding.httpMethod} ${binding.template.source}`;
  const topLevel = (name: string, type: protobuf.Type) => (name === '' || name === '*' ? name : resolveFieldPath(type, [name], what, true)[0]!);
  return {
    serviceName,
    methodName: method.name,
    requestType,
    responseType,
    binding,
    pathFields: binding.template.variables.map((v) => resolveFieldPath(requestType, v.fieldPath, what)),
    bodyField: topLevel(binding.body, requestType),
    responseField: binding.responseBody === '*' ? '' : topLevel(binding.responseBody, responseType),
    serverStreaming: method.responseStream === true,
  };
}

/** The routes of `services` (full name → protobufjs Service), most specific template first. */
export function createRouteTable(services: ReadonlyArray<{ name: string; service: protobuf.Service }>): RouteTable {
  const routes: Route[] = [];
  for (const { name, service } of services) {
    for (const method of service.methodsArray) {
      for (const binding of bindingsOf(name, method)) routes.push(compileRoute(name, method, binding));
    }
  }
  routes.sort((a, b) => compareSpecificity(a.binding.template, b.binding.template)); // stable: ties keep proto order
  const byMethod = new Map<string, Route[]>();
  for (const r of routes) {
    const list = byMethod.get(r.binding.httpMethod) ?? [];
    list.push(r);
    byMethod.set(r.binding.httpMethod, list);
  }

  const firstMatch = (candidates: readonly Route[], path: SplitPath) => {
    for (const route of candidates) {
      const bindings = matchTemplate(route.binding.template, path);
      if (bindings && (!route.binding.accept || route.binding.accept(bindings))) return { route, bindings };
    }
    return undefined;
  };

  return {
    routes,
    lookup(httpMethod, path) {
      const found = firstMatch(byMethod.get(httpMethod) ?? [], path);
      if (found) return { kind: 'found', ...found };
      const allow = [...byMethod.keys()].filter((m) => m !== httpMethod && firstMatch(byMethod.get(m)!, path));
      return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
    },
  };
}
