/**
 * CancelOperation racing with completion: many short operations, each cancelled at about the time it
 * finishes (some still queued, some running, some just done). Each must end in exactly one consistent
 * terminal state, and none may stay stuck.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { responseJson } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  // Enough workers that late cancels find their operation done; the first ones still catch some queued.
  t = await startTestServer({ concurrency: 32 });
});

afterAll(async () => {
  await t?.close();
});

type CancelAnswer = 'ok' | 'already_done';

async function cancel(name: string): Promise<CancelAnswer> {
  try {
    await t.grpc.cancelOperation({ name });
    return 'ok';
  } catch (err) {
    const f = await grpcFailure(Promise.reject(err));
    expect(f.code, `cancel of ${name}: ${f.message}`).toBe(status.FAILED_PRECONDITION);
    expect(f.reason).toBe('OPERATION_ALREADY_DONE');
    return 'already_done';
  }
}

it('every operation ends in exactly one consistent terminal state', async () => {
  const count = 48;
  const durationMs = 80;
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      // Both ends of the race made certain, however busy the machine: a few long operations cancelled at
      // once, and a few cancelled only once they are done.
      const first = i < 4;
      const last = i >= count - 4;
      const op = await t.grpc.start('demo.sleep', { seconds: first ? 30 : durationMs / 1000, steps: first ? 3000 : 4 });
      if (last) {
        await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
      } else if (!first) {
        // The others: cancels land around the moment the operation finishes. (This delay shapes the
        // race; it does not wait for any state.)
        await new Promise((r) => setTimeout(r, durationMs * (0.5 + (i - 4) / (count - 8))));
      }
      const answer = await cancel(op.name);
      // WaitOperation, not a sleep: returns as soon as the operation is done.
      const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
      return { name: op.name, answer, done };
    }),
  );

  const outcomes = { succeeded: 0, cancelledBeforeStart: 0, cancelledWhileRunning: 0 };
  for (const { name, answer, done } of results) {
    expect(done.done, `${name} is stuck`).toBe(true);
    const md = metadataOf(done);
    if (md.state === 'SUCCEEDED') {
      outcomes.succeeded++;
      expect(done.error ?? null, name).toBeNull();
      expect(typeof responseJson(done).slept).toBe('number');
      // A cancel that arrived while it ran is remembered, even though the handler won.
      expect(md.requestedCancellation, name).toBe(answer === 'ok');
    } else {
      expect(md.state, name).toBe('CANCELLED');
      expect(answer, `${name} was cancelled, so its cancel must have answered OK`).toBe('ok');
      expect(done.response ?? null, name).toBeNull();
      expect(done.error?.code, name).toBe(status.CANCELLED);
      expect(md.requestedCancellation, name).toBe(true);
      const info = errorInfoOf(done.error!);
      if (info.reason === 'CANCELLED_BEFORE_START') {
        outcomes.cancelledBeforeStart++;
        expect(info.metadata.processed).toBe('false');
        expect(md.startTime, name).toBeNull();
      } else {
        expect(info.reason, name).toBe('CANCELLED_WHILE_RUNNING');
        outcomes.cancelledWhileRunning++;
        expect(info.metadata.processed).toBe('true');
      }
    }

    // Terminal means terminal: another cancel answers by the state, and changes nothing.
    const again = await cancel(name);
    expect(again, name).toBe(md.state === 'CANCELLED' ? 'ok' : 'already_done');
    expect(await t.grpc.getOperation({ name })).toEqual(done);
  }

  expect(outcomes.succeeded + outcomes.cancelledBeforeStart + outcomes.cancelledWhileRunning).toBe(count);
  expect(outcomes.succeeded).toBeGreaterThanOrEqual(4);
  expect(outcomes.cancelledBeforeStart + outcomes.cancelledWhileRunning).toBeGreaterThanOrEqual(4);
});

it('cancels sent together with many Waits wake every waiter once, without "memory leak" warnings', async () => {
  // Many calls in flight at once are normal load, not a listener leak: the server must not warn about them.
  // (A fresh server: Node warns once per signal, so an earlier test must not have used up the warning.)
  const own = await startTestServer({ concurrency: 32 });
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const ops = await Promise.all(Array.from({ length: 20 }, () => own.grpc.start('demo.sleep', { seconds: 30, steps: 3000 })));
    const waits = ops.flatMap((op) => [1, 2].map(() => own.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } })));
    await eventually(() => own.server.activeWaiters === waits.length);
    await Promise.all(ops.map((op) => own.grpc.cancelOperation({ name: op.name })));
    const done = await Promise.all(waits);
    for (const op of done) {
      expect(op.done).toBe(true);
      expect(metadataOf(op).state).toBe('CANCELLED');
    }
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  } finally {
    process.off('warning', onWarning);
    await own.close();
  }
});
