/** Opens the PostgreSQL store a `postgres://…` URL names: pool, migrations, store and the cross-instance bus. */
import type { Logger } from 'pino';
import type { OpenedStore } from '../open-store.js';
import { createPool, parsePostgresUrl, redactUrl } from './connection.js';
import { migrate } from './migrate.js';
import { describeError } from './pg-errors.js';
import { createPostgresBus } from './postgres-bus.js';
import { createPostgresStore } from './postgres-store.js';

export async function openPostgresStore(url: string, logger: Logger): Promise<OpenedStore> {
  const settings = parsePostgresUrl(url);
  logger.debug({ url: redactUrl(url), schema: settings.schema }, 'opening the PostgreSQL store');
  const pool = createPool(settings, logger);
  try {
    await migrate(pool, settings.schema);
    const bus = await createPostgresBus({ pool, client: settings.client, channel: settings.channel, logger });
    return { store: createPostgresStore(pool, settings.schema, bus), bus };
  } catch (err) {
    await pool.end().catch(() => {});
    // At start-up the operator reads this, so it names the database (password redacted) and the cause.
    throw new Error(`could not open the PostgreSQL store ${redactUrl(url)}: ${describeError(err)}`, { cause: err });
  }
}
