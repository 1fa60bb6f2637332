/**
 * Applies the pending migrations in one transaction under an advisory lock, so several instances starting
 * at the same moment are safe: the first migrates, the others wait for its commit and then find nothing to do.
 * A database migrated by a newer server is refused rather than misread.
 */
import type pg from 'pg';
import { quoteIdent } from './connection.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

/** Our advisory-lock namespace ("LRO"); the second key is the schema's hash. */
const LOCK_CLASS = 0x4c524f;

export async function migrate(pool: pg.Pool, schema: string, migrations: readonly string[] = POSTGRES_MIGRATIONS): Promise<void> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  // A checked-out client has no error listener of the pool's: without ours, losing the connection would crash.
  const onError = () => {};
  client.on('error', onError);
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`SET LOCAL search_path TO ${s}`);
    await client.query('CREATE TABLE IF NOT EXISTS lro_schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM lro_schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > migrations.length) {
      throw new Error(`the database schema ${schema} (version ${current}) is newer than this server knows (${migrations.length})`);
    }
    for (let v = current + 1; v <= migrations.length; v++) {
      await client.query(migrations[v - 1]!);
      await client.query('INSERT INTO lro_schema_migrations (version, applied_at) VALUES ($1, $2)', [v, Date.now()]);
    }
    await client.query('COMMIT');
  } catch (err) {
    broken = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.removeListener('error', onError);
    // A connection that failed mid-transaction is not given back to the pool.
    client.release(broken);
  }
}
