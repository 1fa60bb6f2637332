/**
 * BatchCancelOperations over gRPC and HTTP/JSON: by names or by filter (paged), one result per operation
 * with exactly what CancelOperation would answer for it alone; one bad operation never fails the batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monotonicFactory } from 'ulid';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { errorInfoOf, grpcFailure, metadataOf, type GrpcClient } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { listAll, untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp-dir.js';

const held = createHeldKind('test.held');

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ concurrency: 1, kinds: [held.kind] });
});
afterAll(async () => {
  held.releaseAll();
  await t?.close();
});

type Result = { name: string; status: { code: number; message: string; details: { type_url: string; value: Uint8Array }[] } };

/** What CancelOperation alone answers for `name`: code and reason (0 and '' for OK). */
async function alone(client: GrpcClient, name: string): Promise<{ code: number; reason: string }> {
  try {
    await client.cancelOperation({ name });
    return { code: 0, reason: '' };
  } catch (err) {
    const f = await grpcFailure(Promise.reject(err));
    return { code: f.code, reason: f.reason };
  }
}

const outcome = (r: Result) => ({ code: r.status.code, reason: r.status.code === 0 ? '' : errorInfoOf(r.status).reason });

describe('BatchCancelOperations by names', () => {
  it('gives every name the answer CancelOperation would, in order, and acts on each', async () => {
    const running = await t.grpc.start('test.held');
    const run = await held.started(running.name);
    // The only worker is busy: these stay queued.
    const queued = await t.grpc.start('demo.sleep', { seconds: 30 });
    const purge = await t.grpc.start('demo.purge', { seconds: 0 });
    const cancelledBefore = await t.grpc.start('demo.sleep');
    await t.grpc.cancelOperation({ name: cancelledBefore.name });
    const names = [
      running.name,
      queued.name,
      purge.name,
      cancelledBefore.name,
      'operations/01abcdefghjkmnpqrstvwxyz00',
      'not-an-operation-name',
      queued.name,
    ];
    const { results, nextPageToken } = await t.grpc.batchCancel({ names });
    expect(nextPageToken).toBe('');
    expect(results.map((r) => r.name)).toEqual(names);
    expect(results.map(outcome)).toEqual([
      { code: 0, reason: '' },
      { code: 0, reason: '' },
      { code: 12, reason: 'CANCELLATION_NOT_SUPPORTED' },
      { code: 0, reason: '' },
      { code: 5, reason: 'OPERATION_NOT_FOUND' },
      { code: 3, reason: 'INVALID_NAME' },
      { code: 0, reason: '' },
    ]);
    // The running one's handler was told; the queued one never starts; the purge was left alone.
    await run.aborted;
    const runningDone = await untilDone(t.grpc, running.name);
    expect(errorInfoOf(runningDone.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    const queuedDone = await t.grpc.getOperation({ name: queued.name });
    expect(errorInfoOf(queuedDone.error!).reason).toBe('CANCELLED_BEFORE_START');
    expect(metadataOf(await t.grpc.getOperation({ name: purge.name })).requestedCancellation).toBe(false);
    await untilDone(t.grpc, purge.name);

    // The same as CancelOperation alone, for each (now that they are settled), and idempotent.
    const again = (await t.grpc.batchCancel({ names })).results.map(outcome);
    for (const [i, name] of names.entries()) {
      if (name === 'not-an-operation-name') expect(again[i]).toEqual({ code: 3, reason: 'INVALID_NAME' });
      else expect(again[i], name).toEqual(await alone(t.grpc, name));
    }
    expect(again[2]).toEqual({ code: 12, reason: 'CANCELLATION_NOT_SUPPORTED' });
  });

  it('a done operation that is not cancelled: FAILED_PRECONDITION for it alone', async () => {
    const fail = await t.grpc.start('demo.fail', { code: 5 });
    await untilDone(t.grpc, fail.name);
    const [r] = (await t.grpc.batchCancel({ names: [fail.name] })).results;
    expect(outcome(r!)).toEqual({ code: 9, reason: 'OPERATION_ALREADY_DONE' });
  });

  it.each([
    ['neither names nor filter', {}],
    ['both names and filter', { names: ['operations/01abcdefghjkmnpqrstvwxyz00'], filter: 'done = false' }],
    ['more than 1000 names', { names: Array.from({ length: 1001 }, () => 'operations/01abcdefghjkmnpqrstvwxyz00') }],
    ['a page token with names', { names: ['operations/01abcdefghjkmnpqrstvwxyz00'], pageToken: 'abc' }],
    ['a bad filter', { filter: 'metadata.colour = red' }],
    ['a negative page size', { filter: 'done = false', pageSize: -1 }],
    ['a page token of another filter', { filter: 'done = false', pageToken: 'eyJ2IjoxLCJsYXN0IjoiMDFhYmNkZWZnaGprbW5wcXJzdHZ3eHl6MDAiLCJmIjoieCJ9' }],
  ])('%s → INVALID_ARGUMENT for the whole call', async (_what, req) => {
    expect((await grpcFailure(t.grpc.batchCancel(req))).code).toBe(3);
  });
});

describe('BatchCancelOperations by filter, over HTTP/JSON', () => {
  it('walks the matches in pages like ListOperations; a state filter still visits each match once', async () => {
    const started = [];
    for (let i = 0; i < 7; i++) started.push((await t.grpc.start('demo.sleep', { seconds: 30 }, '', {}, { session: 'http-batch' })).name);
    const filter = 'done = false AND metadata.labels.session = "http-batch"';
    const seen: string[] = [];
    let pageToken = '';
    for (let calls = 0; calls < 10; calls++) {
      const res = await fetch(`${t.http}/v1/operations:batchCancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filter, pageSize: 3, pageToken }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { name: string; status: { code?: number } }[]; nextPageToken?: string };
      expect(body.results.length).toBeLessThanOrEqual(3);
      for (const r of body.results) expect(r.status.code ?? 0).toBe(0);
      seen.push(...body.results.map((r) => r.name));
      pageToken = body.nextPageToken ?? '';
      if (!pageToken) break;
    }
    expect(seen).toEqual([...started].reverse());
    expect(await listAll(t.grpc, filter)).toEqual([]);
  });

  it('answers 400 with the envelope for a bad request', async () => {
    const res = await fetch(`${t.http}/v1/operations:batchCancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { reason: string }[] } }).error.details[0]?.reason).toBe('INVALID_BATCH');
  });
});

