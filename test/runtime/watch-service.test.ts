/**
 * The watch stream's own logic, driven step by step: a real store and bus, a call context whose signal the
 * test fires at the moment it wants (here: while the watcher's read of the store is still in flight).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/events/event-bus.js';
import { createOperationEvents } from '../../src/events/operation-events.js';
import type { CallContext } from '../../src/operations/call-context.js';
import { createCanceller } from '../../src/operations/canceller.js';
import { createWatchService } from '../../src/operations/watch-service.js';
import { createWaiterSlots } from '../../src/operations/waiter-slots.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { OperationStore } from '../../src/store/operation-store.js';
import { newOp } from '../contract/fixtures.js';

describe('WatchOperation, step by step', () => {
  it('a client that leaves while the watcher reads the store is still noticed: the stream ends and cancel_on_disconnect cancels', async () => {
    const inner = createSqliteStore(':memory:');
    let gate: Promise<void> | undefined;
    let entered: () => void = () => {};
    const store: OperationStore = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop !== 'get') return Reflect.get(target, prop, receiver) as unknown;
        return async (id: string) => {
          if (gate) {
            entered();
            await gate;
          }
          return target.get(id);
        };
      },
    });
    const bus = createLocalBus();
    const events = createOperationEvents(bus);
    const watch = createWatchService({ store, canceller: createCanceller(store, bus), events, logger: pino({ level: 'silent' }), slots: createWaiterSlots(100), coalesceMs: 0 });
    const { operation } = await inner.create(newOp({ now: Date.now() }));
    await inner.claim({ owner: 'w', kinds: [operation.kind], limit: 1, leaseMs: 60_000, now: Date.now() });

    const client = new AbortController();
    const ctx: CallContext = {
      transport: 'grpc',
      signal: client.signal,
      deadline: undefined,
      requestId: 'test',
      authorization: [],
      caller: undefined,
      get clientGone() {
        return client.signal.aborted;
      },
    };
    const stream = (await watch.WatchOperation({ name: `operations/${operation.id}`, cancelOnDisconnect: true }, ctx))[Symbol.asyncIterator]();
    expect((await stream.next()).value).toMatchObject({ name: `operations/${operation.id}` });
    // The first loop reads once (a change may have come before the subscription): let it, and wait for the next.
    const settled = stream.next();
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const inRead = new Promise<void>((r) => (entered = r));
    bus.publish({ type: 'progress', id: operation.id });
    await inRead;
    client.abort(); // while the read is in flight
    open();
    gate = undefined;
    expect(await settled).toEqual({ done: true, value: undefined });
    await new Promise((r) => setImmediate(r));
    expect(await inner.get(operation.id)).toMatchObject({ requestedCancellation: true });
    events.close();
    await inner.close();
  });
});
