import type { Logger } from 'pino';
import { createLocalBus, type EventBus } from '../events/event-bus.js';
import type { OperationStore } from './operation-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';

export interface OpenedStore {
  store: OperationStore;
  /** Events between this instance's parts and, for a shared store, the other instances. */
  bus: EventBus;
}

/** Opens the store a `--store` value names: `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
export async function openStore(spec: string, logger: Logger): Promise<OpenedStore> {
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    logger.debug({ path }, 'opening the SQLite store');
    return { store: createSqliteStore(path), bus: createLocalBus() };
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const { openPostgresStore } = await import('./postgres/open-postgres-store.js');
    return openPostgresStore(spec, logger);
  }
  throw new Error(`unknown store ${JSON.stringify(spec)}: use sqlite:PATH, sqlite::memory: or postgres://…`);
}
