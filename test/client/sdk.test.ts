/**
 * The SDK against a real server over both wires (the URL scheme picks): kinds, start/get/wait/result, request
 * ids, typed errors with their reasons, cancel one and several as rows, timeouts, paging, progress, and
 * close(). Watching lives in watch.test.ts, labels and cancelling a whole session in session-cancel.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, LroError, type Session } from '../../src/client/index.js';
import { listAll, untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { serverUrl, WIRES } from './wires.js';

let t: TestServer;
/** One worker: what is started behind a long operation stays queued (cancelled before start). */
let single: TestServer;

beforeAll(async () => {
  [t, single] = await Promise.all([startTestServer(), startTestServer({ concurrency: 1 })]);
});
afterAll(async () => {
  await Promise.all([t?.close(), single?.close()]);
});

async function failure(p: Promise<unknown>): Promise<LroError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LroError);
    return err as LroError;
  }
  throw new Error('expected the call to fail');
}

describe.each(WIRES)('the SDK over %s', (transport) => {
  let session: Session;
  beforeAll(() => {
    session = createSession({ server: serverUrl(t, transport) });
  });
  afterAll(() => session?.close());

  it('lists the kinds and gets one', async () => {
    const kinds = await session.kinds();
    expect(kinds.map((k) => k.name)).toEqual(expect.arrayContaining(['kinds/demo.sleep', 'kinds/demo.purge']));
    expect(await session.kind('demo.purge')).toMatchObject({ name: 'kinds/demo.purge', cancellable: false, timeout: '3600s', timeoutMs: 3_600_000 });
  });

  it('starts an operation, reads it, waits for it and returns its output', async () => {
    const op = await session.start('demo.sleep', { seconds: 0.1, steps: 2 });
    expect(op.name).toMatch(/^operations\/[0-9a-z]{26}$/);
    expect(op.started).toMatchObject({ name: op.name, done: false, metadata: { kind: 'kinds/demo.sleep', cancellable: true } });
    expect(op.started.metadata.createTime).toMatch(/Z$/);
    expect((await op.get()).name).toBe(op.name);

    const done = await op.wait();
    expect(done).toMatchObject({ name: op.name, done: true, metadata: { state: 'SUCCEEDED', progressPercent: 100 } });
    expect(done.metadata.endTime).toBeDefined();
    expect(done.error).toBeUndefined();
    expect(await op.result()).toEqual({ slept: expect.any(Number) });
  });

  it('sends a request id: the same id returns the same operation; reused with other input, ALREADY_EXISTS', async () => {
    const requestId = `same-${transport}-${Date.now()}`;
    const a = await session.start('kinds/demo.sleep', { seconds: 0.05 }, { requestId });
    const b = await session.start('demo.sleep', { seconds: 0.05 }, { requestId });
    expect(b.name).toBe(a.name);
    const reused = await failure(session.start('demo.sleep', { seconds: 9 }, { requestId }));
    expect(reused).toMatchObject({ code: 6, codeName: 'ALREADY_EXISTS', reason: 'REQUEST_ID_REUSED', retryable: false });
  });

  it('result() rejects with the operation error as an LroError: code, reason, metadata, safeToResubmit', async () => {
    const failed = await session.start('demo.fail', { code: 9, message: 'no disk' });
    const err = await failure(failed.result());
    expect(err).toMatchObject({ code: 9, codeName: 'FAILED_PRECONDITION', message: 'no disk', operation: failed.name, retryable: false, safeToResubmit: false });
    expect(err.reason).not.toBe('');

    const running = await session.start('demo.sleep', { seconds: 60 });
    await untilRunning(t.grpc, running.name);
    await session.cancel(running);
    const whileRunning = await failure(running.result());
    expect(whileRunning).toMatchObject({ code: 1, codeName: 'CANCELLED', reason: 'CANCELLED_WHILE_RUNNING', safeToResubmit: false });
    expect(whileRunning.metadata.processed).toBe('true');
  });

  it('an operation cancelled before it started is safe to resubmit', async () => {
    const s = createSession({ server: serverUrl(single, transport) });
    try {
      const blocker = await s.start('demo.sleep', { seconds: 60 });
      await untilRunning(single.grpc, blocker.name);
      const queued = await s.start('demo.sleep', { seconds: 1 });
      expect((await s.cancel(queued))[0]).toMatchObject({ ok: true, code: 0 });
      const err = await failure(queued.result());
      expect(err).toMatchObject({ code: 1, reason: 'CANCELLED_BEFORE_START', safeToResubmit: true });
      await s.cancel(blocker);
    } finally {
      await s.close();
    }
  });

  it('failed calls are LroErrors with the server reason; bad names fail before anything is sent', async () => {
    expect(await failure(session.operation('operations/01aaaaaaaaaaaaaaaaaaaaaaaa').get())).toMatchObject({
      code: 5,
      codeName: 'NOT_FOUND',
      reason: 'OPERATION_NOT_FOUND',
      domain: 'lro.v1',
    });
    expect(await failure(session.operation('not-an-operation-name').get())).toMatchObject({ code: 3, reason: 'INVALID_NAME' });
    expect(await failure(session.start('no.such.kind'))).toMatchObject({ code: 5, reason: 'KIND_NOT_FOUND' });
    expect(await failure(session.start('Not A Kind'))).toMatchObject({ code: 3, reason: 'INVALID_NAME' });
    expect(await failure(session.start('demo.sleep', { seconds: -1 }))).toMatchObject({ code: 3 });
    const list = session.list({ filter: 'nope ~ 1' })[Symbol.asyncIterator]();
    expect(await failure(list.next())).toMatchObject({ code: 3 });
    const running = await session.start('demo.sleep', { seconds: 60 });
    expect(await failure(running.delete())).toMatchObject({ code: 9, reason: 'OPERATION_NOT_DONE' });
    await running.cancel();
    await running.wait();
    await running.delete();
    expect(await failure(running.get())).toMatchObject({ code: 5 });
  });

  it('cancels one operation: a row, and a kind that cannot be cancelled is a row with code 12, never a throw', async () => {
    const sleep = await session.start('demo.sleep', { seconds: 60 });
    expect(await session.cancel(sleep)).toEqual([{ name: sleep.name, ok: true, code: 0, codeName: 'OK' }]);
    expect((await untilDone(t.grpc, sleep.name)).error?.code).toBe(1);

    const purge = await session.start('demo.purge', { seconds: 0.2 });
    const [row] = await session.cancel(purge.name);
    expect(row).toMatchObject({ name: purge.name, ok: false, code: 12, codeName: 'UNIMPLEMENTED', reason: 'CANCELLATION_NOT_SUPPORTED' });
    expect(await purge.cancel()).toMatchObject({ ok: false, code: 12 });
    expect((await purge.wait()).metadata.state).toBe('SUCCEEDED');
  });

  it('cancels several: one row per operation, in the order given', async () => {
    const running = await session.start('demo.sleep', { seconds: 60 });
    const purge = await session.start('demo.purge', { seconds: 0.2 });
    const finished = await session.start('demo.sleep', { seconds: 0 });
    await finished.wait();
    const missing = 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa';
    const rows = await session.cancel([running, purge, (await finished.get()), missing, 'not-an-operation-name']);
    expect(rows.map((r) => [r.name, r.ok, r.code])).toEqual([
      [running.name, true, 0],
      [purge.name, false, 12],
      [finished.name, false, 9],
      [missing, false, 5],
      ['not-an-operation-name', false, 3],
    ]);
    expect(rows[2]!.reason).toBe('OPERATION_ALREADY_DONE');
    expect(await session.cancel([])).toEqual([]);
    // Cancelling again is idempotent: a cancelled operation answers OK.
    await untilDone(t.grpc, running.name);
    expect(await session.cancel([running])).toMatchObject([{ ok: true, code: 0 }]);
  });

  it('wait with a timeout returns the current state, not an error; "0s" returns at once', async () => {
    const op = await session.start('demo.sleep', { seconds: 60 });
    await untilRunning(t.grpc, op.name);
    const now = await op.wait({ timeout: 0 });
    expect(now).toMatchObject({ done: false, metadata: { state: 'RUNNING' } });
    const later = await op.wait({ timeout: '150ms' });
    expect(later).toMatchObject({ name: op.name, done: false });
    expect(await failure(op.wait({ timeout: 'soon' }))).toMatchObject({ code: 3, reason: 'INVALID_TIMEOUT' });
    await op.cancel();
  });

  it('list() walks every page of a filter, newest first', async () => {
    const input = { code: 5, message: `page-${transport}` };
    const started = [];
    for (let i = 0; i < 5; i++) started.push((await session.start('demo.fail', input)).name);
    const filter = 'metadata.kind = "kinds/demo.fail"';
    const seen: string[] = [];
    for await (const op of session.list({ filter, pageSize: 2 })) seen.push(op.name);
    expect(seen).toEqual((await listAll(t.grpc, filter)).map((o) => o.name));
    expect(seen.slice(0, 5)).toEqual([...started].reverse());
  });

  it('close() aborts what is in flight; a closed session refuses calls', async () => {
    const s = createSession({ server: serverUrl(t, transport) });
    const op = await s.start('demo.sleep', { seconds: 60 });
    const waiting = op.wait();
    await s.close();
    expect(await failure(waiting)).toMatchObject({ code: 1, reason: 'SESSION_CLOSED' });
    expect(await failure(s.kinds())).toMatchObject({ code: 9, reason: 'SESSION_CLOSED' });
    await session.cancel(op.name);
  });
});

describe('server URLs', () => {
  it('picks the wire by scheme and refuses unknown schemes with a clear message', () => {
    expect(() => createSession({ server: 'ftp://127.0.0.1:21' })).toThrow(/unknown scheme ftp:.*http:\/\/, https:\/\/, grpc:\/\//);
    expect(() => createSession({ server: 'not a url' })).toThrow(/is not a URL/);
    expect(() => createSession({ server: 'http://127.0.0.1:8080/api' })).toThrow(/has a path/);
    const err = (() => {
      try {
        createSession({ server: 'ftp://x' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 3, reason: 'INVALID_SERVER_URL' });
  });

  it('an unreachable server fails with UNAVAILABLE naming the address, after the bounded retries', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = await startTestServer();
    const { http, grpcAddress } = probe;
    await probe.close();
    for (const server of [http, `grpc://${grpcAddress}`]) {
      const s = createSession({ server, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } });
      const err = await failure(s.kinds());
      expect(err.code).toBe(14);
      expect(err.message).toContain(server);
      expect(err.message).toContain('after 3 attempts');
      expect(err).toMatchObject({ retryable: true, safeToResubmit: true });
      await s.close();
    }
  });
});
