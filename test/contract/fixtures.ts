/** Shared pieces of the store contract suite: the fixture a store plugs in, a fixed clock, records, errors. */
import { monotonicFactory } from 'ulid';
import { afterEach, beforeEach } from 'vitest';
import type { NewOperation, OperationError, OperationRecord, OperationStore } from '../../src/store/operation-store.js';

export interface StoreFixture {
  store: OperationStore;
  /** Another store instance on the same data (its own connection or pool), as a second server would have. */
  openAnother(): Promise<OperationStore>;
  /** Closes every store it opened and removes the data. */
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

/** A fixed clock: the contract passes `now` explicitly, so no test sleeps. */
export const T0 = Date.UTC(2030, 0, 1);
export const LEASE = 10_000;

const ulid = monotonicFactory();
export const newId = (time = T0): string => ulid(time).toLowerCase();

export function newOp(p: Partial<NewOperation> = {}): NewOperation {
  const now = p.now ?? T0;
  return { id: newId(now), kind: 'test.a', input: { n: 1 }, cancellable: true, maxAttempts: 3, requestId: null, now, ...p };
}

const error = (code: number, reason: string, processed: string): OperationError => ({
  code,
  message: `${reason.toLowerCase()} (test)`,
  reason,
  metadata: { processed },
});

export const ERR = {
  cancelledBeforeStart: error(1, 'CANCELLED_BEFORE_START', 'false'),
  cancelledWhileRunning: error(1, 'CANCELLED_WHILE_RUNNING', 'true'),
  exhausted: error(10, 'ATTEMPTS_EXHAUSTED', 'true'),
  failed: error(13, 'HANDLER_FAILED', 'true'),
};

export const rescueArgs = (now: number) => ({ now, exhausted: ERR.exhausted, cancelled: ERR.cancelledWhileRunning });

export const ids = (records: { id: string }[]): string[] => records.map((r) => r.id);

/** Creates one operation and claims it for `owner`: a RUNNING record with a lease. */
export async function startRunning(
  store: OperationStore,
  p: Partial<NewOperation> & { owner?: string; leaseMs?: number; claimAt?: number } = {},
): Promise<OperationRecord> {
  const { owner = 'owner-a', leaseMs = LEASE, claimAt, ...rest } = p;
  // A kind of its own, so the claim takes exactly this record.
  const op = newOp({ kind: `solo.${newId().slice(-10)}`, ...rest });
  await store.create(op);
  const [claimed] = await store.claim({ owner, kinds: [op.kind], limit: 1, leaseMs, now: claimAt ?? op.now });
  if (!claimed || claimed.id !== op.id) throw new Error('could not claim the record just created');
  return claimed;
}

export interface StoreContext {
  readonly store: OperationStore;
  another(): Promise<OperationStore>;
}

/** A fresh fixture for every test of the calling describe block. */
export function useStore(factory: StoreFactory): StoreContext {
  let fixture: StoreFixture | undefined;
  beforeEach(async () => {
    fixture = await factory();
  });
  afterEach(async () => {
    await fixture?.cleanup();
    fixture = undefined;
  });
  const need = () => {
    if (!fixture) throw new Error('no store fixture: use it inside a test');
    return fixture;
  };
  return {
    get store() {
      return need().store;
    },
    another: () => need().openAnother(),
  };
}