describe('BatchCancelOperations over 10,000 matches', () => {
  it('cancels them all by paging, one store call per page and none per operation', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const inner = createSqliteStore(dir.file('lro.sqlite'));
    const calls = { many: 0, one: 0 };
    const store: OperationStore = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'requestCancelMany') calls.many++;
        if (prop === 'requestCancel') calls.one++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const ulid = monotonicFactory();
    for (let i = 0; i < 10_000; i++) {
      await inner.create({ id: ulid().toLowerCase(), kind: 'demo.sleep', input: {}, cancellable: true, maxAttempts: 3, requestId: null, labels: { session: 'big' }, now: Date.now() });
    }
    const big = await startTestServer({ store, concurrency: 0 });
    try {
      let pageToken = '';
      let pages = 0;
      let cancelled = 0;
      do {
        const page = await big.grpc.batchCancel({ filter: 'metadata.labels.session = big', pageToken });
        pages++;
        cancelled += page.results.filter((r) => r.status.code === 0).length;
        pageToken = page.nextPageToken;
      } while (pageToken && pages < 50);
      expect(cancelled).toBe(10_000);
      expect(pages).toBe(10);
      expect(calls).toEqual({ many: 10, one: 0 });
      expect(await listAll(big.grpc, 'metadata.labels.session = big AND done = false')).toEqual([]);
    } finally {
      await big.close();
      await inner.close();
      dir.cleanup();
    }
  });
});
