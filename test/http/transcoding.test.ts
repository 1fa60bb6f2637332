/** The HTTP/JSON transcoder through fastify inject(): routing, request binding and response mapping. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, json, startHttpHarness, type HttpHarness, type OperationJson } from './harness.js';

let h: HttpHarness;
beforeAll(async () => {
  h = await startHttpHarness();
});
afterAll(async () => {
  await h?.close();
});

const inject: HttpHarness['inject'] = (request) => h.inject(request);
const start = async (kind: string, input: object = {}, extra: object = {}) =>
  json(await inject({ method: 'POST', url: `/v1/kinds/${kind}:start`, payload: { input, ...extra } }));
const waitDone = async (name: string) => json(await inject({ method: 'POST', url: `/v1/${name}:wait`, payload: { timeout: '20s' } }));

describe('Kinds over HTTP', () => {
  it('lists and gets kinds in lowerCamelCase with durations as text', async () => {
    const { kinds } = json<{ kinds: Array<{ name: string; maxAttempts: number; timeout: string }> }>(await inject('/v1/kinds'));
    expect(kinds.map((k) => k.name)).toContain('kinds/demo.sleep');
    const kind = json<Record<string, unknown>>(await inject('/v1/kinds/demo.purge'));
    expect(kind).toEqual({ name: 'kinds/demo.purge', description: expect.any(String), cancellable: false, timeout: '3600s', maxAttempts: 1 });
  });

  it('starts operations from a JSON body, whatever the spelling, and replays a request_id', async () => {
    const a = await start('demo.sleep', { seconds: 0 }, { request_id: 'same-id' });
    const b = await start('demo.sleep', { seconds: 0 }, { requestId: 'same-id' });
    expect(b.name).toBe(a.name);
    expect(a.name).toMatch(/^operations\/[0-9a-z]{26}$/);
    expect(a.metadata).toMatchObject({ '@type': 'type.googleapis.com/lro.v1.OperationMetadata', kind: 'kinds/demo.sleep' });
    const reuse = await inject({ method: 'POST', url: '/v1/kinds/demo.sleep:start', payload: { input: { seconds: 1 }, requestId: 'same-id' } });
    expectEnvelope(reuse, 409, 'ALREADY_EXISTS');
  });

  it("accepts curl's default form content type and a body without Content-Type as JSON", async () => {
    const form = await inject({
      method: 'POST',
      url: '/v1/kinds/demo.sleep:start',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '{"input":{"seconds":0}}',
    });
    expect(json(form).done).toBe(false);
    const bare = await inject({ method: 'POST', url: '/v1/kinds/demo.sleep:start', payload: Buffer.from('{"input":{}}') });
    expect(json(bare).name).toMatch(/^operations\//);
  });

  it('lets the path win over a body field of the same name', async () => {
    const op = await start('demo.sleep', { seconds: 0 }, { kind: 'kinds/demo.fail' });
    expect(op.metadata.kind).toBe('kinds/demo.sleep');
  });
});

describe('Operations over HTTP', () => {
  it('gets an operation by the standard and the google-gax bundled URL, and waits for it', async () => {
    const op = await start('demo.sleep', { seconds: 0 });
    const id = op.name.slice('operations/'.length);
    expect(json(await inject(`/v1/${op.name}`)).name).toBe(op.name);
    expect(json(await inject(`/v1/operations/operations%2F${id}`)).name).toBe(op.name);
    expect(json(await inject(`/v1/operations/${[...id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`)).name).toBe(op.name);
    const done = await waitDone(op.name);
    expect(done).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED' }, response: { '@type': 'type.googleapis.com/google.protobuf.Struct' } });
  });

  it('keeps %2F encoded inside a multi-segment name, so it is not a path separator', async () => {
    const err = expectEnvelope(await inject('/v1/operations/a%2Fb'), 400, 'INVALID_ARGUMENT');
    expect(err.message).toContain('operations/a%2Fb');
  });

  it('cancels with an empty body, {} or no Content-Type, and deletes when done', async () => {
    const op = await start('demo.sleep', { seconds: 30 });
    expect(json<object>(await inject({ method: 'POST', url: `/v1/${op.name}:cancel` }))).toEqual({});
    expect(json<object>(await inject({ method: 'POST', url: `/v1/${op.name}:cancel`, payload: {} }))).toEqual({});
    expect(json<object>(await inject({ method: 'POST', url: `/v1/${op.name}:cancel`, headers: { 'content-type': 'application/json' }, payload: '' }))).toEqual({});
    const done = await waitDone(op.name);
    expect(done.error).toMatchObject({ code: 1, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo' }] });
    expect(json<object>(await inject({ method: 'DELETE', url: `/v1/${op.name}` }))).toEqual({});
    expectEnvelope(await inject(`/v1/${op.name}`), 404, 'NOT_FOUND');
  });

  it('maps service errors to the envelope: 501, 400 FAILED_PRECONDITION, 404', async () => {
    const purge = await start('demo.purge', { seconds: 0 });
    const unimplemented = expectEnvelope(await inject({ method: 'POST', url: `/v1/${purge.name}:cancel` }), 501, 'UNIMPLEMENTED');
    expect(unimplemented.details[0]!.reason).toBe('CANCELLATION_NOT_SUPPORTED');
    const quick = await start('demo.sleep', { seconds: 0 });
    await waitDone(quick.name);
    const precondition = expectEnvelope(await inject({ method: 'POST', url: `/v1/${quick.name}:cancel` }), 400, 'FAILED_PRECONDITION');
    expect(precondition.details[0]!.reason).toBe('OPERATION_ALREADY_DONE');
    const missing = expectEnvelope(await inject('/v1/operations/01aaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'NOT_FOUND');
    expect(missing.details[0]).toMatchObject({ reason: 'OPERATION_NOT_FOUND', metadata: { name: 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa' } });
  });

  it('waits with a JSON timeout: 0s answers at once, negative and malformed are 400', async () => {
    const op = await start('demo.sleep', { seconds: 30 });
    expect(json(await inject({ method: 'POST', url: `/v1/${op.name}:wait`, payload: { timeout: '0s' } })).done).toBe(false);
    expectEnvelope(await inject({ method: 'POST', url: `/v1/${op.name}:wait`, payload: { timeout: '-1s' } }), 400, 'INVALID_ARGUMENT');
    expectEnvelope(await inject({ method: 'POST', url: `/v1/${op.name}:wait`, payload: { timeout: 5 } }), 400, 'INVALID_ARGUMENT');
    // X-Server-Timeout bounds the wait like a gRPC deadline does.
    const bounded = await inject({ method: 'POST', url: `/v1/${op.name}:wait`, headers: { 'x-server-timeout': '0.1' }, payload: { timeout: '30s' } });
    expect(json(bounded).done).toBe(false);
    expectEnvelope(await inject({ method: 'POST', url: `/v1/${op.name}:wait`, headers: { 'x-server-timeout': 'soon' } }), 400);
    await inject({ method: 'POST', url: `/v1/${op.name}:cancel` });
  });
});

describe('ListOperations query parameters', () => {
  let names: string[];
  beforeAll(async () => {
    names = [];
    for (let i = 0; i < 3; i++) names.push((await start('demo.fail', { code: 5 })).name);
    for (const name of names) await waitDone(name);
  });

  type Page = { operations: OperationJson[]; nextPageToken: string };

  it('binds filter, pageSize / page_size and pageToken / page_token, following pages to the end', async () => {
    const filter = encodeURIComponent('metadata.kind = "kinds/demo.fail"');
    const seen: string[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const key = i % 2 === 0 ? 'pageToken' : 'page_token';
      const size = i % 2 === 0 ? 'pageSize=2' : 'page_size=2';
      const page = json<Page>(await inject(`/v1/operations?filter=${filter}&${size}${token ? `&${key}=${encodeURIComponent(token)}` : ''}`));
      seen.push(...page.operations.map((o) => o.name));
      if (!page.nextPageToken) break;
      token = page.nextPageToken;
    }
    expect(seen).toEqual([...names].reverse());
  });

  it('accepts + as a space and repeated system parameters; honours prettyPrint and enum-encoding=int', async () => {
    const url = `/v1/operations?filter=metadata.kind+%3D+%22kinds/demo.fail%22&pageSize=1&$alt=json%3Benum-encoding%3Dint&alt=json%3Benum-encoding%3Dint&$prettyPrint=true&$fields=x&$.xgafv=2`;
    const res = await inject(url);
    expect(res.body).toContain('\n  "operations": [');
    const page = json<{ operations: Array<{ metadata: { state: unknown } }> }>(res);
    expect(page.operations[0]!.metadata.state).toBe(4); // FAILED
  });

  it('refuses unknown, duplicated, malformed and path-bound parameters', async () => {
    const reasons = async (url: string) => expectEnvelope(await inject(url), 400, 'INVALID_ARGUMENT').details[0]!.reason;
    expect(await reasons('/v1/operations?bogus=1')).toBe('UNKNOWN_QUERY_PARAMETER');
    expect(await reasons('/v1/operations?pageSize=1&page_size=2')).toBe('INVALID_FIELD_VALUE');
    expect(await reasons('/v1/operations?pageSize=abc')).toBe('INVALID_FIELD_VALUE');
    expect(await reasons('/v1/operations?pageSize=-1')).toBe('INVALID_PAGE_SIZE');
    expect(await reasons('/v1/operations?name=operations')).toBe('INVALID_FIELD_VALUE');
    expect(await reasons('/v1/operations?filter=%zz')).toBe('INVALID_QUERY');
    expect(await reasons('/v1/operations?filter=done%20%3D%3D%20true')).toBe('INVALID_FILTER');
    expect(await reasons(`/v1/${names[0]}?timeout=1s`)).toBe('UNKNOWN_QUERY_PARAMETER');
  });

  it('takes no query fields on a body:"*" method, only system parameters', async () => {
    const res = await inject({ method: 'POST', url: '/v1/kinds/demo.sleep:start?requestId=x', payload: {} });
    expect(expectEnvelope(res, 400).message).toContain('takes its fields from the JSON body');
    expect(json(await inject({ method: 'POST', url: '/v1/kinds/demo.sleep:start?prettyPrint=false&alt=json', payload: { input: { seconds: 0 } } })).done).toBe(false);
  });
});
