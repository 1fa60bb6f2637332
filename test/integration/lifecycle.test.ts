/**
 * An operation's life over real gRPC: progress while it runs, the terminal errors other than cancel
 * (a handler's code, the kind's timeout, a plain Error), and DeleteOperation.
 */
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Code, defineKind } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, grpcFailure, metadataOf, responseOf } from '../helpers/grpc-client.js';
import { listAll, responseJson, timestampMs, untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const testKinds = [
  defineKind({
    name: 'test.slow',
    description: 'Sleeps far longer than its timeout allows.',
    timeout: '250ms',
    async handler(_input, ctx) {
      await ctx.sleep(60_000);
      return {};
    },
  }),
  defineKind({
    name: 'test.throws',
    description: 'Throws a plain Error.',
    handler() {
      throw new Error('the disk is on fire');
    },
  }),
  defineKind({
    name: 'test.denied',
    description: 'Throws an ApiError with its own code, reason and metadata.',
    handler() {
      throw new ApiError(Code.PERMISSION_DENIED, 'not yours', { reason: 'NOT_THE_OWNER', metadata: { owner: 'someone' } });
    },
  }),
  defineKind({
    name: 'test.output',
    description: 'Returns a nested output.',
    handler: () => ({ text: 'hé', n: 1.5, yes: true, nothing: null, list: [1, 'two', { three: 3 }], nested: { deep: { er: 'x' } } }),
  }),
];

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ kinds: testKinds });
});

afterAll(async () => {
  await t?.close();
});

describe('progress', () => {
  it('a running demo.sleep shows progress rising and a status message; attempt is 1', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 2, steps: 10 });
    const seen: { percent: number; message: string }[] = [];
    const final = await eventually(
      async () => {
        const now = await t.grpc.getOperation({ name: op.name });
        const md = metadataOf(now);
        if (md.state === 'RUNNING') {
          seen.push({ percent: md.progressPercent, message: md.statusMessage });
          expect(md.attempt).toBe(1);
          expect(md.startTime).not.toBeNull();
          expect(now.done).toBe(false);
        }
        return now.done ? now : undefined;
      },
      { timeoutMs: 20_000 },
    );
    // Never goes backwards, and was seen strictly between 0 and 100 at least twice, rising.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.percent).toBeGreaterThanOrEqual(seen[i - 1]!.percent);
    const between = [...new Set(seen.filter((s) => s.percent > 0 && s.percent < 100).map((s) => s.percent))];
    expect(between.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    for (const s of seen.filter((x) => x.percent > 0)) expect(s.message).toMatch(/^step \d+ of 10$/);

    const md = metadataOf(final);
    expect(md.state).toBe('SUCCEEDED');
    expect(md.progressPercent).toBe(100);
    expect(md.attempt).toBe(1);
    expect(timestampMs(md.endTime)).toBeGreaterThanOrEqual(timestampMs(md.startTime));
    expect(timestampMs(md.startTime)).toBeGreaterThanOrEqual(timestampMs(md.createTime));
    expect(responseJson(final).slept).toBeGreaterThan(0);
  });
});

describe('terminal errors', () => {
  it('demo.fail ends FAILED with the code and message it was given', async () => {
    const op = await t.grpc.start('demo.fail', { code: Code.RESOURCE_EXHAUSTED, message: 'out of quota' });
    const done = await untilDone(t.grpc, op.name);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.response ?? null).toBeNull();
    expect(done.error?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(done.error?.message).toBe('out of quota');
    expect(errorInfoOf(done.error!).domain).toBe('lro.v1');
  });

  it('demo.fail defaults to INTERNAL (13), and can fail after a while', async () => {
    const op = await t.grpc.start('demo.fail', { afterSeconds: 0.1 });
    const done = await untilDone(t.grpc, op.name);
    expect(done.error?.code).toBe(13);
    expect(done.error?.message).not.toBe('');
  });

  it("the kind's timeout ends it with DEADLINE_EXCEEDED (4)", async () => {
    const op = await t.grpc.start('test.slow', {});
    const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
    expect(done.done).toBe(true);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.error?.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(errorInfoOf(done.error!).reason).toBe('OPERATION_TIMEOUT');
    expect(metadataOf(done).requestedCancellation).toBe(false);
  });

  it('a handler throwing a plain Error ends with UNKNOWN (2) and its message', async () => {
    const op = await t.grpc.start('test.throws', {});
    const done = await untilDone(t.grpc, op.name);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.error?.code).toBe(Code.UNKNOWN);
    expect(done.error?.message).toContain('the disk is on fire');
    expect(errorInfoOf(done.error!).reason).toBe('HANDLER_FAILED');
  });

  it("a handler throwing an ApiError keeps its code, reason and metadata", async () => {
    const op = await t.grpc.start('test.denied', {});
    const done = await untilDone(t.grpc, op.name);
    expect(done.error?.code).toBe(Code.PERMISSION_DENIED);
    expect(done.error?.message).toBe('not yours');
    const info = errorInfoOf(done.error!);
    expect(info.reason).toBe('NOT_THE_OWNER');
    expect(info.metadata).toEqual({ owner: 'someone' });
  });

  it("a handler's output comes back whole in the response Struct", async () => {
    const op = await t.grpc.start('test.output', {});
    const done = await untilDone(t.grpc, op.name);
    expect(responseJson(done)).toEqual({
      text: 'hé',
      n: 1.5,
      yes: true,
      nothing: null,
      list: [1, 'two', { three: 3 }],
      nested: { deep: { er: 'x' } },
    });
    // The shared helper (unpackAny underneath) reads the same values.
    expect(responseOf(done)).toEqual(responseJson(done));
    expect(done.response?.type_url).toBe('type.googleapis.com/google.protobuf.Struct');
    expect(done.metadata.type_url).toBe('type.googleapis.com/lro.v1.OperationMetadata');
  });
});

