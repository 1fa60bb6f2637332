/**
 * Opening the PostgreSQL store: concurrent migrations, schemas, refusals (with a database), and the URL's
 * settings and an unreachable database (without one).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { Code } from '../../src/errors/code.js';
import type { OpenedStore } from '../../src/store/open-store.js';
import { createPool, parsePostgresUrl } from '../../src/store/postgres/connection.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { adminQuery, freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';

const logger = pino({ level: 'silent' });

describe.skipIf(!(await postgresAvailable()))('PostgreSQL store: opening and migrations', () => {
  const schemas: FreshSchema[] = [];
  const opened: OpenedStore[] = [];
  const fresh = async () => {
    const s = await freshSchemaUrl();
    schemas.push(s);
    return s;
  };
  /** A URL naming a schema that does not exist yet (dropped after the test). */
  const missing = async () => {
    const schema = await fresh();
    const name = `${schema.schema}_new`;
    schemas.push({ ...schema, schema: name, cleanup: () => adminQuery(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).then(() => {}) });
    const url = new URL(schema.url);
    url.searchParams.set('schema', name);
    return { schema: name, url: url.toString() };
  };
  const open = async (url: string) => {
    const o = await openPostgresStore(url, logger);
    opened.push(o);
    return o;
  };

  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.bus.close();
      await o.store.close();
    }
    for (const s of schemas.splice(0)) await s.cleanup();
  });

  it('several instances starting at once on a new schema: all open it, it is created and migrated once', async () => {
    const schema = await missing();
    const stores = await Promise.all(Array.from({ length: 6 }, () => open(schema.url)));
    const rows = await adminQuery<{ version: number }>(`SELECT version FROM "${schema.schema}".lro_schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
    expect(await stores[5]!.store.list({ filter: null, beforeId: null, limit: 1 })).toEqual([]);
  });

  it('opening a migrated schema again changes nothing', async () => {
    const schema = await fresh();
    const first = await open(schema.url);
    await first.store.create({ id: '01jb7x4e2k3m5n6p7q8r9s0t1v', kind: 'k', input: {}, cancellable: true, maxAttempts: 1, requestId: null, labels: {}, now: 1 });
    const again = await open(schema.url);
    expect((await again.store.get('01jb7x4e2k3m5n6p7q8r9s0t1v'))?.kind).toBe('k');
  });

  it('keeps schemas apart: each sees only its own operations', async () => {
    const [one, two] = [await open((await fresh()).url), await open((await fresh()).url)];
    await one.store.create({ id: '01jb7x4e2k3m5n6p7q8r9s0t1v', kind: 'k', input: {}, cancellable: true, maxAttempts: 1, requestId: null, labels: {}, now: 1 });
    expect(await two.store.get('01jb7x4e2k3m5n6p7q8r9s0t1v')).toBeUndefined();
  });

  it('refuses a schema migrated by a newer server', async () => {
    const schema = await fresh();
    await open(schema.url);
    await adminQuery(`INSERT INTO "${schema.schema}".lro_schema_migrations (version, applied_at) VALUES (999, 0)`);
    await expect(openPostgresStore(schema.url, logger)).rejects.toThrow(/version 999\) is newer than this server knows/);
  });
});

// These need no database: they run (and can fail) whether or not PostgreSQL is there.
describe('PostgreSQL store: settings and an unreachable database', () => {
  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => parsePostgresUrl('postgres://u@h/db?schema=a;drop')).toThrow(/schema/);
    expect(() => parsePostgresUrl('postgres://u@h/db?schema=1abc')).toThrow(/schema/);
    expect(parsePostgresUrl('postgres://u@h/db?schema=lro&sslmode=disable')).toMatchObject({ schema: 'lro', channel: 'lro_events_lro' });
    expect(parsePostgresUrl('postgres://u@h/db').schema).toBe('public');
  });

  it('an unreachable database: opening fails with a clear message; a store call fails with UNAVAILABLE', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/test?schema=nowhere';
    await expect(openPostgresStore(url, logger)).rejects.toThrow(/could not open the PostgreSQL store postgres:\/\/postgres@127\.0\.0\.1:1\/test.*ECONNREFUSED/);
    const settings = parsePostgresUrl(url);
    const store = createPostgresStore(createPool(settings, logger), settings.schema);
    try {
      const err: unknown = await store.get('01jb7x4e2k3m5n6p7q8r9s0t1v').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: Code.UNAVAILABLE, reason: 'STORE_UNAVAILABLE' });
    } finally {
      await store.close();
    }
  });
});
