/**
 * GET /metrics after real operations over both transports: started, finished, cancelled (before start,
 * while running, again, too late), failed calls by code, streams counted when they end, a client that
 * went away, the gauges read from the store at scrape time, a registry per server, and a scrape that
 * survives a failing store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/index.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { eventually } from '../helpers/eventually.js';
import { grpcFailure } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone } from '../helpers/operations.js';
import { scrape, type Scrape } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { captureLogs, hsToken, startAuthServer, WRITE } from '../security/auth-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const held = createHeldKind('test.held');
const quick = defineKind({ name: 'test.quick', description: 'Ends at once.', handler: () => ({ ok: true }) });

const json = { 'content-type': 'application/json' };
const post = (url: string, body: unknown = {}, init: RequestInit = {}) => fetch(url, { method: 'POST', headers: json, body: JSON.stringify(body), ...init });

/** Scrapes until `check` holds (the counters of a done operation follow its finish by a turn). */
function scrapeUntil(http: string, check: (s: Scrape) => boolean): Promise<Scrape> {
  return eventually(async () => {
    const s = await scrape(http);
    return check(s) ? s : undefined;
  });
}

let t: TestServer;

beforeAll(async () => {
  // One operation at a time: a second one stays queued while a held one runs.
  t = await startTestServer({ concurrency: 1, kinds: [held.kind, quick] });
});

afterAll(async () => {
  held.releaseAll();
  await t?.close();
});

