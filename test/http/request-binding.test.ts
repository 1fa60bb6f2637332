/** HttpRule request binding on a proto made for it: nested and repeated query fields, body fields, response_body. */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { bindingsOf } from '../../src/transport/http/http-rules.js';
import { matchTemplate, splitPath } from '../../src/transport/http/path-template.js';
import { bindRequest, parseQuery } from '../../src/transport/http/request-binding.js';
import { compileRoute, type Route } from '../../src/transport/http/route-table.js';
import { toJson } from '../../src/transport/http/response-json.js';

const root = new protobuf.Root();
for (const file of ['google/protobuf/duration.proto', 'google/protobuf/wrappers.proto', 'google/protobuf/struct.proto']) {
  root.addJSON(protobuf.common.get(file)!.nested!);
}
protobuf.parse(
  `syntax = "proto3"; package shop.v1;
   service Shop {
     rpc Search(SearchRequest) returns (SearchResponse) { option (google.api.http) = { get: "/v1/{parent=shops/*}/items" response_body: "items" }; }
     rpc Update(UpdateRequest) returns (Item) { option (google.api.http) = { patch: "/v1/{item.name=shops/*/items/*}" body: "item" }; }
   }
   enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }
   message Page { int32 size = 1; string token = 2; Inner inner = 3; }
   message Inner { bool deep = 1; }
   message SearchRequest {
     string parent = 1; Page page = 2; repeated string tags = 3; repeated Color colors = 4; bool in_stock = 5;
     google.protobuf.Duration max_age = 6; google.protobuf.BoolValue maybe = 7; int64 min_price = 8;
     google.protobuf.Struct extra = 9; map<string, string> labels = 10; repeated Page pages = 11;
   }
   message SearchResponse { repeated Item items = 1; string next_page_token = 2; }
   message Item { string name = 1; int64 price = 2; Color color = 3; }
   message UpdateRequest { Item item = 1; bool validate_only = 2; }`,
  root,
  { keepCase: false },
);
root.resolveAll();
const service = root.lookupService('shop.v1.Shop');
const route = (method: string): Route => compileRoute('shop.v1.Shop', service.methods[method]!, bindingsOf('shop.v1.Shop', service.methods[method]!)[0]!);

function bind(method: string, url: string, body?: unknown) {
  const r = route(method);
  const [path, query = ''] = url.split('?');
  const bindings = matchTemplate(r.binding.template, splitPath(path!)!);
  if (!bindings) throw new Error(`${url} does not match ${r.binding.template.source}`);
  return bindRequest(r, bindings, parseQuery(query), body);
}

const fails = (fn: () => unknown, pattern: RegExp) => {
  expect(fn).toThrow(ApiError);
  expect(fn).toThrow(pattern);
};

describe('query parameters', () => {
  it('bind nested, repeated, enum, bool, Duration, wrapper and int64 fields, in either spelling', () => {
    const { request } = bind(
      'Search',
      '/v1/shops/s1/items?page.size=5&page.token=a+b&page.inner.deep=true&tags=x&tags=y&colors=RED&colors=2&in_stock=true&maxAge=1.5s&maybe=false&min_price=9007199254740993',
    );
    expect(request).toMatchObject({
      parent: 'shops/s1',
      page: { size: 5, token: 'a b', inner: { deep: true } },
      tags: ['x', 'y'],
      colors: ['RED', 'BLUE'],
      inStock: true,
      maxAge: { seconds: '1', nanos: 500_000_000 },
      maybe: { value: false },
      minPrice: '9007199254740993',
    });
  });

  it('refuse what a query string cannot carry, and bad values', () => {
    fails(() => bind('Search', '/v1/shops/s1/items?extra=1'), /cannot be set from a query parameter/);
    fails(() => bind('Search', '/v1/shops/s1/items?labels=1'), /cannot be set from a query parameter/);
    fails(() => bind('Search', '/v1/shops/s1/items?page=1'), /cannot be set from a query parameter/);
    fails(() => bind('Search', '/v1/shops/s1/items?pages.size=1'), /unknown query parameter/);
    fails(() => bind('Search', '/v1/shops/s1/items?max_age.seconds=1'), /unknown query parameter/);
    fails(() => bind('Search', '/v1/shops/s1/items?in_stock=yes'), /expected true or false/);
    fails(() => bind('Search', '/v1/shops/s1/items?colors=GREEN'), /expected one of/);
    fails(() => bind('Search', '/v1/shops/s1/items?page.size=1&page.size=2'), /more than once/);
    fails(() => bind('Search', '/v1/shops/s1/items?parent=shops/s2'), /already bound by the path/);
    fails(() => bind('Search', '/v1/shops/s1/items?min_price=1.5'), /integer/);
  });

  it('accept system parameters where no request field has their name', () => {
    const { system } = bind('Search', '/v1/shops/s1/items?$alt=json;enum-encoding=int&prettyPrint=1');
    expect(system).toEqual({ numericEnums: true, prettyPrint: true });
  });
});

describe('body rules', () => {
  it('body: "item" binds the JSON body to that field; the path sets a field inside it; the query the rest', () => {
    const { request } = bind('Update', '/v1/shops/s1/items/i1?validateOnly=true', { price: '12', color: 'BLUE', name: 'ignored' });
    expect(request).toEqual({ item: { name: 'shops/s1/items/i1', price: '12', color: 'BLUE' }, validateOnly: true });
    fails(() => bind('Update', '/v1/shops/s1/items/i1?item.price=3', {}), /already bound/);
    fails(() => bind('Update', '/v1/shops/s1/items/i1', { validateOnly: true }), /no such field in shop\.v1\.Item/);
  });

  it('no body rule: a body is refused', () => {
    fails(() => bind('Search', '/v1/shops/s1/items', {}), /takes no request body/);
  });
});

describe('response_body', () => {
  it('is compiled to the response field to send', () => {
    expect(route('Search').responseField).toBe('items');
    const items = toJson(root.lookupType('shop.v1.SearchResponse'), { items: [{ name: 'n', price: '5', color: 'RED' }] }) as { items: unknown };
    expect(items.items).toEqual([{ name: 'n', price: '5', color: 'RED' }]);
  });
});
