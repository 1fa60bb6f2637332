import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite (a real file; a second connection stands for a second process)', async () => {
  const dir = tempDir();
  const path = dir.file('lro.sqlite');
  const stores: OperationStore[] = [createSqliteStore(path)];
  return {
    store: stores[0]!,
    async openAnother() {
      const store = createSqliteStore(path);
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      dir.cleanup();
    },
  };
});
