/**
 * Real PostgreSQL for tests. The database is LRO_TEST_POSTGRES_URL (default: 127.0.0.1:5432, database
 * `test`, user `postgres`, trust auth). Each caller gets its own schema, so runs never see each other's rows.
 *
 * When PostgreSQL cannot be reached: under CI (any non-empty CI but false/0, see ci.ts) the tests FAIL (a CI
 * run must not pass by skipping); elsewhere they are skipped with a loud warning.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isCi } from './ci.js';

export const POSTGRES_URL = process.env.LRO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const SCHEMA_PREFIX = 'lro_test_';
/** Schemas of runs that crashed before cleaning up are dropped once they are this old. */
const STALE_AFTER_MS = 60 * 60 * 1000;

let availability: Promise<boolean> | undefined;

async function tryConnect(): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether the PostgreSQL tests can run. Throws under CI when the database is unreachable, so the
 * test file fails instead of skipping. Use as `describe.skipIf(!(await postgresAvailable()))(…)`.
 */
export function postgresAvailable(): Promise<boolean> {
  availability ??= tryConnect().then((err) => {
    if (!err) return true;
    const message = `PostgreSQL is not reachable at ${POSTGRES_URL}: ${err.message || (err as { code?: string }).code}`;
    if (isCi()) throw new Error(`${message}. CI=${process.env.CI}: the PostgreSQL tests must run, so this is a failure.`);
    console.warn(
      `\n${'!'.repeat(78)}\n!! SKIPPING the PostgreSQL tests. ${message}\n!! Start one (see "Running several instances" in README.md) or set LRO_TEST_POSTGRES_URL.\n${'!'.repeat(78)}\n`,
    );
    return false;
  });
  return availability;
}

/** Runs one statement on the test database with a short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

let staleDropped: Promise<void> | undefined;

async function dropStaleSchemas(): Promise<void> {
  const rows = await adminQuery<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${SCHEMA_PREFIX}%`]);
  for (const { nspname } of rows) {
    const born = parseInt(nspname.slice(SCHEMA_PREFIX.length).split('_')[0] ?? '', 36);
    if (Number.isFinite(born) && Date.now() - born > STALE_AFTER_MS) {
      await adminQuery(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => {});
    }
  }
}

export interface FreshSchema {
  schema: string;
  /** A `--store` URL whose tables live in this schema (created empty; the store migrates it on first use). */
  url: string;
  /** Drops the schema and everything in it. */
  cleanup(): Promise<void>;
}

/** A new, empty schema of its own for one test (or one file), and a URL that selects it. */
export async function freshSchemaUrl(params: Record<string, string> = {}): Promise<FreshSchema> {
  staleDropped ??= dropStaleSchemas().catch(() => {});
  await staleDropped;
  // The creation time leads the name, so a later run can tell abandoned schemas from live ones.
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA "${schema}"`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return {
    schema,
    url: url.toString(),
    cleanup: async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}
