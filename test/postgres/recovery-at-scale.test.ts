/**
 * Issue 7, fault 4: after an instance that held thousands of operations dies, one rescue pass (in
 * batches, on one instance at a time) takes every expired lease back, so the survivor runs them all again
 * one lease after the crash, not one batch per rescue tick. The test measures the time from SIGKILL until
 * all 2,000 run again on the survivor and prints it (a figure for the issue note, not an assertion).
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import type { OpenedStore } from '../../src/store/open-store.js';
import { newOp } from '../contract/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { kinds } from './fixtures/crash-kinds.js';
import { startChildInstance, startInstance, type ChildInstance } from './instances.js';

const TOTAL = 2_000;
const LEASE_MS = 2_000;

describe.skipIf(!(await postgresAvailable()))('crash of an instance holding 2,000 running operations', () => {
  let schema: FreshSchema | undefined;
  let raw: OpenedStore | undefined;
  let child: ChildInstance | undefined;
  let survivor: TestServer | undefined;

  afterAll(async () => {
    child?.grpc.close();
    await child?.kill();
    await survivor?.close();
    await raw?.bus.close();
    await raw?.store.close();
    await schema?.cleanup();
  });

  it('every operation runs again on the survivor, once, about a lease after the crash', { timeout: 120_000 }, async () => {
    schema = await freshSchemaUrl();
    raw = await openPostgresStore(schema.url, pino({ level: 'silent' }));
    const store = raw.store;
    child = await startChildInstance([
      '--store', schema.url,
      '--concurrency', String(TOTAL),
      '--lease', `${LEASE_MS}ms`,
      '--heartbeat', '500ms',
      '--poll', '100ms',
      '--kinds', 'test/postgres/fixtures/crash-kinds.ts',
    ]);
    for (let i = 0; i < TOTAL; i++) await store.create(newOp({ kind: 'test.held', now: Date.now(), maxAttempts: 5 }));
    const running = parseFilter('metadata.state = RUNNING');
    const runningCount = async () => (await store.list({ filter: running, beforeId: null, limit: TOTAL + 1 })).length;
    await eventually(async () => (await runningCount()) === TOTAL, { timeoutMs: 30_000 });

    // Started only now, so all 2,000 run on the child when it dies.
    survivor = await startInstance(schema.url, {
      instanceId: 'survivor',
      concurrency: TOTAL,
      leaseMs: LEASE_MS,
      heartbeatMs: 500,
      kinds,
      demoKinds: false,
    });
    const killedAt = performance.now();
    await child.kill('SIGKILL');
    await eventually(() => survivor!.server.runner.runningIds().length === TOTAL, { timeoutMs: 30_000, intervalMs: 10 });
    const recoveredMs = performance.now() - killedAt;

    const all = await store.list({ filter: null, beforeId: null, limit: TOTAL + 1 });
    expect(all).toHaveLength(TOTAL);
    for (const r of all) expect(r).toMatchObject({ state: 'RUNNING', attempt: 2, leaseOwner: 'survivor' });
    console.log(`recovery: all ${TOTAL} operations running again on the survivor ${Math.round(recoveredMs)} ms after SIGKILL (lease ${LEASE_MS} ms)`);
  });
});
