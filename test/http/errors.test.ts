/** Every way a request can be wrong gets the Google error envelope with a 4xx, fastify's own errors included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEnvelope, json, startHttpHarness, type HttpHarness } from './harness.js';

let h: HttpHarness;
beforeAll(async () => {
  h = await startHttpHarness({ bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  await h?.close();
});

const inject: HttpHarness['inject'] = (request) => h.inject(request);
const reasonOf = (e: { details: Array<{ reason: string }> }) => e.details[0]!.reason;
const START = '/v1/kinds/demo.sleep:start';

describe('routing errors', () => {
  it('404 for unknown paths and unknown verbs', async () => {
    for (const url of ['/', '/nope', '/v1', '/v2/operations', '/v1/operations/x:bogus', '/v1/kinds/demo.sleep/extra', '/v1/operations/']) {
      expect(reasonOf(expectEnvelope(await inject(url), 404, 'NOT_FOUND')), url).toBe('ROUTE_NOT_FOUND');
    }
    expectEnvelope(await inject({ method: 'POST', url: '/v1/operations/x:bogus', payload: {} }), 404, 'NOT_FOUND');
  });

  it('405 with Allow when the path belongs to another method', async () => {
    const res = await inject({ method: 'GET', url: '/v1/operations/x:cancel' });
    expect(reasonOf(expectEnvelope(res, 405, 'UNIMPLEMENTED'))).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
    expect((await inject({ method: 'PUT', url: '/v1/operations/x', payload: {} })).headers.allow).toBe('GET, DELETE');
    expectEnvelope(await inject({ method: 'PATCH', url: '/v1/kinds/demo.sleep', payload: {} }), 405);
    expectEnvelope(await inject({ method: 'OPTIONS', url: '/v1/kinds' }), 405);
    expect((await inject({ method: 'HEAD', url: '/v1/kinds' })).statusCode).toBe(405); // HEAD: no body to check
  });

  it('400 for malformed percent-escapes in the path or the query', async () => {
    for (const url of ['/v1/operations/%zz', '/v1/operations/%E0%A4', '/v1/operations/x:%zz', '/v1/%']) {
      expectEnvelope(await inject(url), 400, 'INVALID_ARGUMENT');
    }
    expectEnvelope(await inject('/v1/operations?filter=%E0%A4'), 400, 'INVALID_ARGUMENT');
  });
});

describe('body errors', () => {
  it('400 for malformed JSON and for proto-poisoning keys', async () => {
    for (const payload of ['{', '{"input":}', 'nul', '{"a":1}{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}']) {
      const err = expectEnvelope(await inject({ method: 'POST', url: START, headers: { 'content-type': 'application/json' }, payload }), 400, 'INVALID_ARGUMENT');
      expect(reasonOf(err), payload).toBe('MALFORMED_JSON');
    }
  });

  it('400 for JSON that is not the request message', async () => {
    const cases: Array<[unknown, string]> = [
      [[], 'expected a JSON object'],
      ['"text"', 'expected a JSON object'],
      [{ bogus: 1 }, 'bogus'],
      [{ input: 5 }, 'input'],
      [{ requestId: 5 }, 'requestId'],
      [{ input: {}, request_id: 'a', requestId: 'b' }, 'given twice'],
    ];
    for (const [body, text] of cases) {
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      const err = expectEnvelope(await inject({ method: 'POST', url: START, headers: { 'content-type': 'application/json' }, payload }), 400, 'INVALID_ARGUMENT');
      expect(err.message, payload).toContain(text);
    }
  });

  it('415 for content types other than JSON', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) {
      const err = expectEnvelope(await inject({ method: 'POST', url: START, headers: { 'content-type': type }, payload: '{}' }), 415, 'INVALID_ARGUMENT');
      expect(reasonOf(err), type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('413 for a body over the limit', async () => {
    const payload = JSON.stringify({ input: { pad: 'x'.repeat(70 * 1024) } });
    const err = expectEnvelope(await inject({ method: 'POST', url: START, headers: { 'content-type': 'application/json' }, payload }), 413, 'INVALID_ARGUMENT');
    expect(reasonOf(err)).toBe('BODY_TOO_LARGE');
  });

  it('400 for a body sent to a method without a body rule (GET and DELETE)', async () => {
    const del = await inject({ method: 'DELETE', url: '/v1/operations/01aaaaaaaaaaaaaaaaaaaaaaaa', payload: { name: 'x' } });
    expect(reasonOf(expectEnvelope(del, 400, 'INVALID_ARGUMENT'))).toBe('UNEXPECTED_BODY');
    const get = await inject({ method: 'GET', url: '/v1/kinds', headers: { 'content-type': 'application/json', 'content-length': '2' }, payload: '{}' });
    expect(reasonOf(expectEnvelope(get, 400, 'INVALID_ARGUMENT'))).toBe('UNEXPECTED_BODY');
  });

  it('a JSON null body on a body:"*" method is an empty request', async () => {
    expect(json(await inject({ method: 'POST', url: START, headers: { 'content-type': 'application/json' }, payload: 'null' })).done).toBe(false);
  });
});

describe('shutdown', () => {
  it('keeps answering while the server drains, and asks keep-alive clients to reconnect elsewhere', async () => {
    expect(json(await inject('/v1/kinds'))).toBeTruthy();
    h.shutdown.abort();
    const res = await inject('/v1/kinds');
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
  });
});
