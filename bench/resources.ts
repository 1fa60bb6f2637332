/**
 * What a run makes outside its processes, each registered for cleanup the moment it exists: SQLite files
 * in a temporary folder, PostgreSQL schemas named `lro_bench_<time>_<random>`, Redis keys under a
 * `lro-bench-<time>-<random>:` prefix. Leftovers of runs that were SIGKILLed are dropped once an hour old.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { connectRedis, deleteRedisKeys } from './redis-probe.js';

const SCHEMA_PREFIX = 'lro_bench_';
const REDIS_PREFIX = 'lro-bench-';
const STALE_MS = 60 * 60 * 1000;

const stamp = () => `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const bornAt = (suffix: string) => parseInt(suffix.split(/[_-]/)[0] ?? '', 36);

/** A fresh folder for SQLite files; returns a `sqlite:` store spec for `name` inside it. */
export function tempSqliteStore(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lro-bench-'));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, `${name}.sqlite`)}`;
}

export async function pgQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

let staleSchemasDropped: Promise<void> | undefined;

/** A new, empty schema; `url` selects it for our store (`?schema=`). */
export async function freshSchema(postgresUrl: string): Promise<{ schema: string; url: string }> {
  staleSchemasDropped ??= (async () => {
    const rows = await pgQuery<{ nspname: string }>(postgresUrl, 'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${SCHEMA_PREFIX}%`]);
    for (const { nspname } of rows) {
      const born = bornAt(nspname.slice(SCHEMA_PREFIX.length));
      if (Number.isFinite(born) && Date.now() - born > STALE_MS) await pgQuery(postgresUrl, `DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    }
  })().catch(() => {});
  await staleSchemasDropped;
  const schema = `${SCHEMA_PREFIX}${stamp()}`;
  await pgQuery(postgresUrl, `CREATE SCHEMA "${schema}"`);
  onCleanup(`drop schema ${schema}`, async () => {
    await pgQuery(postgresUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  const url = new URL(postgresUrl);
  url.searchParams.set('schema', schema);
  return { schema, url: url.toString() };
}

let staleKeysDropped: Promise<void> | undefined;

/** A key prefix no other run uses; its keys are deleted at cleanup. */
export async function freshRedisPrefix(redisUrl: string): Promise<string> {
  staleKeysDropped ??= (async () => {
    const redis = await connectRedis(redisUrl);
    const stale = new Set<string>();
    try {
      let cursor = '0';
      do {
        const [next, keys] = (await redis.command('SCAN', cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', '1000')) as [string, string[]];
        cursor = next;
        for (const key of keys) {
          const prefix = key.slice(0, key.indexOf(':') + 1);
          const born = bornAt(prefix.slice(REDIS_PREFIX.length));
          if (prefix && Number.isFinite(born) && Date.now() - born > STALE_MS) stale.add(prefix);
        }
      } while (cursor !== '0');
    } finally {
      redis.close();
    }
    for (const prefix of stale) await deleteRedisKeys(redisUrl, prefix);
  })().catch(() => {});
  await staleKeysDropped;
  const prefix = `${REDIS_PREFIX}${stamp()}`;
  onCleanup(`delete Redis keys ${prefix}:*`, async () => {
    await deleteRedisKeys(redisUrl, `${prefix}:`);
  });
  return prefix;
}
