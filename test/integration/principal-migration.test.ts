/**
 * Migration 4 (principals) on data written before it, on both stores: the records stay as they were and
 * belong to no principal, their request ids still find them, and a principal's List is served by the
 * (principal, id) index.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/operations/filter.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { createPool, parsePostgresUrl } from '../../src/store/postgres/connection.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { adminQuery, freshSchemaUrl, POSTGRES_URL, postgresAvailable } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const OLD_ID = '01jb7x4e2k3m5n6p7q8r9s0t1v';
const NEW_ID = '01jb7x4e2k3m5n6p7q8r9s0t2w';
const V3_ROW = {
  id: OLD_ID,
  kind: 'demo.sleep',
  input: '{"seconds":1}',
  state: 'SUCCEEDED',
  create_time: 1,
  update_time: 2,
  cancellable: 1,
  max_attempts: 3,
  request_id: 'req-old',
  labels: '{"session":"s"}',
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What every store must show after migrating a version-3 database holding V3_ROW. */
async function expectMigrated(store: OperationStore): Promise<void> {
  const old = await store.get(OLD_ID);
  expect(old).toMatchObject({ id: OLD_ID, kind: 'demo.sleep', input: { seconds: 1 }, state: 'SUCCEEDED', requestId: 'req-old', principal: null });
  expect(old?.labels).toEqual({ session: 's' });
  expect(await store.get(OLD_ID, 'alice')).toBeUndefined();
  // The old request id still finds its record without a principal; for a principal it is a new one.
  const again = await store.create({ id: NEW_ID, kind: 'demo.sleep', input: {}, cancellable: true, maxAttempts: 1, requestId: 'req-old', labels: {}, now: 3 });
  expect(again).toMatchObject({ created: false, operation: { id: OLD_ID } });
  const alice = await store.create({
    id: NEW_ID,
    kind: 'demo.sleep',
    input: {},
    cancellable: true,
    maxAttempts: 1,
    requestId: 'req-old',
    labels: {},
    principal: 'alice',
    now: 3,
  });
  expect(alice).toMatchObject({ created: true, operation: { id: NEW_ID, principal: 'alice' } });
  expect((await store.list({ filter: parseFilter('metadata.labels.session = s'), beforeId: null, limit: 10 })).map((r) => r.id)).toEqual([OLD_ID]);
}

describe('migration 4 on SQLite', () => {
  it('keeps version-3 records (no principal) and their request ids; a principal’s List uses the (principal, id) index', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const path = dir.file('v3.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    SQLITE_MIGRATIONS.slice(0, 3).forEach((sql, i) => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(i + 1);
    });
    db.prepare(
      `INSERT INTO operations (id, kind, input, state, done, create_time, update_time, cancellable, max_attempts, request_id, labels)
       VALUES (@id, @kind, @input, @state, 1, @create_time, @update_time, @cancellable, @max_attempts, @request_id, @labels)`,
    ).run(V3_ROW);
    db.prepare('INSERT INTO operation_labels (key, value, operation_id) VALUES (?, ?, ?)').run('session', 's', OLD_ID);
    db.close();

    const store = createSqliteStore(path);
    cleanups.push(() => store.close());
    await expectMigrated(store);

    const check = new Database(path, { readonly: true });
    cleanups.push(() => {
      check.close();
    });
    const plan = check
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM operations WHERE principal = ? AND id < ? ORDER BY id DESC LIMIT 50`)
      .all('alice', 'z') as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX operations_principal/);
    const indexes = (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'operations'`).all() as { name: string }[]).map(
      (r) => r.name,
    );
    // Every index of migrations 1-3 was made again after the rebuild.
    for (const name of ['operations_queued', 'operations_leases', 'operations_done', 'operations_state', 'operations_kind', 'operations_create_time']) {
      expect(indexes).toContain(name);
    }
  });
});

describe.skipIf(!(await postgresAvailable()))('migration 4 on PostgreSQL', () => {
  it('keeps version-3 records (no principal) and their request ids; a principal’s List can use the (principal, id) index', async () => {
    const schema = await freshSchemaUrl();
    cleanups.push(() => schema.cleanup());
    const settings = parsePostgresUrl(schema.url);
    const pool = createPool(settings, pino({ level: 'silent' }));
    await migrate(pool, settings.schema, POSTGRES_MIGRATIONS.slice(0, 3));
    await pool.end();
    await adminQuery(
      `INSERT INTO "${schema.schema}".operations (id, kind, input, state, done, create_time, update_time, cancellable, max_attempts, request_id, labels)
       VALUES ($1, $2, $3, $4, true, $5, $6, true, $7, $8, $9)`,
      [V3_ROW.id, V3_ROW.kind, V3_ROW.input, V3_ROW.state, V3_ROW.create_time, V3_ROW.update_time, V3_ROW.max_attempts, V3_ROW.request_id, V3_ROW.labels],
    );
    await adminQuery(`INSERT INTO "${schema.schema}".operation_labels (key, value, operation_id) VALUES ('session', 's', $1)`, [OLD_ID]);

    const opened = await openPostgresStore(schema.url, pino({ level: 'silent' }));
    cleanups.push(async () => {
      await opened.bus.close();
      await opened.store.close();
    });
    await expectMigrated(opened.store);

    // A table this small is scanned whatever its indexes: forbid that, to see which index the query can use.
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('SET enable_seqscan = off');
    const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM "${schema.schema}".operations WHERE principal = 'alice' AND id < 'z' ORDER BY id DESC LIMIT 50`,
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/operations_principal/);
  });
});
