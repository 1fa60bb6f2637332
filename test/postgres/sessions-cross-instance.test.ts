/**
 * Sessions across two instances on one PostgreSQL schema: A serves the API and runs nothing (concurrency 0),
 * B runs every operation and renews leases (re-reading cancel requests) only every 30 s, so whatever
 * reaches B or A within the tests' deadlines travelled by NOTIFY: cancels of a batch, a watch's
 * cancel-on-disconnect, and progress events for a watch held on A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/runtime/kind.js';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, metadataOf, type Operation } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone } from '../helpers/operations.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';

const held = createHeldKind('test.held');

/** Reports progress when the test asks (steps 1, 2, 3), then returns. */
const steps: (() => void)[] = [];
const stepper = defineKind({
  name: 'test.stepper',
  async handler(_input, ctx) {
    for (let i = 1; i <= 3; i++) {
      await new Promise<void>((resolve) => steps.push(resolve));
      ctx.progress(i * 30, `step ${i}`);
    }
    return {};
  },
});

describe.skipIf(!(await postgresAvailable()))('sessions across instances on PostgreSQL', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    const kinds = [held.kind, stepper];
    a = await startInstance(schema.url, { instanceId: 'A', concurrency: 0, kinds });
    b = await startInstance(schema.url, { instanceId: 'B', leaseMs: 60_000, heartbeatMs: 30_000, kinds });
  });

  afterAll(async () => {
    held.releaseAll();
    for (const step of steps) step();
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('BatchCancelOperations on A reaches every running match on B', async () => {
    const ops: Operation[] = [];
    for (let i = 0; i < 5; i++) ops.push(await a.grpc.start('test.held', {}, '', {}, { session: 'cross' }));
    const runs = await Promise.all(ops.map((op) => held.started(op.name)));
    const { results } = await a.grpc.batchCancel({ filter: 'metadata.labels.session = cross' });
    expect(results.map((r) => r.status.code)).toEqual([0, 0, 0, 0, 0]);
    await Promise.all(runs.map((r) => r.aborted));
    for (const op of ops) expect(errorInfoOf((await untilDone(a.grpc, op.name)).error!).reason).toBe('CANCELLED_WHILE_RUNNING');
  });

  it('a watch held on A sees the progress of the operation running on B, then its end', async () => {
    const op = await a.grpc.start('test.stepper');
    const stream = a.grpc.watch({ name: op.name });
    const seen: Operation[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: Operation) => seen.push(m));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    for (let i = 1; i <= 2; i++) {
      await eventually(() => steps.length >= i);
      steps[i - 1]!();
      await eventually(() => seen.some((m) => metadataOf(m).progressPercent === i * 30));
    }
    // The last step and the end come together: coalescing may fold them into the done message.
    await eventually(() => steps.length >= 3);
    steps[2]!();
    await ended;
    expect(seen[seen.length - 1]).toMatchObject({ done: true });
    expect(metadataOf(seen[seen.length - 1]!).state).toBe('SUCCEEDED');
  });

  it('cancel_on_disconnect: a stream held on A whose client goes away cancels the operation running on B', async () => {
    const op = await a.grpc.start('test.held');
    const run = await held.started(op.name);
    const stream = a.grpc.watch({ name: op.name, cancelOnDisconnect: true });
    const got = new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.on('error', () => {});
    await got;
    stream.cancel();
    await run.aborted;
    const done = await untilDone(a.grpc, op.name);
    expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
  });

  it('over HTTP too: an SSE reader on A that goes away cancels the operation running on B', async () => {
    const op = await a.grpc.start('test.held');
    const run = await held.started(op.name);
    const controller = new AbortController();
    const res = await fetch(`${a.http}/v1/${op.name}:watch?cancelOnDisconnect=true`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await run.aborted;
    expect(errorInfoOf((await untilDone(a.grpc, op.name)).error!).reason).toBe('CANCELLED_WHILE_RUNNING');
  });
});