describe('DeleteOperation', () => {
  it('removes a done operation: Get is NOT_FOUND afterwards, and so is a second delete', async () => {
    for (const [kind, input] of [
      ['demo.sleep', { seconds: 0, steps: 1 }],
      ['demo.fail', { code: 9 }],
    ] as const) {
      const op = await t.grpc.start(kind, input);
      await untilDone(t.grpc, op.name);
      expect(await t.grpc.deleteOperation({ name: op.name })).toEqual({});
      let f = await grpcFailure(t.grpc.getOperation({ name: op.name }));
      expect(f.code).toBe(status.NOT_FOUND);
      expect(f.reason).toBe('OPERATION_NOT_FOUND');
      f = await grpcFailure(t.grpc.deleteOperation({ name: op.name }));
      expect(f.code).toBe(status.NOT_FOUND);
      const all = await t.grpc.listOperations({ pageSize: 1000 });
      expect(all.operations.map((o) => o.name)).not.toContain(op.name);
    }
  });

  it('removes a cancelled operation too', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 60, steps: 6000 });
    await t.grpc.cancelOperation({ name: op.name });
    await untilDone(t.grpc, op.name);
    await t.grpc.deleteOperation({ name: op.name });
    expect((await grpcFailure(t.grpc.getOperation({ name: op.name }))).code).toBe(status.NOT_FOUND);
  });

  it('refuses a not-done operation with FAILED_PRECONDITION and leaves it alone', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 60, steps: 6000 });
    const f = await grpcFailure(t.grpc.deleteOperation({ name: op.name }));
    expect(f.code).toBe(status.FAILED_PRECONDITION);
    expect(f.reason).toBe('OPERATION_NOT_DONE');
    expect(f.message).toContain(op.name);
    const still = await t.grpc.getOperation({ name: op.name });
    expect(still.done).toBe(false);
    expect(metadataOf(still).requestedCancellation).toBe(false);
    await t.grpc.cancelOperation({ name: op.name });
    await untilDone(t.grpc, op.name);
  });
});

describe('the work itself', () => {
  it('demo.hash computes the SHA-256 of its generated data in its worker thread', async () => {
    const megabytes = 3;
    const op = await t.grpc.start('demo.hash', { megabytes });
    const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 30 } });
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    // The same data, hashed here: 1 MiB chunks of a fixed pattern, each stamped with its index.
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
    const hash = createHash('sha256');
    for (let i = 0; i < megabytes; i++) {
      chunk.writeUInt32LE(i, 0);
      hash.update(chunk);
    }
    expect(responseJson(done)).toEqual({ sha256: hash.digest('hex') });
    expect(metadataOf(done).statusMessage).toBe(`hashed ${megabytes} of ${megabytes} MiB`);
  });

  it('runs at most `concurrency` operations at once, and the oldest queued one next', async () => {
    const small = await startTestServer({ concurrency: 3 });
    try {
      const ops: string[] = [];
      for (let i = 0; i < 6; i++) ops.push((await small.grpc.start('demo.sleep', { seconds: 60, steps: 6000 })).name);
      for (const name of ops.slice(0, 3)) await untilRunning(small.grpc, name);
      const states = async () => (await listAll(small.grpc)).map((o) => metadataOf(o).state);
      for (let i = 0; i < 5; i++) {
        const now = await states();
        expect(now.filter((s) => s === 'RUNNING')).toHaveLength(3);
        expect(now.filter((s) => s === 'QUEUED')).toHaveLength(3);
      }
      // A worker frees up: the oldest queued operation takes it, the others still wait.
      await small.grpc.cancelOperation({ name: ops[1]! });
      await untilRunning(small.grpc, ops[3]!);
      for (const name of ops.slice(4)) expect(metadataOf(await small.grpc.getOperation({ name })).state).toBe('QUEUED');
      for (const name of ops) await small.grpc.cancelOperation({ name });
    } finally {
      await small.close();
    }
  });
});
