/**
 * Handlers are user code. Whatever one throws, returns or fails to do, its operation ends in a defined
 * state with a clear message, and its worker slot is freed (concurrency 1 here: the next operation runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/runtime/kind.js';
import type { AnyKindDefinition } from '../../src/runtime/kind.js';
import { errorInfoOf, metadataOf } from '../helpers/grpc-client.js';
import { responseJson, untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const cycle: Record<string, unknown> = {};
cycle.self = cycle;

const kinds: AnyKindDefinition[] = [
  defineKind({ name: 'fault.string', handler: () => Promise.reject('just a string') }),
  defineKind({ name: 'fault.undefined', handler: () => Promise.reject(undefined) }),
  defineKind({ name: 'fault.object', handler: () => Promise.reject({ weird: true }) }),
  defineKind({ name: 'fault.sync-throw', handler: () => { throw new TypeError('thrown before any await'); } }),
  defineKind({ name: 'fault.coded', handler: () => Promise.reject(Object.assign(new Error('no such bucket'), { code: 5 })) }),
  { name: 'fault.bigint', handler: async () => ({ big: 10n }) },
  { name: 'fault.cycle', handler: async () => cycle },
  { name: 'fault.function', handler: async () => () => 1 },
  { name: 'fault.array', handler: async () => [1, 2] },
  { name: 'fault.never', timeout: 300, handler: () => new Promise(() => {}) },
  { name: 'fault.deaf', timeout: 300, cancellable: false, handler: () => new Promise((r) => setTimeout(() => r({ late: true }), 60_000).unref()) },
  { name: 'fault.ok', handler: async () => ({ ok: true }) },
];

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ kinds, demoKinds: false, concurrency: 1 });
});
afterAll(async () => {
  await t?.close();
});

async function run(kind: string) {
  const op = await t.grpc.start(kind);
  return untilDone(t.grpc, op.name);
}

describe('a handler that misbehaves still ends its operation in a defined state', () => {
  it.each([
    ['fault.string', 2, /not an Error: 'just a string'/],
    ['fault.undefined', 2, /not an Error: undefined/],
    ['fault.object', 2, /not an Error: \{ weird: true \}/],
    ['fault.sync-throw', 2, /thrown before any await/],
    ['fault.coded', 5, /no such bucket/],
  ])('%s: FAILED with code %i and a clear message', async (kind, code, message) => {
    const done = await run(kind);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(errorInfoOf(done.error!)).toMatchObject({ reason: 'HANDLER_FAILED', metadata: { processed: 'true' } });
  });

  it.each([
    ['fault.bigint', /BigInt/],
    ['fault.cycle', /circular/i],
    ['fault.function', /function is not JSON/],
  ])('%s: returns what JSON cannot hold → FAILED INTERNAL, INVALID_OUTPUT', async (kind, message) => {
    const done = await run(kind);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 13, message: expect.stringMatching(message) });
    expect(errorInfoOf(done.error!).reason).toBe('INVALID_OUTPUT');
  });

  it('an array (any JSON that is not an object) is kept under "value"', async () => {
    const done = await run('fault.array');
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(responseJson(done)).toEqual({ value: [1, 2] });
  });

  it.each(['fault.never', 'fault.deaf'])('%s: never settles (or ignores its signal) → DEADLINE_EXCEEDED at the timeout, and the slot is free', async (kind) => {
    const done = await run(kind);
    expect(metadataOf(done).state).toBe('FAILED');
    expect(done.error?.code).toBe(4);
    expect(errorInfoOf(done.error!).reason).toBe('OPERATION_TIMEOUT');
    // Concurrency is 1: this runs only because the abandoned handler's slot was freed.
    expect(metadataOf(await run('fault.ok')).state).toBe('SUCCEEDED');
  });
});
