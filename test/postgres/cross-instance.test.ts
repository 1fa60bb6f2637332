/**
 * Two real instances on one PostgreSQL schema. A serves the API but runs nothing (concurrency 0), so every
 * operation started on A runs on B. B polls for work and renews leases only every 30 s or more, and A's
 * WaitOperation cap is two minutes: whatever happens here within the tests' deadlines travelled by NOTIFY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/events/event-bus.js';
import { defineKind } from '../../src/runtime/kind.js';
import { createPool, parsePostgresUrl } from '../../src/store/postgres/connection.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, metadataOf } from '../helpers/grpc-client.js';
import { responseJson, untilDone, untilRunning } from '../helpers/operations.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';
import pino from 'pino';

const idOf = (name: string) => name.slice('operations/'.length);

/** Handlers of test.gate wait until the test opens their gate (or their signal fires). */
const gates = new Map<string, () => void>();
const gateKind = defineKind({
  name: 'test.gate',
  async handler(_input, ctx) {
    await new Promise<void>((resolve, reject) => {
      gates.set(ctx.name, resolve);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
    return { attempt: ctx.attempt };
  },
});

/** Runs until cancelled; only instance C (which hears no notifications) registers a runner for it. */
const deafKind = defineKind({
  name: 'test.deaf',
  async handler(_input, ctx) {
    await ctx.sleep(10 * 60_000);
    return {};
  },
});

describe.skipIf(!(await postgresAvailable()))('several instances on one PostgreSQL', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    a = await startInstance(schema.url, { instanceId: 'A', concurrency: 0, waitCapMs: 120_000, kinds: [gateKind, deafKind] });
    b = await startInstance(schema.url, { instanceId: 'B', pollMs: 120_000, leaseMs: 60_000, heartbeatMs: 30_000, kinds: [gateKind] });
  });

  afterAll(async () => {
    for (const open of gates.values()) open();
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('new work started on A wakes idle B, and a Wait on A returns when B finishes it', async () => {
    const op = await a.grpc.start('test.gate');
    await untilRunning(a.grpc, op.name);
    await eventually(() => b.server.runner.runningIds().includes(idOf(op.name)));

    const waited = a.grpc.waitOperation({ name: op.name, timeout: { seconds: 100 } });
    await eventually(() => a.server.activeWaiters === 1);
    gates.get(op.name)!();
    const done = await waited;
    expect(done.done).toBe(true);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(responseJson(done)).toEqual({ attempt: 1 });
  });

  it('a cancel sent to A reaches the handler running on B: CANCELLED_WHILE_RUNNING', async () => {
    const op = await a.grpc.start('demo.sleep', { seconds: 600 });
    await untilRunning(a.grpc, op.name);
    await a.grpc.cancelOperation({ name: op.name });
    expect(metadataOf(await a.grpc.getOperation({ name: op.name })).requestedCancellation).toBe(true);

    const done = await untilDone(a.grpc, op.name, 10_000);
    expect(done.error?.code).toBe(1);
    expect(errorInfoOf(done.error!)).toMatchObject({ reason: 'CANCELLED_WHILE_RUNNING', metadata: { processed: 'true' } });
    expect(metadataOf(done)).toMatchObject({ state: 'CANCELLED', requestedCancellation: true, attempt: 1 });
    await eventually(() => !b.server.runner.runningIds().includes(idOf(op.name)));
  });

  it('an instance that hears no notifications still gets the cancel, from its heartbeat (the polling fallback)', async () => {
    // C shares the database but not the notifications: its bus is local only.
    const settings = parsePostgresUrl(schema.url);
    const pool = createPool(settings, pino({ level: 'silent' }));
    const c = await startInstance(schema.url, {
      instanceId: 'C',
      store: createPostgresStore(pool, settings.schema),
      bus: createLocalBus(),
      demoKinds: false,
      kinds: [deafKind],
      pollMs: 50,
      leaseMs: 2_000,
      heartbeatMs: 100,
    });
    try {
      const op = await a.grpc.start('test.deaf');
      await untilRunning(a.grpc, op.name);
      await eventually(() => c.server.runner.runningIds().includes(idOf(op.name)));
      await a.grpc.cancelOperation({ name: op.name });
      const done = await untilDone(a.grpc, op.name, 10_000);
      expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    } finally {
      await c.close();
      await pool.end();
    }
  });
});
