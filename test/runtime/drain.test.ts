/**
 * Fault 1 of issue 7: a draining instance must keep the leases of what it still runs and keep delivering
 * cancels to it. Two real instances (both listeners, runner, rescuer) share one SQLite file; A runs the
 * operation and drains, B would rescue it the moment A stopped renewing. Seen failing on the runner that
 * switched off its heartbeat and its bus subscription before the grace period: B started attempt 2
 * while A's attempt 1 still ran, and a cancel sent during the grace period never reached the handler.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type LroServer } from '../../src/app.js';
import { defineKind } from '../../src/runtime/kind.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { eventually } from '../helpers/eventually.js';
import { createGrpcClient, errorInfoOf, grpcFailure, metadataOf, statusOf } from '../helpers/grpc-client.js';
import { tempDir } from '../helpers/temp-dir.js';

// Long enough that a loaded machine's event-loop stalls never cost A a lease it renews every third of it.
const LEASE_MS = 2_000;

/** Every attempt that started, and how each ended; the handler runs until its signal fires or the test lets it go. */
function holdKind() {
  const attempts: { name: string; attempt: number; owner: string; ended?: string }[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  const kind = (owner: string) =>
    defineKind({
      name: 'test.hold',
      async handler(_input, ctx) {
        const me: { name: string; attempt: number; owner: string; ended?: string } = { name: ctx.name, attempt: ctx.attempt, owner };
        attempts.push(me);
        try {
          await Promise.race([
            released,
            new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
          ]);
          me.ended = 'returned';
          return { owner };
        } catch (err) {
          me.ended = ctx.abortCause ?? 'threw';
          throw err;
        }
      },
    });
  return { attempts, kind, release: () => release() };
}

describe('graceful shutdown keeps its leases and hears cancels (two instances, one SQLite file)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function twoInstances(graceMs: number) {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const store = `sqlite:${dir.file('lro.sqlite')}`;
    const hold = holdKind();
    const make = (id: string, concurrency: number): LroServer =>
      createServer({
        host: '127.0.0.1',
        httpPort: 0,
        grpcPort: 0,
        store,
        instanceId: id,
        concurrency,
        leaseMs: LEASE_MS,
        shutdownGraceMs: graceMs,
        pollMs: 50,
        demoKinds: false,
        kinds: [hold.kind(id)],
        logger: pino({ level: process.env.LRO_TEST_LOG ?? 'silent' }),
      });
    const a = make('A', 1);
    await a.listen();
    const clientA = createGrpcClient(a.addresses.grpc);
    const raw: OperationStore = createSqliteStore(dir.file('lro.sqlite'));
    cleanups.push(async () => {
      clientA.close();
      await a.close();
      await raw.close();
    });
    return { a, clientA, hold, raw, startB: async () => {
      const b = make('B', 1);
      await b.listen();
      const clientB = createGrpcClient(b.addresses.grpc);
      cleanups.push(async () => {
        clientB.close();
        await b.close();
      });
      return { b, clientB };
    } };
  }

  /** Resolves once A has renewed the lease past twice the lease after its claim: B would have rescued it by then. */
  async function leaseOutlivedWhileDraining(raw: OperationStore, id: string) {
    const claimed = (await raw.get(id))!;
    await eventually(async () => ((await raw.get(id))?.leaseExpiry ?? 0) > claimed.leaseExpiry! + 2 * LEASE_MS, { timeoutMs: 30_000 });
  }

  const idOf = (name: string) => name.slice('operations/'.length);

  it('no second attempt starts while the first drains; the operation finishes on A, once', async () => {
    const { a, clientA, hold, raw, startB } = await twoInstances(30_000);
    const op = await clientA.start('test.hold');
    await eventually(() => hold.attempts.length === 1);
    const { clientB } = await startB();

    const closing = a.close();
    // Draining: A refuses new work (a rejection, safe to retry elsewhere) but still answers reads.
    const refused = await grpcFailure(clientA.start('test.hold'));
    expect(refused).toMatchObject({ code: 14, reason: 'SHUTTING_DOWN' });
    expect(statusOf(refused.err).details.some((d) => d.type_url.endsWith('/google.rpc.RetryInfo'))).toBe(true);
    expect(metadataOf(await clientA.getOperation({ name: op.name })).state).toBe('RUNNING');

    await leaseOutlivedWhileDraining(raw, idOf(op.name));
    expect(hold.attempts).toEqual([{ name: op.name, attempt: 1, owner: 'A' }]);
    expect(await raw.get(idOf(op.name))).toMatchObject({ state: 'RUNNING', leaseOwner: 'A', attempt: 1 });

    hold.release();
    await closing;
    const done = await clientB.getOperation({ name: op.name });
    expect(done.done).toBe(true);
    expect(metadataOf(done)).toMatchObject({ state: 'SUCCEEDED', attempt: 1 });
    expect(hold.attempts.map((x) => x.owner)).toEqual(['A']);
  });

  it.each([
    ['through the draining instance itself', 'A'],
    ['through another instance (found by the draining heartbeat)', 'B'],
  ])('a cancel sent during the grace period ends the operation CANCELLED, %s', async (_how, via) => {
    const { a, clientA, hold, raw, startB } = await twoInstances(30_000);
    const op = await clientA.start('test.hold');
    await eventually(() => hold.attempts.length === 1);
    const { clientB } = await startB();

    const closing = a.close();
    await leaseOutlivedWhileDraining(raw, idOf(op.name));
    await (via === 'A' ? clientA : clientB).cancelOperation({ name: op.name });
    await closing;

    const done = await clientB.getOperation({ name: op.name });
    expect(done.done).toBe(true);
    expect(metadataOf(done)).toMatchObject({ state: 'CANCELLED', attempt: 1, requestedCancellation: true });
    expect(done.error?.code).toBe(1);
    expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    expect(hold.attempts).toEqual([{ name: op.name, attempt: 1, owner: 'A', ended: 'cancelled' }]);
  });

  it('after the grace period the handler is aborted with the shutdown cause and the operation runs again on B', async () => {
    const { a, clientA, hold, startB } = await twoInstances(300);
    const op = await clientA.start('test.hold');
    await eventually(() => hold.attempts.length === 1);
    const { clientB } = await startB();
    await a.close();
    expect(hold.attempts[0]).toMatchObject({ owner: 'A', attempt: 1, ended: 'shutdown' });
    // Given back without using up an attempt, and picked up by B at once (no lease to wait out).
    await eventually(() => hold.attempts.length === 2);
    expect(hold.attempts[1]).toMatchObject({ owner: 'B', attempt: 1 });
    hold.release();
    await eventually(async () => (await clientB.getOperation({ name: op.name })).done);
    expect(metadataOf(await clientB.getOperation({ name: op.name }))).toMatchObject({ state: 'SUCCEEDED', attempt: 1 });
  });
});

