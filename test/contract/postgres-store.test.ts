import pino from 'pino';
import { describe } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import type { OpenedStore } from '../../src/store/open-store.js';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres.js';
import { describeStoreContract } from './store-contract.js';

const logger = pino({ level: process.env.LRO_TEST_LOG ?? 'silent' });

describe.skipIf(!(await postgresAvailable()))('PostgreSQL', () => {
  describeStoreContract('PostgreSQL (its own schema per test; a second pool stands for a second instance)', async () => {
    const schema = await freshSchemaUrl();
    const opened: OpenedStore[] = [await openPostgresStore(schema.url, logger)];
    return {
      store: opened[0]!.store,
      async openAnother() {
        const another = await openPostgresStore(schema.url, logger);
        opened.push(another);
        return another.store;
      },
      async cleanup() {
        for (const o of opened) {
          await o.bus.close();
          await o.store.close();
        }
        await schema.cleanup();
      },
    };
  });
});
