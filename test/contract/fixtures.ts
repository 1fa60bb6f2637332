/** Shared pieces of the store contract suite: the fixture a store plugs in, a fixed clock, records, errors. */
import { monotonicFactory } from 'ulid';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect } from 'vitest';
import type { Lease, NewOperation, OperationError, OperationRecord, OperationStore } from '../../src/store/operation-store.js';

export interface StoreFixture {
  store: OperationStore;
  /** Another store instance on the same data (its own connection or pool), as a second server would have. */
  openAnother(): Promise<OperationStore>;
  /** Closes every store it opened and removes the data. */
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

/**
 * A fixed clock for timestamps: the contract passes `now` explicitly. Leases are on the store's lease clock
 * (`leaseClock`): the caller's `now` for SQLite, the database's clock for PostgreSQL; `leaseTime` hides which.
 */
export const T0 = Date.UTC(2030, 0, 1);
export const LEASE = 10_000;

const ulid = monotonicFactory();
export const newId = (time = T0): string => ulid(time).toLowerCase();

export function newOp(p: Partial<NewOperation> = {}): NewOperation {
  const now = p.now ?? T0;
  return { id: newId(now), kind: 'test.a', input: { n: 1 }, cancellable: true, maxAttempts: 3, requestId: null, labels: {}, now, ...p };
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

/** The lease a claimed record's holder has (as `owner`, by default the record's own lease owner). */
export function held(record: OperationRecord, owner = record.leaseOwner ?? 'nobody'): Lease {
  return { id: record.id, owner, token: record.leaseToken };
}

/** Lease timing on whichever clock the store keeps leases. */
export function leaseTime(store: OperationStore) {
  return {
    /**
     * Lets leases of `ms` taken at caller time `from` expire, and returns a caller `now` past them. On a
     * store's own clock that means letting real time pass: the lease's clock is the state waited for.
     */
    async expire(ms: number, from = T0): Promise<number> {
      if (store.leaseClock === 'store') await sleep(ms + 25);
      return from + ms + 1;
    },
    /** Checks that `record`'s lease runs `ms` from caller time `at` (on the store's clock: from about now). */
    expectExpiry(record: OperationRecord | undefined, at: number, ms: number): void {
      if (store.leaseClock === 'caller') {
        expect(record?.leaseExpiry).toBe(at + ms);
      } else {
        // The database runs on this machine: its clock and ours agree to well under a second.
        expect(record?.leaseExpiry).toBeGreaterThan(Date.now() + ms - 5_000);
        expect(record?.leaseExpiry).toBeLessThan(Date.now() + ms + 5_000);
      }
    },
  };
}
