/**
 * The OperationStore contract suite (see src/store/operation-store.ts), written once and run against every
 * store: a store plugs in with a factory that opens a fresh, empty store (and, for races, a second instance
 * on the same data).
 */
import { describe } from 'vitest';
import { describeBatchCancelContract } from './batch-cancel-contract.js';
import { describeCountsContract } from './counts-contract.js';
import { describeFencingContract } from './fencing-contract.js';
import { describeLifecycleContract } from './lifecycle-contract.js';
import { describePrincipalContract } from './principal-contract.js';
import { describePurgeContract } from './purge-contract.js';
import { describeQueueContract } from './queue-contract.js';
import { describeRacesContract } from './races-contract.js';
import { describeRecordsContract } from './records-contract.js';
import type { StoreFactory } from './fixtures.js';

export type { StoreFactory, StoreFixture } from './fixtures.js';

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`OperationStore contract: ${name}`, () => {
    describeRecordsContract(factory);
    describeLifecycleContract(factory);
    describeRacesContract(factory);
    describeFencingContract(factory);
    describeBatchCancelContract(factory);
    describePrincipalContract(factory);
    describeQueueContract(factory);
    describePurgeContract(factory);
    describeCountsContract(factory);
  });
}
