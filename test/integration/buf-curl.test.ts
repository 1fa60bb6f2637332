/**
 * buf curl (the npm package's binary) against a real server, with nothing but server reflection to learn
 * the schema: buf links what it downloads with protobuf-go's protodesc, which rejects descriptors protoc
 * would never write. Every method of every served service is listed and really called; lro.v1.Batch and
 * lro.v1.Watch are described before they are served (UNIMPLEMENTED, not a schema error); and the served
 * descriptors are compared with what buf's compiler makes of the same .proto sources.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos, type ServiceName } from '../../src/proto/protos.js';
import { locateProto, serverDescriptors } from '../../src/transport/grpc/reflection-service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp-dir.js';

const BUF = fileURLToPath(new URL('../../node_modules/.bin/buf', import.meta.url));

let t: TestServer;
let home: ReturnType<typeof tempDir>;

beforeAll(async () => {
  t = await startTestServer();
  home = tempDir('lro-buf-');
});

afterAll(async () => {
  await t?.close();
  home?.cleanup();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs buf with its home and caches in a temp folder; never throws for a non-zero exit. */
function buf(args: string[], cwd = home.path): Promise<Run> {
  const env = { ...process.env, HOME: home.path, XDG_CACHE_HOME: home.file('cache'), XDG_CONFIG_HOME: home.file('config'), BUF_CACHE_DIR: home.file('buf'), NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(BUF, args, { env, cwd, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const GRPC = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge'];
const url = (path = '') => `http://${t.grpcAddress}${path}`;

/** One call; a buf failure (schema, flags) or gRPC error fails the test with buf's own words. */
async function call(method: string, body: object, extra: string[] = []): Promise<Record<string, any>> {
  const r = await buf([...GRPC, ...extra, '-d', JSON.stringify(body), url(`/${method}`)]);
  expect(r.code, `${method}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

/** A call expected to end in a gRPC error: buf prints the error as JSON on stderr. */
async function callError(method: string, body: object): Promise<{ code: string; message: string; details?: unknown[] }> {
  const r = await buf([...GRPC, '-d', JSON.stringify(body), url(`/${method}`)]);
  expect(r.code, `${method} should fail`).not.toBe(0);
  expect(r.stderr, 'a schema failure instead of a gRPC error').not.toMatch(/^Failure:/m);
  return JSON.parse(r.stderr);
}

const STANDARD_METHODS: Record<string, string[]> = {
  'grpc.health.v1.Health': ['Check', 'List', 'Watch'],
  'grpc.reflection.v1.ServerReflection': ['ServerReflectionInfo'],
  'grpc.reflection.v1alpha.ServerReflection': ['ServerReflectionInfo'],
};

function servedServices(): string[] {
  return [...Object.keys(t.server.services), ...Object.keys(STANDARD_METHODS)].sort();
}

describe('buf curl through server reflection', () => {
  it('lists exactly the services the server serves', async () => {
    const r = await buf([...GRPC, '--list-services', url()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(servedServices());
  });

  it('describes every method of every service (buf links each one before listing it)', async () => {
    const r = await buf([...GRPC, '--list-methods', url()]);
    expect(r.code, r.stderr).toBe(0);
    const expected = servedServices().flatMap((s) =>
      (STANDARD_METHODS[s] ?? protos().service(s as ServiceName).methodsArray.map((m) => m.name)).map((m) => `${s}/${m}`),
    );
    expect(r.stdout.trim().split('\n').sort()).toEqual(expected.sort());
  });

  it('lro.v1.Kinds: ListKinds and GetKind (a Duration out)', async () => {
    const list = await call('lro.v1.Kinds/ListKinds', {});
    expect(list.kinds.map((k: { name: string }) => k.name)).toContain('kinds/demo.sleep');
    const kind = await call('lro.v1.Kinds/GetKind', { name: 'kinds/demo.sleep' });
    expect(kind).toMatchObject({ name: 'kinds/demo.sleep', cancellable: true, maxAttempts: expect.any(Number) });
    expect(kind.timeout).toMatch(/^\d+(\.\d+)?s$/);
  });

  it('StartOperation (Struct in, map of labels), GetOperation, WaitOperation (Duration in), ListOperations (filter)', async () => {
    // Proto field names (request_id) as well as JSON names: buf knows both only from a faithful descriptor.
    const op = await call('lro.v1.Kinds/StartOperation', {
      kind: 'kinds/demo.sleep',
      input: { seconds: 0.05, steps: 2 },
      request_id: `buf-${Date.now()}`,
      labels: { session: 'buf-curl' },
    });
    expect(op.name).toMatch(/^operations\//);
    expect(op.metadata).toMatchObject({ '@type': 'type.googleapis.com/lro.v1.OperationMetadata', kind: 'kinds/demo.sleep' });

    expect(await call('google.longrunning.Operations/GetOperation', { name: op.name })).toMatchObject({ name: op.name });

    const done = await call('google.longrunning.Operations/WaitOperation', { name: op.name, timeout: '20s' });
    expect(done).toMatchObject({ name: op.name, done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Struct' } });
    // An Any holding a well-known type with its own JSON form nests it under `value` (proto3 JSON).
    expect(done.response.value.slept).toEqual(expect.any(Number));

    const page = await call('google.longrunning.Operations/ListOperations', {
      name: 'operations',
      filter: 'metadata.kind = "kinds/demo.sleep" AND done = true',
      page_size: 50,
    });
    expect(page.operations.map((o: { name: string }) => o.name)).toContain(op.name);
  });

  it('CancelOperation, DeleteOperation, and an error carrying its google.rpc.Status', async () => {
    const op = await call('lro.v1.Kinds/StartOperation', { kind: 'kinds/demo.sleep', input: { seconds: 60 } });
    expect(await call('google.longrunning.Operations/CancelOperation', { name: op.name })).toEqual({});
    const done = await call('google.longrunning.Operations/WaitOperation', { name: op.name, timeout: '20s' });
    expect(done).toMatchObject({ done: true, error: { code: 1 } });
    expect(done.metadata).toMatchObject({ state: 'CANCELLED', requestedCancellation: true });

    expect(await call('google.longrunning.Operations/DeleteOperation', { name: op.name })).toEqual({});
    const gone = await callError('google.longrunning.Operations/GetOperation', { name: op.name });
    expect(gone.code).toBe('not_found');
  });

  it('grpc.health.v1.Health: Check, List, Watch (server streaming)', async () => {
    expect(await call('grpc.health.v1.Health/Check', {})).toEqual({ status: 'SERVING' });
    expect(await call('grpc.health.v1.Health/Check', { service: 'lro.v1.Kinds' })).toEqual({ status: 'SERVING' });
    const all = await call('grpc.health.v1.Health/List', {});
    expect(all.statuses['google.longrunning.Operations']).toEqual({ status: 'SERVING' });
    // Watch never ends by itself: the first message, then buf's own deadline.
    const watch = await buf(['--timeout', '2s', ...GRPC, '-d', '{}', url('/grpc.health.v1.Health/Watch')]);
    expect(JSON.parse(watch.stdout)).toEqual({ status: 'SERVING' });
    expect(watch.stderr).not.toMatch(/^Failure:/m);
  });

  it('the reflection services themselves (bidi streaming), v1 and v1alpha', async () => {
    for (const version of ['v1', 'v1alpha']) {
      const res = await call(`grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, { list_services: '*' });
      expect(res.listServicesResponse.service.map((s: { name: string }) => s.name)).toEqual(servedServices());
    }
  });

  it('links everything through the v1alpha protocol too', async () => {
    const r = await buf([...GRPC, '--reflect-protocol', 'grpc-v1alpha', '--list-methods', url()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('lro.v1.Kinds/StartOperation');
  });

  it('describes lro.v1.Batch and lro.v1.Watch before they are served: UNIMPLEMENTED, not a schema error', async () => {
    const served = servedServices();
    for (const [method, body] of [
      ['lro.v1.Batch/BatchCancelOperations', { names: ['operations/nope'] }],
      ['lro.v1.Watch/WatchOperation', { name: 'operations/nope', cancel_on_disconnect: false }],
    ] as const) {
      const r = await buf(['--timeout', '5s', ...GRPC, '-d', JSON.stringify(body), url(`/${method}`)]);
      expect(r.stderr, method).not.toMatch(/^Failure:|in schema|failed to resolve/m);
      // Once served (the lead's part), this becomes a real call; until then grpc-js answers UNIMPLEMENTED.
      if (!served.includes(method.split('/')[0]!)) expect(JSON.parse(r.stderr).code, method).toBe('unimplemented');
    }
  });
});

describe('the served descriptors', () => {
  /** JSON of a FileDescriptorSet as buf prints it, per file, for comparing two sets field by field. */
  async function filesAsJson(args: string[], cwd: string): Promise<Map<string, Record<string, any>>> {
    const out = join(cwd, `set-${Math.random().toString(36).slice(2)}.json`);
    const r = await buf(['build', ...args, '-o', out], cwd);
    expect(r.code, r.stderr).toBe(0);
    const set = JSON.parse(readFileSync(out, 'utf8')) as { file: Record<string, any>[] };
    return new Map(set.file.map((f) => [f.name as string, normalize(f)]));
  }

  /** What protobufjs's parser cannot keep: extension-range declarations; and `{}` for a method with an empty body. */
  function normalize(value: any): any {
    if (Array.isArray(value)) return value.map(normalize);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'extensionRange') out[k] = (v as { options?: unknown }[]).map(({ options: _, ...range }) => range);
      else if (k === 'options' && typeof v === 'object' && v && Object.keys(v).length === 0) continue;
      else out[k] = normalize(v);
    }
    return out;
  }

  it('are what a compiler makes of the same .proto sources: names, json names, map entries, oneofs, options', async () => {
    const d = serverDescriptors();
    const ws = join(home.path, 'workspace');
    // The same sources as a buf module…
    for (const name of d.files.keys()) {
      const target = join(ws, 'src', name);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(locateProto(name)!, target);
    }
    writeFileSync(join(ws, 'buf.yaml'), 'version: v2\nmodules:\n  - path: src\n');
    const compiled = await filesAsJson(['--exclude-source-info'], ws);

    // …and the served bytes as a FileDescriptorSet image, dependencies first.
    const order: string[] = [];
    const visit = (n: string) => {
      if (order.includes(n)) return;
      for (const dep of d.files.get(n)!.dependencies) visit(dep);
      order.push(n);
    };
    for (const n of d.files.keys()) visit(n);
    const writer = protobuf.Writer.create();
    for (const n of order) writer.uint32((1 << 3) | 2).bytes(d.files.get(n)!.bytes);
    writeFileSync(join(ws, 'served.binpb'), writer.finish());
    const served = await filesAsJson(['served.binpb'], ws);

    expect([...served.keys()].sort()).toEqual([...compiled.keys()].sort());
    for (const [name, file] of compiled) expect(served.get(name), name).toEqual(file);
  });
});
