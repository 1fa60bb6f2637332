/**
 * WaitOperation over real gRPC: 0 s, short, woken by completion, capped, negative, no timeout, a client
 * deadline shorter than the timeout, and a client that goes away releasing its waiter.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackAny, type AnyMessage } from '../../src/proto/any.js';
import { protos } from '../../src/proto/protos.js';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, grpcFailure, metadataOf, type Operation } from '../helpers/grpc-client.js';
import { responseJson, untilRunning } from '../helpers/operations.js';
import { rawUnary } from '../helpers/raw-grpc.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CAP_MS = 300;

let t: TestServer;
/** The same server with a small wait cap, so that "capped" and "no timeout" answer quickly. */
let capped: TestServer;

beforeAll(async () => {
  [t, capped] = await Promise.all([startTestServer(), startTestServer({ waitCapMs: CAP_MS })]);
});

afterAll(async () => {
  await Promise.all([t?.close(), capped?.close()]);
});

/** A long operation that will not finish during the test (cancelled at the end of each test's use). */
async function longRunning(server: TestServer): Promise<Operation> {
  const op = await server.grpc.start('demo.sleep', { seconds: 600, steps: 60_000 });
  return untilRunning(server.grpc, op.name);
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await p;
  return { value, ms: performance.now() - start };
}

