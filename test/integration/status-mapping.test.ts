/**
 * google.rpc.Code → HTTP status, for every code: the table of API.md (and of google/rpc/code.proto's
 * "HTTP Mapping" comments, which it must agree with), checked in the mapping itself and on the wire, where
 * a store that fails with each code in turn makes a real GetOperation fail over HTTP/JSON and over gRPC.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Code, createSqliteStore, type CodeName, type CodeNumber, type OperationStore } from '../../src/index.js';
import { httpStatusFor, toHttpErrorBody } from '../../src/errors/index.js';
import { errorInfoOf, grpcFailure, statusOf } from '../helpers/grpc-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** API.md, "HTTP/JSON specifics"; OUT_OF_RANGE, which that list leaves out, as code.proto maps it. */
const HTTP: Record<CodeName, number> = {
  OK: 200,
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

const codes = Object.entries(Code) as [CodeName, CodeNumber][];
const errorCodes = codes.filter(([, n]) => n !== Code.OK);

/** The "HTTP Mapping: NNN" comment above each value of google.rpc.Code, in the proto bundled with google-gax. */
function codeProtoMapping(): Map<string, { number: number; http: number }> {
  const gaxBuild = join(dirname(createRequire(import.meta.url).resolve('google-gax')), '..'); // …/google-gax/build
  const text = readFileSync(join(gaxBuild, 'protos', 'google', 'rpc', 'code.proto'), 'utf8');
  const mapping = new Map<string, { number: number; http: number }>();
  let http: number | undefined;
  for (const line of text.split('\n')) {
    const comment = /HTTP Mapping: (\d{3})/.exec(line);
    if (comment) http = Number(comment[1]);
    const value = /^\s*([A-Z_]+) = (\d+);/.exec(line);
    if (value && http !== undefined) {
      mapping.set(value[1]!, { number: Number(value[2]), http });
      http = undefined;
    }
  }
  return mapping;
}

describe('the mapping', () => {
  it('covers every google.rpc.Code, and agrees with code.proto', () => {
    const proto = codeProtoMapping();
    expect([...proto.keys()].sort()).toEqual(codes.map(([name]) => name).sort());
    for (const [name, number] of codes) expect(proto.get(name), name).toEqual({ number, http: HTTP[name] });
  });

  it.each(codes)('%s (%i) → its HTTP status, in httpStatusFor and in the envelope', (name, number) => {
    expect(httpStatusFor(number)).toBe(HTTP[name]);
    if (number === Code.OK) return;
    const { status, body } = toHttpErrorBody(new ApiError(number, 'x'));
    expect(status).toBe(HTTP[name]);
    expect(body.error).toMatchObject({ code: HTTP[name], status: name });
  });

  it('anything else → 500', () => {
    for (const n of [17, 99, -1, 1.5, Number.NaN]) expect(httpStatusFor(n), String(n)).toBe(500);
  });
});

/** A well-formed operation id (26 lowercase base-32 characters) that names the code to fail with. */
const failId = (code: number) => `${'0'.repeat(20)}fail${String(code).padStart(2, '0')}`;

describe('on the wire', () => {
  const dir = tempDir('lro-status-mapping-');
  let store: OperationStore;
  let t: TestServer;

  beforeAll(async () => {
    const real = createSqliteStore(dir.file('lro.sqlite'));
    // The real store, except that reading the operation `failId(N)` fails with code N.
    store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'get') return Reflect.get(target, prop, receiver) as unknown;
        return async (id: string) => {
          const m = /^0{20}fail(\d\d)$/.exec(id);
          if (m) throw new ApiError(Number(m[1]) as CodeNumber, `failing with ${Number(m[1])} on purpose`, { reason: 'TEST_FAILURE' });
          return target.get(id);
        };
      },
    });
    t = await startTestServer({ store });
  });

  afterAll(async () => {
    await t?.close();
    await store?.close();
    dir.cleanup();
  });

  it.each(errorCodes)('%s (%i): GetOperation over HTTP answers its status and the envelope; over gRPC, the code', async (name, number) => {
    const opName = `operations/${failId(number)}`;
    const res = await fetch(`${t.http}/v1/${opName}`);
    const body = (await res.json()) as { error: { code: number; status: string; message: string; details: Array<Record<string, unknown>> } };
    expect(res.status).toBe(HTTP[name]);
    expect(body.error).toMatchObject({ code: HTTP[name], status: name, message: `failing with ${number} on purpose` });
    expect(body.error.details).toEqual([
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'TEST_FAILURE', domain: 'lro.v1', metadata: {} },
    ]);

    const f = await grpcFailure(t.grpc.getOperation({ name: opName }));
    expect(f.code).toBe(number);
    expect(f.reason).toBe('TEST_FAILURE');
    expect(statusOf(f.err).code).toBe(number);
    expect(errorInfoOf(statusOf(f.err)).domain).toBe('lro.v1');
  });
});
