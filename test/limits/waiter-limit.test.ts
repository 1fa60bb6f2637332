/**
 * --max-waiters over real gRPC and HTTP: WaitOperation and WatchOperation (gRPC stream and SSE) share the
 * instance's slots; one over is rejected before anything (RESOURCE_EXHAUSTED, 429 with Retry-After,
 * RetryInfo, TOO_MANY_WAITERS); Get, List and Cancel keep answering; and every way a call ends gives its
 * slot back: answered, done, timed out, failed, client gone.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import type { Operation } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectGrpcRejection, expectHttpRejection, httpCall } from './rejection.js';

const held = createHeldKind('test.held');
const ZERO = { seconds: 0, nanos: 0 };

let two: TestServer;
let one: TestServer;
beforeAll(async () => {
  [two, one] = await Promise.all([startTestServer({ kinds: [held.kind], maxWaiters: 2 }), startTestServer({ kinds: [held.kind], maxWaiters: 1 })]);
});
afterAll(async () => {
  held.releaseAll();
  await Promise.all([two?.close(), one?.close()]);
});

/** How a gRPC watch ended. */
function ended(stream: grpc.ClientReadableStream<Operation>): Promise<{ code: number; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    stream.on('data', () => {});
    stream.on('error', (error: grpc.ServiceError) => resolve({ code: error.code, error }));
    stream.on('status', (s: grpc.StatusObject) => s.code === 0 && resolve({ code: 0 }));
  });
}

/** A gRPC watch that holds its slot: resolves once its first message (sent at once) has arrived. */
async function watching(t: TestServer, name: string) {
  const stream = t.grpc.watch({ name });
  const end = ended(stream);
  await new Promise((resolve) => stream.once('data', resolve));
  return { stream, end };
}

/** A running operation of the held kind. */
async function running(t: TestServer) {
  const op = await t.grpc.start('test.held');
  return { op, run: await held.started(op.name) };
}

/** Resolves once a WaitOperation is accepted again (a slot is free). */
const slotFree = (t: TestServer, name: string) => eventually(() => t.grpc.waitOperation({ name, timeout: ZERO }).then(() => true));

describe('--max-waiters', () => {
  it('one over is rejected on every binding, Get, List and Cancel still answer, and a slot frees when its call ends', async () => {
    const { op, run } = await running(two);
    // A gRPC Wait and an SSE watch fill the two slots.
    const wait = two.grpc.waitOperation({ name: op.name, timeout: { seconds: 30 } });
    await eventually(() => two.server.activeWaiters === 1);
    const sse = new AbortController();
    const watch = await fetch(`${two.http}/v1/${op.name}:watch`, { signal: sse.signal });
    expect(watch.status).toBe(200);

    expectHttpRejection(await httpCall(two.http, 'POST', `/v1/${op.name}:wait`, { timeout: '5s' }), 'TOO_MANY_WAITERS');
    expectHttpRejection(await httpCall(two.http, 'GET', `/v1/${op.name}:watch`), 'TOO_MANY_WAITERS');
    await expectGrpcRejection(two.grpc.waitOperation({ name: op.name, timeout: { seconds: 5 } }), 'TOO_MANY_WAITERS');
    const grpcWatch = await ended(two.grpc.watch({ name: op.name }));
    expect(grpcWatch.code).toBe(8);
    await expectGrpcRejection(Promise.reject(grpcWatch.error), 'TOO_MANY_WAITERS');

    // Get, List and Cancel take no slot.
    const other = await running(two);
    expect((await two.grpc.getOperation({ name: op.name })).name).toBe(op.name);
    expect((await two.grpc.listOperations({})).operations.length).toBeGreaterThanOrEqual(2);
    await two.grpc.cancelOperation({ name: other.op.name });
    expect((await httpCall(two.http, 'GET', `/v1/${op.name}`)).status).toBe(200);

    // The SSE client goes away: its slot comes back.
    sse.abort();
    await slotFree(two, op.name);
    // The operation ends: the Wait answers and its slot comes back too (both free: two 0 s waits at once).
    run.release();
    expect((await wait).done).toBe(true);
    const both = await Promise.all([0, 1].map(() => httpCall(two.http, 'POST', `/v1/${op.name}:wait`, { timeout: '0s' })));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
  });

  it('every way a call ends gives its slot back', async () => {
    const { op, run } = await running(one);
    const unknown = 'operations/01abcdefghjkmnpqrstvwxyz00';

    // Answered at its timeout.
    expect((await one.grpc.waitOperation({ name: op.name, timeout: { seconds: 0, nanos: 50_000_000 } })).done).toBe(false);
    await one.grpc.waitOperation({ name: op.name, timeout: ZERO });
    // Failed: an unknown name, a bad timeout, a watch of an unknown name, over both bindings.
    expect((await httpCall(one.http, 'POST', `/v1/${unknown}:wait`, {})).status).toBe(404);
    expect((await httpCall(one.http, 'POST', `/v1/${op.name}:wait`, { timeout: '-1s' })).status).toBe(400);
    expect((await httpCall(one.http, 'GET', `/v1/${unknown}:watch`)).status).toBe(404);
    expect((await ended(one.grpc.watch({ name: unknown }))).code).toBe(5);
    await slotFree(one, op.name); // a stream's slot comes back as it ends, not necessarily before its status arrives

    // The client goes away: a gRPC Wait past its deadline, a cancelled gRPC watch, an aborted HTTP Wait.
    // The server answers before the deadline; on a loaded machine the answer may still arrive after it.
    const beforeDeadline = await one.grpc
      .waitOperation({ name: op.name, timeout: { seconds: 30 } }, { deadline: Date.now() + 200 })
      .then(() => 0, (err: grpc.ServiceError) => err.code);
    expect([0, 4]).toContain(beforeDeadline);
    await slotFree(one, op.name);
    const cancelled = await watching(one, op.name);
    expectHttpRejection(await httpCall(one.http, 'POST', `/v1/${op.name}:wait`, { timeout: '0s' }), 'TOO_MANY_WAITERS');
    cancelled.stream.cancel();
    expect((await cancelled.end).code).toBe(1);
    await slotFree(one, op.name);
    const gone = new AbortController();
    const aborted = fetch(`${one.http}/v1/${op.name}:wait`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"timeout":"30s"}', signal: gone.signal }).catch(() => 'aborted');
    await eventually(() => one.server.activeWaiters === 1);
    gone.abort();
    expect(await aborted).toBe('aborted');
    await slotFree(one, op.name);

    // Done: a watch whose operation ends closes, and its slot comes back.
    const watched = await watching(one, op.name);
    run.release();
    expect((await watched.end).code).toBe(0);
    await slotFree(one, op.name);
    // And a watch of a done operation: one message, the end, the slot back.
    expect((await ended(one.grpc.watch({ name: op.name }))).code).toBe(0);
    await slotFree(one, op.name);
  });
});
