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
  it('a running demo.sleep shows progress rising with its status message, update_time moving with it; attempt is 1', async () => {
    // 0.6 s a step for a minute: it is still running at every snapshot below, however slow the machine,
    // and it moves on by itself, so each wait below ends on an event that is certain to come.
    const op = await t.grpc.start('demo.sleep', { seconds: 60, steps: 100 });
    const progressAbove = (percent: number) =>
      eventually(async () => {
        const now = await t.grpc.getOperation({ name: op.name });
        return metadataOf(now).progressPercent > percent ? now : undefined;
      });
    const first = await progressAbove(0);
    const second = await progressAbove(metadataOf(first).progressPercent);
    await t.grpc.cancelOperation({ name: op.name });
    const cancelled = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });

    for (const snapshot of [first, second]) {
      const md = metadataOf(snapshot);
      expect(snapshot.done).toBe(false);
      expect(md.state).toBe('RUNNING');
      expect(md.attempt).toBe(1);
      expect(timestampMs(md.startTime)).toBeGreaterThanOrEqual(timestampMs(md.createTime));
      // One step is one percent here, and the message names the step the percent shows.
      expect(md.statusMessage).toBe(`step ${md.progressPercent} of 100`);
    }
    const [a, b] = [metadataOf(first), metadataOf(second)];
    expect(b.progressPercent).toBeGreaterThan(a.progressPercent);
    // update_time: set at creation, moved by the start, by each progress report and by the end.
    expect(timestampMs(metadataOf(op).updateTime)).toBe(timestampMs(metadataOf(op).createTime));
    expect(timestampMs(a.updateTime)).toBeGreaterThan(timestampMs(a.startTime));
    expect(timestampMs(b.updateTime)).toBeGreaterThan(timestampMs(a.updateTime));
    const end = metadataOf(cancelled);
    expect(timestampMs(end.updateTime)).toBeGreaterThanOrEqual(timestampMs(b.updateTime));
    expect(timestampMs(end.updateTime)).toBe(timestampMs(end.endTime));
  });

  it('a demo.sleep that runs to its end: SUCCEEDED at 100 %, its last step named, times in order', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 0.1, steps: 2 });
    const final = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
    const md = metadataOf(final);
    expect(final.done).toBe(true);
    expect(md.state).toBe('SUCCEEDED');
    expect(md.progressPercent).toBe(100);
    expect(md.statusMessage).toBe('step 2 of 2');
    expect(md.attempt).toBe(1);
    expect(timestampMs(md.startTime)).toBeGreaterThanOrEqual(timestampMs(md.createTime));
    expect(timestampMs(md.endTime)).toBeGreaterThanOrEqual(timestampMs(md.startTime));
    expect(timestampMs(md.updateTime)).toBe(timestampMs(md.endTime));
    expect(timestampMs(md.updateTime)).toBeGreaterThan(timestampMs(metadataOf(op).updateTime));
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

describe('Operation.error', () => {
  it('holds exactly one google.rpc.ErrorInfo (domain lro.v1, a reason) in details, whatever ended it, over gRPC and HTTP', async () => {
    const idle = await startTestServer({ concurrency: 0 }); // runs nothing: what it starts stays queued
    try {
      const queued = await idle.grpc.start('demo.sleep', {});
      await idle.grpc.cancelOperation({ name: queued.name });
      const running = await t.grpc.start('demo.sleep', { seconds: 60, steps: 600 });
      await untilRunning(t.grpc, running.name);
      await t.grpc.cancelOperation({ name: running.name });
      const ended: Array<[TestServer, string, string]> = [
        [idle, queued.name, 'CANCELLED_BEFORE_START'],
        [t, running.name, 'CANCELLED_WHILE_RUNNING'],
        [t, (await t.grpc.start('demo.fail', { code: Code.NOT_FOUND })).name, 'DEMO_FAILURE'],
        [t, (await t.grpc.start('test.throws', {})).name, 'HANDLER_FAILED'],
        [t, (await t.grpc.start('test.denied', {})).name, 'NOT_THE_OWNER'],
        [t, (await t.grpc.start('test.slow', {})).name, 'OPERATION_TIMEOUT'],
      ];
      for (const [server, name, reason] of ended) {
        const done = await server.grpc.waitOperation({ name, timeout: { seconds: 20 } });
        expect(done.done, name).toBe(true);
        expect(done.error?.details.map((d) => d.type_url), reason).toEqual(['type.googleapis.com/google.rpc.ErrorInfo']);
        expect(errorInfoOf(done.error!)).toMatchObject({ domain: 'lro.v1', reason });

        const res = await fetch(`${server.http}/v1/${name}`);
        const body = (await res.json()) as { error?: { code: number; details: Array<Record<string, unknown>> } };
        expect(res.status).toBe(200);
        expect(body.error?.code).toBe(done.error?.code);
        expect(body.error?.details, reason).toHaveLength(1);
        expect(body.error?.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', domain: 'lro.v1', reason });
      }
    } finally {
      await idle.close();
    }
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