describe('WaitOperation', () => {
  it('0s returns at once with the current state', async () => {
    const op = await longRunning(t);
    const now = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 0, nanos: 0 } });
    expect(now.done).toBe(false);
    expect(metadataOf(now).state).toBe('RUNNING');
    await t.grpc.cancelOperation({ name: op.name });

    const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 20 } });
    expect(done.done).toBe(true);
    expect(await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 0 } })).toEqual(done);
  });

  it('a short timeout on a long operation returns it not done, not an error', async () => {
    const op = await longRunning(t);
    const { value, ms } = await timed(t.grpc.waitOperation({ name: op.name, timeout: { seconds: 0, nanos: 200_000_000 } }));
    expect(value.name).toBe(op.name);
    expect(value.done).toBe(false);
    expect(metadataOf(value).state).toBe('RUNNING');
    expect(ms).toBeGreaterThanOrEqual(190); // it did wait (a lower bound only; no upper bound)
    await t.grpc.cancelOperation({ name: op.name });
  });

  it('is woken by completion and returns the done operation', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 0.3, steps: 3 });
    const done = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 30 } });
    expect(done.done).toBe(true);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(typeof responseJson(done).slept).toBe('number');
  });

  it('is woken by a cancel, and every waiter of the operation wakes', async () => {
    const op = await longRunning(t);
    const waits = [1, 2, 3].map(() => t.grpc.waitOperation({ name: op.name, timeout: { seconds: 30 } }));
    await eventually(() => t.server.activeWaiters >= 3);
    await t.grpc.cancelOperation({ name: op.name });
    for (const w of await Promise.all(waits)) {
      expect(w.done).toBe(true);
      expect(errorInfoOf(w.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    }
  });

  it('returns an operation that is already done at once, whatever the timeout', async () => {
    const op = await t.grpc.start('demo.fail', { code: 5 });
    await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 30 } });
    const again = await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 3600 } });
    expect(again.done).toBe(true);
    expect(again.error?.code).toBe(5);
  });

  it('a timeout above the cap returns at the cap, not done', { timeout: 10_000 }, async () => {
    const op = await longRunning(capped);
    // Were the cap ignored, this would wait an hour (and the test would time out).
    const { value, ms } = await timed(capped.grpc.waitOperation({ name: op.name, timeout: { seconds: 3600 } }));
    expect(value.done).toBe(false);
    expect(metadataOf(value).state).toBe('RUNNING');
    expect(ms).toBeGreaterThanOrEqual(CAP_MS - 10);
    await capped.grpc.cancelOperation({ name: op.name });
  });

  it('no timeout waits for the server cap', { timeout: 10_000 }, async () => {
    const op = await longRunning(capped);
    const { value, ms } = await timed(capped.grpc.waitOperation({ name: op.name }));
    expect(value.done).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(CAP_MS - 10);
    await capped.grpc.cancelOperation({ name: op.name });
  });

  it('a negative timeout is INVALID_ARGUMENT', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 });
    for (const timeout of [{ seconds: -1, nanos: 0 }, { seconds: 0, nanos: -1 }]) {
      const f = await grpcFailure(t.grpc.waitOperation({ name: op.name, timeout }));
      expect(f.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(f.reason).toBe('INVALID_TIMEOUT');
      expect(f.message).toContain('timeout');
    }
  });

  it('a malformed duration is INVALID_ARGUMENT', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 });
    const f = await grpcFailure(t.grpc.waitOperation({ name: op.name, timeout: { seconds: 1, nanos: -5 } }));
    expect(f.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_TIMEOUT');
  });

  it('answers before a client deadline shorter than the timeout, with the current state', async () => {
    const op = await longRunning(t);
    // The deadline goes to the server as grpc-timeout, but nothing on the client enforces it: what comes back
    // is the server's own decision, however busy the machine. Answering with the state is OK; a server that
    // let the deadline pass would have grpc-js answer DEADLINE_EXCEEDED for it, and one that waited for the
    // timeout would not answer within this test's time.
    for (const deadline of ['1000m', '2500m', '1S']) {
      const answer = await rawUnary<{ name: string; done: boolean; metadata: AnyMessage }>({
        address: t.grpcAddress,
        path: '/google.longrunning.Operations/WaitOperation',
        requestType: 'google.longrunning.WaitOperationRequest',
        responseType: 'google.longrunning.Operation',
        request: { name: op.name, timeout: { seconds: 3600 } },
        headers: { 'grpc-timeout': deadline },
      });
      expect(answer.code, `${deadline}: ${answer.message}`).toBe(grpc.status.OK);
      expect(answer.response?.name).toBe(op.name);
      expect(answer.response?.done).toBe(false);
      expect(unpackAny(answer.response!.metadata).object.state).toBe('RUNNING');
    }
    await t.grpc.cancelOperation({ name: op.name });
  });

  it('NOT_FOUND for an unknown operation, INVALID_ARGUMENT for a bad name', async () => {
    let f = await grpcFailure(t.grpc.waitOperation({ name: 'operations/01jb7x4e2k3m5n6p7q8r9s0t1v', timeout: { seconds: 1 } }));
    expect(f.code).toBe(grpc.status.NOT_FOUND);
    expect(f.reason).toBe('OPERATION_NOT_FOUND');
    f = await grpcFailure(t.grpc.waitOperation({ name: 'kinds/demo.sleep', timeout: { seconds: 1 } }));
    expect(f.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_NAME');
  });

  it('a client that cancels its call releases its waiter', async () => {
    const op = await longRunning(t);
    const pkg = grpc.loadPackageDefinition(protos().packageDefinition) as unknown as {
      google: { longrunning: { Operations: grpc.ServiceClientConstructor } };
    };
    const client = new pkg.google.longrunning.Operations(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      WaitOperation(req: object, cb: (err: grpc.ServiceError | null) => void): grpc.ClientUnaryCall;
    };
    try {
      const before = t.server.activeWaiters;
      const settled = new Promise<grpc.ServiceError | null>((resolve) => {
        const call = client.WaitOperation({ name: op.name, timeout: { seconds: 60 } }, (err) => resolve(err));
        void eventually(() => t.server.activeWaiters > before).then(() => call.cancel());
      });
      const err = await settled;
      expect(err?.code).toBe(grpc.status.CANCELLED); // the client's own cancel
      await eventually(() => t.server.activeWaiters === before);
      // The operation itself is untouched by a waiter going away.
      const still = await t.grpc.getOperation({ name: op.name });
      expect(still.done).toBe(false);
      expect(metadataOf(still).requestedCancellation).toBe(false);
    } finally {
      client.close();
      await t.grpc.cancelOperation({ name: op.name });
    }
  });

  it('a server that shuts down answers its waiters with the current state', async () => {
    const own = await startTestServer();
    try {
      const op = await longRunning(own);
      const wait = own.grpc.waitOperation({ name: op.name, timeout: { seconds: 60 } });
      await eventually(() => own.server.activeWaiters === 1);
      const closing = own.server.close();
      const value = await wait;
      expect(value.name).toBe(op.name);
      expect(value.done).toBe(false);
      await closing;
    } finally {
      await own.close();
    }
  });
});
