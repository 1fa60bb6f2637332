/**
 * CancelOperation racing with completion. Operations are put, for certain, in each state a cancel can meet
 * (queued, running and listening, running and deaf to it, finishing at that very moment, done), then all
 * are cancelled at once. Each outcome must be seen, each must be consistent, and none may stay stuck.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, grpcFailure, metadataOf, type Operation } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { responseJson } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Listens to its signal: a cancel ends it at once. */
const listening = createHeldKind('test.listening');
/** Ignores its signal: it ends only when released, and then its own result stands. */
const deaf = createHeldKind('test.deaf', { onAbort: 'deaf' });

const PER_GROUP = 6;
let t: TestServer;

beforeAll(async () => {
  // Exactly enough workers for the running groups, so the queued group stays queued until the end.
  t = await startTestServer({ concurrency: 3 * PER_GROUP, kinds: [listening.kind, deaf.kind] });
});

afterAll(async () => {
  listening.releaseAll();
  deaf.releaseAll();
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

type Outcome = 'succeeded after a cancel' | 'succeeded before a cancel' | 'cancelled before start' | 'cancelled while running';

/** Checks that a done operation is consistent with the cancel's answer; returns which outcome it is. */
function outcomeOf(answer: CancelAnswer, done: Operation): Outcome {
  const md = metadataOf(done);
  expect(done.done, `${done.name} is stuck`).toBe(true);
  if (md.state === 'SUCCEEDED') {
    expect(done.error ?? null, done.name).toBeNull();
    expect(responseJson(done)).toEqual({ attempt: 1 });
    // A cancel that arrived while it ran is remembered, even though the handler won.
    expect(md.requestedCancellation, done.name).toBe(answer === 'ok');
    return answer === 'ok' ? 'succeeded after a cancel' : 'succeeded before a cancel';
  }
  expect(md.state, done.name).toBe('CANCELLED');
  expect(answer, `${done.name} was cancelled, so its cancel must have answered OK`).toBe('ok');
  expect(done.response ?? null, done.name).toBeNull();
  expect(done.error?.code, done.name).toBe(status.CANCELLED);
  expect(md.requestedCancellation, done.name).toBe(true);
  const info = errorInfoOf(done.error!);
  if (info.reason === 'CANCELLED_BEFORE_START') {
    expect(info.metadata.processed).toBe('false');
    expect(md.startTime, done.name).toBeNull();
    expect(md.attempt, done.name).toBe(0);
    return 'cancelled before start';
  }
  expect(info.reason, done.name).toBe('CANCELLED_WHILE_RUNNING');
  expect(info.metadata.processed).toBe('true');
  return 'cancelled while running';
}

it('every outcome of cancel vs. completion happens, each consistent; the true race too', async () => {
  const startMany = (kind: string) => Promise.all(Array.from({ length: PER_GROUP }, () => t.grpc.start(kind)));
  // Done: released and finished before any cancel.
  const finished = await startMany('test.deaf');
  for (const op of finished) (await deaf.started(op.name)).release();
  for (const op of finished) expect((await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } })).done).toBe(true);
  // Running: their handlers have started (the held kinds say so, no polling of states).
  const listeners = await startMany('test.listening');
  const deafOnes = await startMany('test.deaf');
  const racers = await startMany('test.listening');
  await Promise.all([...listeners, ...racers].map((op) => listening.started(op.name)));
  await Promise.all(deafOnes.map((op) => deaf.started(op.name)));
  // Queued: every worker is taken, so these cannot start.
  const queued = await startMany('test.listening');
  for (const op of queued) expect(metadataOf(await t.grpc.getOperation({ name: op.name })).state).toBe('QUEUED');

  // The cancels go out together, in two waves: first those that free no worker (queued, deaf, done), so
  // that no queued operation can start meanwhile; then the running listeners, and the racers, released at
  // that same moment so that their handler returns as the cancel lands (either may win; both must be consistent).
  const answers = new Map<string, CancelAnswer>();
  const wave = async (ops: Operation[], alongside: () => Promise<void> = async () => {}) => {
    const settled = ops.map(async (op) => answers.set(op.name, await cancel(op.name)));
    await alongside();
    await Promise.all(settled);
  };
  await wave([...queued, ...deafOnes, ...finished]);
  await wave([...listeners, ...racers], async () => {
    for (const op of racers) (await listening.started(op.name)).release();
  });
  // The deaf ones got their cancel (answered OK, requested_cancellation recorded) while held: now let them win.
  for (const op of deafOnes) {
    expect(metadataOf(await t.grpc.getOperation({ name: op.name }))).toMatchObject({ state: 'RUNNING', requestedCancellation: true });
    (await deaf.started(op.name)).release();
  }

  const groups = { queued, listeners, deafOnes, racers, finished };
  const seen: Record<keyof typeof groups, Outcome[]> = { queued: [], listeners: [], deafOnes: [], racers: [], finished: [] };
  for (const [group, ops] of Object.entries(groups) as [keyof typeof groups, Operation[]][]) {
    for (const op of ops) {
      const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
      seen[group].push(outcomeOf(answers.get(op.name)!, done));
      // Terminal means terminal: another cancel answers by the state, and changes nothing.
      expect(await cancel(op.name), op.name).toBe(metadataOf(done).state === 'CANCELLED' ? 'ok' : 'already_done');
      expect(await t.grpc.getOperation({ name: op.name })).toEqual(done);
    }
  }

  const each = (outcome: Outcome) => Array<Outcome>(PER_GROUP).fill(outcome);
  expect(seen.queued).toEqual(each('cancelled before start'));
  expect(seen.listeners).toEqual(each('cancelled while running'));
  expect(seen.deafOnes).toEqual(each('succeeded after a cancel'));
  expect(seen.finished).toEqual(each('succeeded before a cancel'));
  // The true race: any outcome of a running operation, never "before start", and never "stuck".
  for (const outcome of seen.racers) expect(['cancelled while running', 'succeeded after a cancel', 'succeeded before a cancel']).toContain(outcome);
  // The queued ones never ran, even now that workers are free.
  for (const op of queued) expect(listening.runs().some((r) => r.name === op.name), op.name).toBe(false);
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
