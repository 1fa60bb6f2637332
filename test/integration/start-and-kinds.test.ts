/** lro.v1.Kinds over real gRPC: ListKinds, GetKind, StartOperation and request_id idempotency (AIP-155). */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { countOperations, responseJson, timestampMs, untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

describe('ListKinds and GetKind', () => {
  it('lists the four demo kinds with their cancellable flags', async () => {
    const { kinds } = await t.grpc.listKinds({});
    const byName = Object.fromEntries(kinds.map((k) => [k.name, k]));
    expect(Object.keys(byName).sort()).toEqual(['kinds/demo.fail', 'kinds/demo.hash', 'kinds/demo.purge', 'kinds/demo.sleep']);
    expect(byName['kinds/demo.sleep']!.cancellable).toBe(true);
    expect(byName['kinds/demo.hash']!.cancellable).toBe(true);
    expect(byName['kinds/demo.fail']!.cancellable).toBe(true);
    expect(byName['kinds/demo.purge']!.cancellable).toBe(false);
    for (const k of kinds) expect(k.maxAttempts).toBeGreaterThanOrEqual(1);
  });

  it('gets one kind by name, with its description, timeout and attempts', async () => {
    const kind = (await t.grpc.getKind({ name: 'kinds/demo.purge' })) as {
      name: string;
      description: string;
      cancellable: boolean;
      timeout: { seconds: string; nanos: number };
      maxAttempts: number;
    };
    expect(kind.name).toBe('kinds/demo.purge');
    expect(kind.cancellable).toBe(false);
    expect(kind.description).not.toBe('');
    expect(Number(kind.timeout.seconds)).toBeGreaterThan(0);
    expect(kind.maxAttempts).toBe(1);
  });

  it('answers NOT_FOUND for a well-formed kind that is not registered', async () => {
    const f = await grpcFailure(t.grpc.getKind({ name: 'kinds/no.such.kind' }));
    expect(f.code).toBe(status.NOT_FOUND);
    expect(f.reason).toBe('KIND_NOT_FOUND');
    expect(f.message).toContain('kinds/no.such.kind');
  });

  it('answers INVALID_ARGUMENT for a kind name without the kinds/ prefix', async () => {
    const f = await grpcFailure(t.grpc.getKind({ name: 'demo.sleep' }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_NAME');
  });
});

describe('StartOperation', () => {
  it('returns a new, not-done operation named operations/{id} with its metadata', async () => {
    const before = Date.now();
    const op = await t.grpc.start('demo.sleep', { seconds: 0.2, steps: 2 });
    expect(op.name).toMatch(/^operations\/[0-9a-z]{26}$/);
    expect(op.done).toBe(false);
    const md = metadataOf(op);
    expect(md.kind).toBe('kinds/demo.sleep');
    expect(['QUEUED', 'RUNNING']).toContain(md.state);
    expect(md.cancellable).toBe(true);
    expect(md.requestedCancellation).toBe(false);
    expect(timestampMs(md.createTime)).toBeGreaterThanOrEqual(before - 1000);
    const done = await untilDone(t.grpc, op.name);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(responseJson(done).slept).toBeGreaterThan(0);
  });

  it('makes time-ordered ids: later operations sort after earlier ones', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) names.push((await t.grpc.start('demo.fail', { code: 5 })).name);
    expect([...names].sort()).toEqual(names);
  });

  it('answers NOT_FOUND for an unknown kind and stores nothing', async () => {
    const before = await countOperations(t.grpc);
    const f = await grpcFailure(t.grpc.start('no.such.kind', {}));
    expect(f.code).toBe(status.NOT_FOUND);
    expect(f.reason).toBe('KIND_NOT_FOUND');
    expect(await countOperations(t.grpc)).toBe(before);
  });
});

describe('request_id idempotency', () => {
  it('returns the same operation for the same request id and starts nothing new', async () => {
    const requestId = `same-${Date.now()}`;
    const before = await countOperations(t.grpc);
    const first = await t.grpc.start('demo.sleep', { seconds: 0.2, steps: 2 }, requestId);
    const again = await t.grpc.start('demo.sleep', { seconds: 0.2, steps: 2 }, requestId);
    expect(again.name).toBe(first.name);
    expect(await countOperations(t.grpc)).toBe(before + 1);
  });

  it('still returns the same operation after it is done', async () => {
    const requestId = `after-done-${Date.now()}`;
    const first = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId);
    const done = await untilDone(t.grpc, first.name);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    const before = await countOperations(t.grpc);
    const again = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId);
    expect(again.name).toBe(first.name);
    expect(again.done).toBe(true);
    expect(metadataOf(again).state).toBe('SUCCEEDED');
    expect(typeof responseJson(done).slept).toBe('number');
    expect(responseJson(again)).toEqual(responseJson(done));
    expect(await countOperations(t.grpc)).toBe(before);
  });

  it('treats the same input with its keys in another order as the same input', async () => {
    const requestId = `key-order-${Date.now()}`;
    const first = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId);
    const again = await t.grpc.start('demo.sleep', { steps: 1, seconds: 0.05 }, requestId);
    expect(again.name).toBe(first.name);
  });

  it('gives one operation to many concurrent starts with the same request id', async () => {
    const requestId = `concurrent-${Date.now()}`;
    const before = await countOperations(t.grpc);
    const ops = await Promise.all(Array.from({ length: 12 }, () => t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId)));
    expect(new Set(ops.map((o) => o.name)).size).toBe(1);
    expect(await countOperations(t.grpc)).toBe(before + 1);
  });

  it('answers ALREADY_EXISTS (REQUEST_ID_REUSED) for the same id with another input, also after it is done', async () => {
    const requestId = `reuse-input-${Date.now()}`;
    const first = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId);
    const before = await countOperations(t.grpc);
    let f = await grpcFailure(t.grpc.start('demo.sleep', { seconds: 0.06, steps: 1 }, requestId));
    expect(f.code).toBe(status.ALREADY_EXISTS);
    expect(f.reason).toBe('REQUEST_ID_REUSED');
    expect(f.message).toContain(requestId);
    await untilDone(t.grpc, first.name);
    f = await grpcFailure(t.grpc.start('demo.sleep', { seconds: 0.06, steps: 1 }, requestId));
    expect(f.code).toBe(status.ALREADY_EXISTS);
    expect(f.reason).toBe('REQUEST_ID_REUSED');
    expect(await countOperations(t.grpc)).toBe(before);
  });

  it('answers ALREADY_EXISTS (REQUEST_ID_REUSED) for the same id with another kind', async () => {
    const requestId = `reuse-kind-${Date.now()}`;
    await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, requestId);
    const before = await countOperations(t.grpc);
    const f = await grpcFailure(t.grpc.start('demo.fail', {}, requestId));
    expect(f.code).toBe(status.ALREADY_EXISTS);
    expect(f.reason).toBe('REQUEST_ID_REUSED');
    expect(await countOperations(t.grpc)).toBe(before);
  });

  it('starts a new operation each time when no request id is given', async () => {
    const a = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 });
    const b = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 });
    expect(a.name).not.toBe(b.name);
  });

  it('rejects a malformed request id with INVALID_ARGUMENT and stores nothing', async () => {
    const before = await countOperations(t.grpc);
    for (const requestId of ['has space', 'x'.repeat(129), 'tab\there', 'ünïcode']) {
      const f = await grpcFailure(t.grpc.start('demo.sleep', { seconds: 0.05 }, requestId));
      expect(f.code, requestId).toBe(status.INVALID_ARGUMENT);
      expect(f.reason).toBe('INVALID_REQUEST_ID');
    }
    expect(await countOperations(t.grpc)).toBe(before);
  });
});
