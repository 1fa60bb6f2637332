/**
 * One rescuer at a time on PostgreSQL: the rescue pass holds a session advisory lock, and an instance that
 * finds it taken skips the pass (the holder drains everything). White-box: the test takes the same lock.
 */
import pino from 'pino';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import type { OpenedStore } from '../../src/store/open-store.js';
import { newOp, rescueArgs, T0 } from '../contract/fixtures.js';
import { freshSchemaUrl, POSTGRES_URL, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';

const RESCUE_LOCK = 0x4c5250;

describe.skipIf(!(await postgresAvailable()))('the PostgreSQL rescuer', () => {
  let schema: FreshSchema | undefined;
  let opened: OpenedStore | undefined;
  let holder: pg.Client | undefined;

  afterEach(async () => {
    await holder?.end().catch(() => {});
    await opened?.bus.close();
    await opened?.store.close();
    await schema?.cleanup();
  });

  it('skips while another session holds the rescue lock, and drains once it is free', async () => {
    schema = await freshSchemaUrl();
    opened = await openPostgresStore(schema.url, pino({ level: 'silent' }));
    const { store } = opened;
    for (let i = 0; i < 3; i++) await store.create(newOp({ kind: 'test.lock', now: T0 + i }));
    expect(await store.claim({ owner: 'dead', kinds: ['test.lock'], limit: 3, leaseMs: 1, now: T0 })).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 30)); // the database clock passes the 1 ms leases

    holder = new pg.Client({ connectionString: POSTGRES_URL });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [RESCUE_LOCK, schema.schema]);
    expect(await store.rescue(rescueArgs(T0 + 10))).toEqual({ requeued: [], finished: [] });

    await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RESCUE_LOCK, schema.schema]);
    expect((await store.rescue(rescueArgs(T0 + 10))).requeued).toHaveLength(3);
  });
});
