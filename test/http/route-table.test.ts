import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import { bindingsOf, httpRuleOf } from '../../src/transport/http/http-rules.js';
import { splitPath } from '../../src/transport/http/path-template.js';
import { createRouteTable } from '../../src/transport/http/route-table.js';

const table = createRouteTable(
  (['google.longrunning.Operations', 'lro.v1.Kinds'] as const).map((name) => ({ name, service: protos().service(name) })),
);

function lookup(method: string, path: string) {
  const found = table.lookup(method, splitPath(path)!);
  if (found.kind !== 'found') return found.kind === 'method-not-allowed' ? `405 ${found.allow.join(',')}` : '404';
  return `${found.route.methodName} ${JSON.stringify(Object.fromEntries(found.bindings.map((b) => [b.fieldPath.join('.'), b.value])))}`;
}

describe('the route table of the served protos', () => {
  it('reads every annotated RPC plus the added bindings', () => {
    const rows = table.routes.map((r) => `${r.binding.httpMethod} ${r.binding.template.source} ${r.methodName}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        'GET /v1/{name=operations} ListOperations',
        'GET /v1/{name=operations/**} GetOperation',
        'DELETE /v1/{name=operations/**} DeleteOperation',
        'POST /v1/{name=operations/**}:cancel CancelOperation',
        'POST /v1/{name=operations/**}:wait WaitOperation',
        'GET /v1/operations/{name} GetOperation',
        'GET /v1/kinds ListKinds',
        'GET /v1/{name=kinds/*} GetKind',
        'POST /v1/{kind=kinds/*}:start StartOperation',
      ]),
    );
  });

  it('routes GET /v1/operations to ListOperations, never GetOperation', () => {
    expect(lookup('GET', '/v1/operations')).toBe('ListOperations {"name":"operations"}');
  });

  it('routes the standard and the google-gax bundled GetOperation forms', () => {
    expect(lookup('GET', '/v1/operations/abc')).toBe('GetOperation {"name":"operations/abc"}');
    expect(lookup('GET', '/v1/operations/operations%2Fabc')).toBe('GetOperation {"name":"operations/abc"}');
    // Not the bundled form: stays the multi-segment binding, %2F kept.
    expect(lookup('GET', '/v1/operations/x%2Fabc')).toBe('GetOperation {"name":"operations/x%2Fabc"}');
    expect(lookup('DELETE', '/v1/operations/operations%2Fabc')).toBe('DeleteOperation {"name":"operations/abc"}');
    expect(lookup('POST', '/v1/operations/operations%2Fabc:cancel')).toBe('CancelOperation {"name":"operations/abc"}');
  });

  it('routes verbs to their own method only', () => {
    expect(lookup('POST', '/v1/operations/abc:cancel')).toBe('CancelOperation {"name":"operations/abc"}');
    expect(lookup('POST', '/v1/operations/abc:wait')).toBe('WaitOperation {"name":"operations/abc"}');
    expect(lookup('POST', '/v1/kinds/demo.sleep:start')).toBe('StartOperation {"kind":"kinds/demo.sleep"}');
    expect(lookup('POST', '/v1/operations/abc:bogus')).toBe('404');
    expect(lookup('GET', '/v1/operations/abc:bogus')).toBe('404');
    expect(lookup('GET', '/v1/kinds/demo.sleep:cancel')).toBe('404');
  });

  it('answers 405 with the allowed methods when the path matches under another method', () => {
    expect(lookup('GET', '/v1/operations/abc:cancel')).toBe('405 POST');
    expect(lookup('PUT', '/v1/operations/abc')).toBe('405 GET,DELETE');
    expect(lookup('POST', '/v1/operations')).toBe('405 GET,DELETE');
    expect(lookup('DELETE', '/v1/kinds/demo.sleep')).toBe('405 GET');
    expect(lookup('GET', '/v1/kinds/demo.sleep:start')).toBe('405 POST');
  });

  it('answers 404 for everything else', () => {
    for (const path of ['/', '/v1', '/v2/operations', '/v1/kinds/a/b', '/v1/operations/', '/v1/operations//x', '/v1/kinds/']) {
      expect(lookup('GET', path), path).toBe('404');
    }
  });
});

describe('a new annotated RPC', () => {
  const root = protobuf.parse(
    `syntax = "proto3";
     package demo.v1;
     service Things {
       rpc GetThing(GetThingRequest) returns (Thing) {
         option (google.api.http) = { get: "/v1/{name=shelves/*/things/*}" additional_bindings { get: "/v1/things/{name}" } };
       }
       rpc ArchiveThing(GetThingRequest) returns (Thing) {
         option (google.api.http) = { custom: { kind: "ARCHIVE" path: "/v1/{name=shelves/*/things/*}" } body: "*" };
       }
       rpc Plain(GetThingRequest) returns (Thing);
     }
     message GetThingRequest { string name = 1; }
     message Thing { string name = 1; }`,
    { keepCase: false },
  ).root;
  root.resolveAll();
  const service = root.lookupService('demo.v1.Things');

  it('appears over HTTP without new code, additional and custom bindings included', () => {
    const things = createRouteTable([{ name: 'demo.v1.Things', service }]);
    const get = things.lookup('GET', splitPath('/v1/shelves/s1/things/t1')!);
    expect(get.kind === 'found' && [get.route.methodName, get.bindings[0]!.value]).toEqual(['GetThing', 'shelves/s1/things/t1']);
    const extra = things.lookup('GET', splitPath('/v1/things/t%2F1')!);
    expect(extra.kind === 'found' && extra.bindings[0]!.value).toBe('t/1');
    const archive = things.lookup('ARCHIVE', splitPath('/v1/shelves/s1/things/t1')!);
    expect(archive.kind === 'found' && archive.route.methodName).toBe('ArchiveThing');
    expect(things.routes.some((r) => r.methodName === 'Plain')).toBe(false);
  });

  it('reads rules from parsedOptions and from flat options', () => {
    expect(httpRuleOf(service.methods.GetThing!)?.get).toBe('/v1/{name=shelves/*/things/*}');
    const flat = new protobuf.Method('M', 'rpc', 'GetThingRequest', 'Thing', false, false, { '(google.api.http).post': '/v1/x', '(google.api.http).body': '*' });
    expect(httpRuleOf(flat)).toEqual({ post: '/v1/x', body: '*' });
    expect(bindingsOf('demo.v1.Things', service.methods.Plain!)).toEqual([]);
  });

  it('fails at start-up on a template field the request does not have', () => {
    const bad = protobuf.parse(
      `syntax = "proto3"; package bad;
       service S { rpc M(R) returns (R) { option (google.api.http) = { get: "/v1/{missing=x/*}" }; } }
       message R { string name = 1; }`,
    ).root;
    bad.resolveAll();
    expect(() => createRouteTable([{ name: 'bad.S', service: bad.lookupService('bad.S') }])).toThrow(/missing is not a singular field/);
  });
});
