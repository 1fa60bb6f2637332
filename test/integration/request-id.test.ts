/**
 * Logs and request ids (API.md, "Logs"): an incoming x-request-id is kept for the call (its log lines, an
 * INTERNAL error's message) and echoed on every answer, success or error, over HTTP (a response header,
 * also on the transcoder's and fastify's own errors, and on an event stream) and gRPC (response metadata);
 * a line about an operation carries its name.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/index.js';
import { protos } from '../../src/proto/protos.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { eventually } from '../helpers/eventually.js';
import { untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { captureLogs, type LogCapture } from '../security/auth-fixtures.js';

/** Its handler never stops, not even at its timeout: the runner gives up on it and says so. */
const stuck = defineKind({ name: 'test.stuck', description: 'Never ends.', timeout: '50ms', handler: () => new Promise<never>(() => {}) });
const quick = defineKind({ name: 'test.quick', description: 'Ends at once.', handler: () => ({ ok: true }) });

/** A GetOperation of this id fails inside the store with an error that is not an ApiError (a bug). */
const BROKEN = '01bbbbbbbbbbbbbbbbbbbbbbbb';

let t: TestServer;
let logs: LogCapture;
let inner: OperationStore;
const dir = tempDir();

beforeAll(async () => {
  logs = captureLogs();
  inner = createSqliteStore(dir.file('lro.sqlite'));
  const store: OperationStore = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'get') return (id: string, principal?: string) => (id === BROKEN ? Promise.reject(new Error('disk on fire')) : target.get(id, principal));
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  t = await startTestServer({ store, logger: logs.logger, kinds: [stuck, quick] });
});

afterAll(async () => {
  await t?.close();
  await inner?.close();
  dir.cleanup();
});

const withId = (id: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { 'x-request-id': id, ...(init.headers as Record<string, string>) } });

describe('x-request-id over HTTP', () => {
  it('is echoed on a success, a service error, the transcoder\'s errors and fastify\'s own', async () => {
    const answers = {
      ok: await fetch(`${t.http}/v1/kinds`, withId('r-ok')),
      notFound: await fetch(`${t.http}/v1/operations/01aaaaaaaaaaaaaaaaaaaaaaaa`, withId('r-404')),
      noRoute: await fetch(`${t.http}/v2/nothing`, withId('r-route')),
      badQuery: await fetch(`${t.http}/v1/operations?color=blue`, withId('r-query')),
      badJson: await fetch(`${t.http}/v1/kinds/test.quick:start`, withId('r-json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })),
      badTimeout: await fetch(`${t.http}/v1/kinds`, withId('r-timeout', { headers: { 'x-server-timeout': 'soon' } })),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, [r.status, r.headers.get('x-request-id')]]))).toEqual({
      ok: [200, 'r-ok'],
      notFound: [404, 'r-404'],
      noRoute: [404, 'r-route'],
      badQuery: [400, 'r-query'],
      badJson: [400, 'r-json'],
      badTimeout: [400, 'r-timeout'],
    });
  });

  it('is echoed on an event stream, and absent when none (or an unusable one) was sent', async () => {
    const op = await t.grpc.start('test.quick');
    await untilDone(t.grpc, op.name);
    const stream = await fetch(`${t.http}/v1/${op.name}:watch`, withId('r-sse'));
    expect(stream.headers.get('x-request-id')).toBe('r-sse');
    await stream.text();
    expect((await fetch(`${t.http}/v1/kinds`)).headers.get('x-request-id')).toBeNull();
    expect((await fetch(`${t.http}/v1/kinds`, withId('x'.repeat(129)))).headers.get('x-request-id')).toBeNull();
  });

  it('is the id of the call: an INTERNAL error names it, and so does its log line', async () => {
    const res = await fetch(`${t.http}/v1/operations/${BROKEN}`, withId('r-bug'));
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('r-bug');
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('(request r-bug)');
    expect(logs.lines().find((l) => l.msg === 'unexpected error' && l.requestId === 'r-bug')).toBeDefined();
    expect(logs.text()).not.toContain('disk on fire"}'); // logged as an error object, not leaked to the client
  });
});

type RawClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

describe('x-request-id over gRPC', () => {
  const client = () => {
    const pkg = grpc.loadPackageDefinition(protos().packageDefinition) as unknown as {
      google: { longrunning: { Operations: grpc.ServiceClientConstructor } };
      lro: { v1: { Watch: grpc.ServiceClientConstructor } };
    };
    return {
      ops: new pkg.google.longrunning.Operations(t.grpcAddress, grpc.credentials.createInsecure()) as RawClient,
      watch: new pkg.lro.v1.Watch(t.grpcAddress, grpc.credentials.createInsecure()) as RawClient,
    };
  };
  const metadataWith = (id: string) => {
    const m = new grpc.Metadata();
    m.set('x-request-id', id);
    return m;
  };

  /** A unary call: the response metadata's x-request-id, and the error code (0 when OK). */
  function unary(c: RawClient, method: string, request: object, id: string): Promise<{ echoed: unknown; code: number }> {
    return new Promise((resolve) => {
      let echoed: unknown;
      const call = c[method]!.call(c, request, metadataWith(id), (err: grpc.ServiceError | null) => resolve({ echoed, code: err?.code ?? 0 })) as grpc.ClientUnaryCall;
      call.on('metadata', (m: grpc.Metadata) => (echoed = m.get('x-request-id')[0]));
    });
  }

  it('is echoed in the response metadata of a success, an error and a stream; an INTERNAL error names it', async () => {
    const { ops, watch } = client();
    try {
      const op = await t.grpc.start('test.quick');
      await untilDone(t.grpc, op.name);
      expect(await unary(ops, 'GetOperation', { name: op.name }, 'g-ok')).toEqual({ echoed: 'g-ok', code: 0 });
      expect(await unary(ops, 'GetOperation', { name: 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa' }, 'g-404')).toEqual({ echoed: 'g-404', code: 5 });
      expect(await unary(ops, 'GetOperation', { name: `operations/${BROKEN}` }, 'g-bug')).toEqual({ echoed: 'g-bug', code: 13 });
      expect(logs.lines().find((l) => l.msg === 'unexpected error' && l.requestId === 'g-bug')).toBeDefined();
      const echoed = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        const stream = watch.WatchOperation!({ name: op.name }, metadataWith('g-watch')) as grpc.ClientReadableStream<unknown>;
        stream.on('metadata', (m: grpc.Metadata) => (value = m.get('x-request-id')[0]));
        stream.on('data', () => {});
        stream.on('end', () => resolve(value));
        stream.on('error', reject);
      });
      expect(echoed).toBe('g-watch');
    } finally {
      ops.close();
      watch.close();
    }
  });
});

describe('log lines about an operation', () => {
  it('carry its name', async () => {
    const op = await t.grpc.start('test.stuck');
    const line = await eventually(() => logs.lines().find((l) => String(l.msg).startsWith('a handler did not stop after its timeout')), { timeoutMs: 15_000 });
    expect(line).toMatchObject({ operation: op.name, kind: 'test.stuck' });
  });
});