describe('GET /metrics', () => {
  it('is Prometheus text with the lro metrics (registered kinds at 0 from the start) and the Node process metrics', async () => {
    const s = await scrape(t.http);
    expect(s.status).toBe(200);
    expect(s.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'lro_operations',
      'lro_operations_started_total',
      'lro_operations_finished_total',
      'lro_cancel_requests_total',
      'lro_cancel_latency_seconds',
      'lro_operation_duration_seconds',
      'lro_queue_depth',
      'lro_running',
      'lro_requests_total',
      'lro_request_duration_seconds',
    ]) {
      expect(s.text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(s.value('lro_operations_started_total', { kind: 'test.quick' })).toBe(0);
    expect(s.value('lro_operations', { kind: 'test.held', state: 'QUEUED' })).toBe(0);
    expect(s.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(s.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(s.value('nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it('counts operations started, finished and cancelled, and reads the gauges from the store', async () => {
    // A quick one, over gRPC: started and finished.
    const done = await t.grpc.start('test.quick');
    await untilDone(t.grpc, done.name);
    // A held one takes the only slot (HTTP); the next one stays queued (gRPC).
    const running = (await (await post(`${t.http}/v1/kinds/test.held:start`)).json()) as { name: string };
    const run = await held.started(running.name);
    const queued = await t.grpc.start('test.held');

    const during = await scrape(t.http);
    expect(during.value('lro_running')).toBe(1);
    expect(during.value('lro_queue_depth')).toBe(1);
    expect(during.value('lro_operations', { kind: 'test.held', state: 'RUNNING' })).toBe(1);
    expect(during.value('lro_operations', { kind: 'test.held', state: 'QUEUED' })).toBe(1);
    expect(during.value('lro_operations', { kind: 'test.quick', state: 'SUCCEEDED' })).toBe(1);
    expect(during.value('lro_operations_started_total', { kind: 'test.held' })).toBe(2);

    // Queued → cancelled before start; again → already cancelled; the running one → requested; a done one → too late.
    await t.grpc.cancelOperation({ name: queued.name });
    expect((await post(`${t.http}/v1/${queued.name}:cancel`)).status).toBe(200);
    await t.grpc.cancelOperation({ name: running.name });
    await run.ended;
    await untilDone(t.grpc, running.name);
    expect((await post(`${t.http}/v1/${done.name}:cancel`)).status).toBe(400);

    const after = await scrapeUntil(t.http, (s) => s.value('lro_cancel_latency_seconds_count') === 2);
    expect(after.value('lro_operations_started_total', { kind: 'test.quick' })).toBe(1);
    expect(after.value('lro_operations_finished_total', { kind: 'test.quick', state: 'SUCCEEDED' })).toBe(1);
    expect(after.value('lro_operations_finished_total', { kind: 'test.held', state: 'CANCELLED' })).toBe(2);
    expect(after.value('lro_operation_duration_seconds_count', { kind: 'test.held', state: 'CANCELLED' })).toBe(2);
    expect(after.value('lro_operation_duration_seconds_count', { kind: 'test.quick', state: 'SUCCEEDED' })).toBe(1);
    expect(after.value('lro_cancel_requests_total', { kind: 'test.held', outcome: 'cancelled_before_start' })).toBe(1);
    expect(after.value('lro_cancel_requests_total', { kind: 'test.held', outcome: 'already_cancelled' })).toBe(1);
    expect(after.value('lro_cancel_requests_total', { kind: 'test.held', outcome: 'requested' })).toBe(1);
    expect(after.value('lro_cancel_requests_total', { kind: 'test.quick', outcome: 'already_done' })).toBe(1);
    // Cancel latency: one at once (queued), one when the running handler ended.
    expect(after.value('lro_cancel_latency_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(after.value('lro_running')).toBe(0);
    expect(after.value('lro_queue_depth')).toBe(0);
    expect(after.value('lro_operations', { kind: 'test.held', state: 'CANCELLED' })).toBe(2);

    expect(after.value('lro_requests_total', { transport: 'grpc', method: 'StartOperation', code: 'OK' })).toBe(2);
    expect(after.value('lro_requests_total', { transport: 'http', method: 'StartOperation', code: 'OK' })).toBe(1);
    expect(after.value('lro_requests_total', { transport: 'grpc', method: 'CancelOperation', code: 'OK' })).toBe(2);
    expect(after.value('lro_requests_total', { transport: 'http', method: 'CancelOperation', code: 'OK' })).toBe(1);
    expect(after.value('lro_requests_total', { transport: 'http', method: 'CancelOperation', code: 'FAILED_PRECONDITION' })).toBe(1);
    expect(after.value('lro_request_duration_seconds_count', { transport: 'grpc', method: 'StartOperation' })).toBe(2);
  });

  it('counts failed calls by their code, on both transports, in one place', async () => {
    const before = await scrape(t.http);
    const missing = 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa';
    expect((await grpcFailure(t.grpc.getOperation({ name: missing }))).code).toBe(5);
    expect((await fetch(`${t.http}/v1/${missing}`)).status).toBe(404);
    expect((await fetch(`${t.http}/v1/${missing}`)).status).toBe(404);
    expect((await grpcFailure(t.grpc.getOperation({ name: 'not-a-name' }))).code).toBe(3);
    const after = await scrape(t.http);
    const delta = (labels: Record<string, string>) =>
      (after.value('lro_requests_total', labels) ?? 0) - (before.value('lro_requests_total', labels) ?? 0);
    expect(delta({ transport: 'grpc', method: 'GetOperation', code: 'NOT_FOUND' })).toBe(1);
    expect(delta({ transport: 'http', method: 'GetOperation', code: 'NOT_FOUND' })).toBe(2);
    expect(delta({ transport: 'grpc', method: 'GetOperation', code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(delta({ method: 'GetOperation', code: 'OK' })).toBe(0);
    expect(
      (after.value('lro_request_duration_seconds_count', { transport: 'http', method: 'GetOperation' }) ?? 0) -
        (before.value('lro_request_duration_seconds_count', { transport: 'http', method: 'GetOperation' }) ?? 0),
    ).toBe(2);
  });

  it('counts a stream once, when it ends, and a call whose client went away as CANCELLED', async () => {
    const op = await t.grpc.start('test.quick');
    await untilDone(t.grpc, op.name);
    // A Watch of a done operation sends it and ends: OK, over both transports.
    await new Promise<void>((resolve, reject) => t.grpc.watch({ name: op.name }).on('data', () => {}).on('end', resolve).on('error', reject));
    expect(await (await fetch(`${t.http}/v1/${op.name}:watch`)).text()).toContain('event: operation');

    // A Wait whose client goes away before the answer.
    const holding = await t.grpc.start('test.held');
    const run = await held.started(holding.name);
    const client = new AbortController();
    const waiting = post(`${t.http}/v1/${holding.name}:wait`, { timeout: '30s' }, { signal: client.signal });
    await eventually(() => t.server.activeWaiters === 1);
    client.abort();
    await expect(waiting).rejects.toThrow();
    const s = await scrapeUntil(t.http, (x) => x.value('lro_requests_total', { method: 'WaitOperation', code: 'CANCELLED' }) === 1);
    expect(s.value('lro_requests_total', { transport: 'http', method: 'WaitOperation', code: 'CANCELLED' })).toBe(1);
    expect(s.value('lro_requests_total', { transport: 'grpc', method: 'WatchOperation', code: 'OK' })).toBe(1);
    expect(s.value('lro_requests_total', { transport: 'http', method: 'WatchOperation', code: 'OK' })).toBe(1);
    run.release();
    await untilDone(t.grpc, holding.name);
  });

  it('has a registry of its own per server: a second server in the process counts only its own calls', async () => {
    const other = await startTestServer({ kinds: [quick] });
    try {
      await other.grpc.start('test.quick');
      const mine = await scrape(t.http);
      const theirs = await scrape(other.http);
      expect(theirs.value('lro_requests_total', { method: 'StartOperation' })).toBe(1);
      expect(mine.value('lro_requests_total', { method: 'StartOperation' })).toBeGreaterThan(1);
      expect(theirs.value('lro_operations_started_total', { kind: 'test.held' })).toBeUndefined();
      expect(theirs.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics when the store fails', () => {
  it('answers 200 with everything but the store gauges, and logs why', async () => {
    const dir = tempDir();
    const inner = createSqliteStore(dir.file('lro.sqlite'));
    let fail = false;
    const store: OperationStore = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'countByKindAndState' && fail) return () => Promise.reject(new Error('the disk is gone'));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const logs = captureLogs();
    const s = await startTestServer({ store, logger: logs.logger, kinds: [quick] });
    try {
      await s.grpc.start('test.quick');
      expect((await scrape(s.http)).value('lro_operations', { kind: 'test.quick' })).toBe(1);
      fail = true;
      const failed = await scrape(s.http);
      expect(failed.status).toBe(200);
      expect(failed.value('lro_operations')).toBeUndefined();
      expect(failed.value('lro_queue_depth')).toBeUndefined();
      expect(failed.value('lro_operations_started_total', { kind: 'test.quick' })).toBe(1);
      expect(failed.value('lro_requests_total', { method: 'StartOperation', code: 'OK' })).toBe(1);
      expect(failed.value('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(logs.lines().some((l) => l.level === 40 && String(l.msg).includes('counting operations in the store failed'))).toBe(true);
      fail = false;
      expect((await scrape(s.http)).value('lro_operations', { kind: 'test.quick' })).toBe(1);
    } finally {
      await s.close();
      await inner.close();
      dir.cleanup();
    }
  });
});

describe('GET /metrics with --auth jwt', () => {
  it('stays open, as health and reflection do (scrapers carry no token), and counts refused calls', async () => {
    const s = await startAuthServer({ kinds: [quick] });
    try {
      expect((await fetch(`${s.http}/v1/operations`)).status).toBe(401);
      const token = await hsToken({ scope: WRITE });
      expect((await fetch(`${s.http}/v1/operations`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const open = await scrape(s.http);
      expect(open.status).toBe(200);
      expect(open.value('lro_requests_total', { transport: 'http', method: 'ListOperations', code: 'UNAUTHENTICATED' })).toBe(1);
      expect(open.value('lro_requests_total', { transport: 'http', method: 'ListOperations', code: 'OK' })).toBe(1);
      // Nothing that names an operation, a principal or a token.
      expect(open.text).not.toContain(token.split('.')[2]!);
    } finally {
      await s.close();
    }
  });
});
