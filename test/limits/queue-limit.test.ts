/**
 * --max-queued over real HTTP and gRPC: a start over the limit is rejected before anything is created
 * (RESOURCE_EXHAUSTED, 429 with Retry-After, RetryInfo, QUEUE_FULL), whatever the kind; a retry with the
 * request id of an operation that exists is answered with it; room made by a cancel is usable at once;
 * Get, List and Cancel answer while the queue is full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectGrpcRejection, expectHttpRejection, httpCall } from './rejection.js';

let t: TestServer;
beforeAll(async () => {
  // Nothing runs, so nothing leaves the queue but a cancel.
  t = await startTestServer({ concurrency: 0, maxQueued: 3 });
});
afterAll(async () => {
  await t?.close();
});

const start = (kind: string, body: Record<string, unknown> = {}) => httpCall(t.http, 'POST', `/v1/kinds/${kind}:start`, body);

describe('--max-queued', () => {
  it('three starts pass, the fourth is rejected over HTTP and gRPC, and nothing is created', async () => {
    const first = await start('demo.sleep', { requestId: 'first' });
    expect(first.status).toBe(200);
    expect((await start('demo.hash')).status).toBe(200); // every kind counts
    expect((await t.grpc.start('demo.fail')).name).toMatch(/^operations\//);

    expectHttpRejection(await start('demo.sleep'), 'QUEUE_FULL');
    expectHttpRejection(await start('demo.purge', { requestId: 'new-one' }), 'QUEUE_FULL');
    await expectGrpcRejection(t.grpc.start('demo.sleep', {}, 'new-two'), 'QUEUE_FULL');
    expect(await listAll(t.grpc)).toHaveLength(3);

    // A retry of a start that was admitted is answered with its operation, full queue or not.
    const retried = await start('demo.sleep', { requestId: 'first' });
    expect(retried.status).toBe(200);
    expect(retried.json!.name).toBe(first.json!.name);
    // The same request id with another input is still a conflict, not a rejection.
    expect((await start('demo.sleep', { requestId: 'first', input: { seconds: 9 } })).status).toBe(409);

    // Get, List and Cancel answer while the queue is full.
    expect((await httpCall(t.http, 'GET', `/v1/${first.json!.name}`)).status).toBe(200);
    expect((await httpCall(t.http, 'GET', '/v1/operations')).json!.operations).toHaveLength(3);
    expect((await httpCall(t.http, 'POST', `/v1/${first.json!.name}:cancel`, {})).status).toBe(200);

    // The cancel made room: the next start passes at once (the limit counts again before refusing), and
    // the request id that was rejected is free to use.
    const after = await start('demo.purge', { requestId: 'new-one' });
    expect(after.status).toBe(200);
    expectHttpRejection(await start('demo.sleep'), 'QUEUE_FULL');
    expect(await listAll(t.grpc, 'done = false')).toHaveLength(3);
  });
});
