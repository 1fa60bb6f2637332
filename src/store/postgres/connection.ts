/**
 * A `postgres://…` store URL → pg settings. Our own query parameter `schema` (default `public`) names the
 * schema that holds the tables, so several deployments or test runs can share one database; everything
 * else in the URL is pg's (host, user, sslmode, application_name, …).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';

export interface PostgresSettings {
  /** What pg.Pool and pg.Client take (the URL without our parameters). */
  client: pg.ClientConfig;
  schema: string;
  /** The LISTEN/NOTIFY channel of this schema's instances. */
  channel: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain SQL identifier`);
  return `"${name}"`;
}

export function parsePostgresUrl(url: string): PostgresSettings {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the store URL ${JSON.stringify(redactUrl(url))} is not a valid postgres:// URL`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!IDENTIFIER.test(schema)) {
    throw new Error(`schema ${JSON.stringify(schema)} must be letters, digits and _ (at most 63, not starting with a digit)`);
  }
  parsed.searchParams.delete('schema');
  const channelBase = `lro_events_${schema}`;
  // Channel names are identifiers: at most 63 bytes.
  const channel = channelBase.length <= 63 ? channelBase : `lro_events_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
  return {
    client: {
      connectionString: parsed.toString(),
      // A dead database must fail requests quickly (UNAVAILABLE), not leave them hanging.
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    },
    schema,
    channel,
  };
}

/** A pool that survives the database going away: broken idle connections are dropped and replaced on demand. */
export function createPool(settings: PostgresSettings, logger: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({ ...settings.client, max, idleTimeoutMillis: 30_000 });
  // Without a listener, an idle connection's error (server restart, pg_terminate_backend) would crash the process.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'a pooled PostgreSQL connection failed; it will be replaced'));
  return pool;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
