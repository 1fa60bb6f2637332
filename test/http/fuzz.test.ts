/**
 * Bad input, seeded and reproducible (fast-check, seed below): a few hundred random methods, paths, query
 * strings, content types and bodies. No 5xx, every error is the JSON envelope, and the server keeps serving.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHarness, type ErrorEnvelope, type HttpHarness } from './harness.js';

const SEED = 20240501;
const RUNS = 400;

let h: HttpHarness;
let id = '';
beforeAll(async () => {
  h = await startHttpHarness({ bodyLimit: 16 * 1024 });
  const op = await h.t.grpc.start('demo.fail', { code: 3 });
  id = op.name.slice('operations/'.length);
});
afterAll(async () => {
  await h?.close();
});

const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019._~-!$&\'()*+,;=:@%/ "<>[]\\^`{|}'.split('')), maxLength: 12 });
const segment = fc.oneof(
  fc.constantFrom('v1', 'v2', 'operations', 'kinds', 'demo.sleep', 'demo.fail', 'nope.kind', '', '.', '..', 'ID'),
  fc.constantFrom('%2F', '%2f', '%zz', '%', '%E0%A4', '%C3%A9', '%00', '%3A', 'operations%2FID', 'operations%2F..'),
  printable.map((s) => encodeURIComponent(s)),
  printable.map((s) => s.replace(/[ "<>\\^`{|}#?]/g, '')),
);
const verb = fc.option(fc.constantFrom('cancel', 'wait', 'start', 'bogus', '', 'CANCEL', 'cancel:wait', '%63ancel'), { nil: undefined });
const randomPath = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 5 }), verb)
  .map(([segments, v]) => `/${segments.join('/')}${v === undefined ? '' : `:${v}`}`);
// Real routes with their own method too, so that binding and the service layer see random queries and bodies.
const realRoute = fc.constantFrom<[string, string]>(
  ['GET', '/v1/kinds'],
  ['GET', '/v1/kinds/demo.sleep'],
  ['POST', '/v1/kinds/demo.sleep:start'],
  ['POST', '/v1/kinds/nope.kind:start'],
  ['GET', '/v1/operations'],
  ['GET', '/v1/operations/ID'],
  ['DELETE', '/v1/operations/ID'],
  ['POST', '/v1/operations/ID:cancel'],
  ['POST', '/v1/operations/ID:wait'],
  ['GET', '/v1/operations/operations%2FID'],
);
const queryKey = fc.oneof(
  fc.constantFrom('filter', 'pageSize', 'page_size', 'pageToken', 'page_token', 'name', 'timeout', 'requestId', '$alt', 'alt', 'prettyPrint', '$prettyPrint', '$fields', 'input.x', 'a.b', 'bogus', ''),
  printable.map(encodeURIComponent),
);
const queryValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '2', '1000000000000', 'abc', 'true', 'json;enum-encoding=int', 'done = true', 'metadata.state = "RUNNING"', '%zz', '%E0%A4', 'x%2By', '('),
  printable.map(encodeURIComponent),
);
const query = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v.replace(/ /g, '+')}`).join('&')}`));

const bodyKey = fc.constantFrom('input', 'kind', 'requestId', 'request_id', 'timeout', 'name', 'filter', 'pageSize', '@type', '__proto__', 'bogus');
// Kept cheap on purpose: only demo.sleep for a few seconds could start; the inputs are what varies.
const bodyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('5s', '-1s', '0s', 'kinds/demo.sleep', `operations/${'x'.repeat(26)}`, { seconds: 1 }, { seconds: 'x' }, { steps: -1 }),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(bodyKey, bodyValue, { maxKeys: 3 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('{', '{"input":', '[]', 'null', '""', '{"input":{"seconds":1}}', `{"input":${'['.repeat(200)}${']'.repeat(200)}}`, 'x'.repeat(20_000)),
);
const contentType = fc.oneof(
  fc.constantFrom(undefined, 'application/json', 'application/json'),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'multipart/form-data', 'application/json;;;', '*/*'),
);
const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS');
const route = fc.oneof({ arbitrary: realRoute, weight: 2 }, { arbitrary: fc.tuple(method, randomPath), weight: 1 });

describe('fuzzed requests', () => {
  it(`never answer 5xx, always with the error envelope (seed ${SEED}, ${RUNS} runs)`, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(route, query, contentType, body, async ([m, rawPath], q, type, payload) => {
        const p = rawPath.replaceAll('ID', () => id);
        const res = await h.http.app.inject({
          method: m as 'GET',
          url: p + q,
          headers: type === undefined ? {} : { 'content-type': type },
          ...(payload === undefined || m === 'GET' ? {} : { payload }),
        });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        if (process.env.FUZZ_DEBUG) console.log(res.statusCode, m, p + q, type, payload?.slice(0, 60), res.body.slice(0, 150));
        expect(res.statusCode, `${m} ${p}${q}`).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const parsed = JSON.parse(res.body) as Partial<ErrorEnvelope>;
        if (res.statusCode >= 400) {
          expect(parsed.error?.code).toBe(res.statusCode);
          expect(typeof parsed.error?.status).toBe('string');
          expect(parsed.error?.details?.[0]?.['@type']).toBe('type.googleapis.com/google.rpc.ErrorInfo');
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // Enough variety to mean something: several kinds of answers, successes included.
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(seen.get(200) ?? 0).toBeGreaterThan(20);
    expect(seen.get(400) ?? 0).toBeGreaterThan(10);
  });

  it('keeps serving afterwards, over inject and over a real socket', async () => {
    expect((await h.http.app.inject('/v1/kinds')).statusCode).toBe(200);
    expect((await h.http.app.inject(`/v1/operations/${id}`)).statusCode).toBe(200);
    const res = await fetch(`${h.t.http}/v1/operations/${id}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe(`operations/${id}`);
  });
});
