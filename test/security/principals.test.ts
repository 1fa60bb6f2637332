/**
 * Operations belong to the principal (`sub`) that started them, over gRPC and HTTP alike: to another
 * principal they do not exist (Get, Wait, Watch, Cancel, Delete answer exactly as for a name that never
 * existed, after the same store calls), List and BatchCancel see only one's own, request ids are scoped to
 * their principal, and lro.admin sees and acts on everything.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationStore } from '../../src/store/operation-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { toStruct, type JsonObject } from '../../src/proto/struct.js';
import { errorInfoOf } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';
import {
  ADMIN,
  READ,
  WRITE,
  createRawGrpc,
  expectNoTokenIn,
  hsToken,
  httpCall,
  startAuthServer,
  type AuthServer,
  type Outcome,
  type RawGrpc,
} from './auth-fixtures.js';

const held = createHeldKind('test.held');
const dir = tempDir();
/** The store methods called, in order: a refusal of another's operation must make the same calls as a missing one. */
const storeCalls: string[] = [];

let t: AuthServer;
let rpc: RawGrpc;
const tokens = { alice: '', bob: '', root: '', aliceReader: '' };

function countingStore(store: OperationStore): OperationStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || ['claim', 'heartbeat', 'rescue', 'progress'].includes(String(key))) return value;
      return (...args: unknown[]) => {
        storeCalls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  const store = createSqliteStore(dir.file('principals.sqlite'));
  t = await startAuthServer({ kinds: [held.kind], store: countingStore(store) });
  rpc = createRawGrpc(t.grpcAddress);
  tokens.alice = await hsToken({ sub: 'alice', scope: WRITE });
  tokens.bob = await hsToken({ sub: 'bob', scope: WRITE });
  tokens.root = await hsToken({ sub: 'root', scope: ADMIN });
  tokens.aliceReader = await hsToken({ sub: 'alice', scope: READ });
});

afterAll(async () => {
  held.releaseAll();
  rpc?.close();
  await t?.close();
  dir.cleanup();
});

type Who = keyof typeof tokens;
type NameMethod = 'Get' | 'Wait' | 'Watch' | 'Cancel' | 'Delete';
interface Started extends Outcome {
  name: string;
}
interface BatchRow {
  name: string;
  code: number;
  reason?: string;
  message?: string;
}

/** The same calls over either transport, with a principal's token. */
interface Wire {
  start(who: Who, kind: string, input?: JsonObject, opts?: { requestId?: string; labels?: Record<string, string> }): Promise<Started>;
  byName(who: Who, method: NameMethod, name: string): Promise<Outcome>;
  /** Every name List shows (one page of up to 1000). */
  list(who: Who, filter?: string): Promise<string[]>;
  batchCancel(who: Who, target: { names: string[] } | { filter: string }): Promise<BatchRow[]>;
}

const bearer = (who: Who) => `Bearer ${tokens[who]}`;

const grpcWire: Wire = {
  async start(who, kind, input = {}, opts = {}) {
    const o = await rpc.call(
      'lro.v1.Kinds',
      'StartOperation',
      { kind: `kinds/${kind}`, input: toStruct(input), requestId: opts.requestId ?? '', labels: opts.labels ?? {} },
      bearer(who),
    );
    return { ...o, name: (o.body as { name?: string } | undefined)?.name ?? '' };
  },
  byName(who, method, name) {
    const [service, rpcName, request] = {
      Get: ['google.longrunning.Operations', 'GetOperation', { name }],
      Wait: ['google.longrunning.Operations', 'WaitOperation', { name, timeout: { seconds: 0 } }],
      Cancel: ['google.longrunning.Operations', 'CancelOperation', { name }],
      Delete: ['google.longrunning.Operations', 'DeleteOperation', { name }],
      Watch: ['lro.v1.Watch', 'WatchOperation', { name }],
    }[method] as [string, string, object];
    return rpc.call(service, rpcName, request, bearer(who));
  },
  async list(who, filter = '') {
    const o = await rpc.call('google.longrunning.Operations', 'ListOperations', { filter, pageSize: 1000 }, bearer(who));
    expect(o.code, o.message).toBe(0);
    return (o.body as { operations: { name: string }[] }).operations.map((op) => op.name);
  },
  async batchCancel(who, target) {
    const o = await rpc.call('lro.v1.Batch', 'BatchCancelOperations', target, bearer(who));
    expect(o.code, o.message).toBe(0);
    return (o.body as { results: { name: string; status: { code: number; message: string; details: never[] } }[] }).results.map((r) => ({
      name: r.name,
      code: r.status.code,
      ...(r.status.code === 0 ? {} : { reason: errorInfoOf(r.status).reason, message: r.status.message }),
    }));
  },
};

const httpWire: Wire = {
  async start(who, kind, input = {}, opts = {}) {
    const o = await httpCall(t.http, 'POST', `/v1/kinds/${kind}:start`, bearer(who), { input, ...opts });
    return { ...o, name: (o.body as { name?: string } | undefined)?.name ?? '' };
  },
  byName(who, method, name) {
    const [verb, path, body] = {
      Get: ['GET', `/v1/${name}`],
      Wait: ['POST', `/v1/${name}:wait`, { timeout: '0s' }],
      Cancel: ['POST', `/v1/${name}:cancel`, {}],
      Delete: ['DELETE', `/v1/${name}`],
      Watch: ['GET', `/v1/${name}:watch`],
    }[method] as [string, string, unknown];
    return httpCall(t.http, verb, path, bearer(who), body);
  },
  async list(who, filter = '') {
    const o = await httpCall(t.http, 'GET', `/v1/operations?pageSize=1000&filter=${encodeURIComponent(filter)}`, bearer(who));
    expect(o.code, o.message).toBe(0);
    return ((o.body as { operations?: { name: string }[] }).operations ?? []).map((op) => op.name);
  },
  async batchCancel(who, target) {
    const o = await httpCall(t.http, 'POST', '/v1/operations:batchCancel', bearer(who), target);
    expect(o.code, o.message).toBe(0);
    return (o.body as { results: { name: string; status: { code: number; message?: string; details?: { reason: string }[] } }[] }).results.map((r) => ({
      name: r.name,
      code: r.status.code ?? 0,
      ...((r.status.code ?? 0) === 0 ? {} : { reason: r.status.details?.[0]?.reason, message: r.status.message }),
    }));
  },
};

const WIRES: Array<[string, () => Wire]> = [
  ['gRPC', () => grpcWire],
  ['HTTP', () => httpWire],
];

/** A name no operation ever had, of the same shape. */
let missingCount = 0;
const missingName = () => `operations/01jb7x4e2k3m5n6p7q8r9s${String(missingCount++).padStart(4, '0')}`;

/** An answer with the operation's name replaced, so that two answers about two names compare whole. */
const shape = (o: Outcome, name: string) => JSON.parse(JSON.stringify(o).replaceAll(name, 'NAME')) as unknown;

async function heldRunning(wire: Wire, who: Who, labels: Record<string, string> = {}): Promise<string> {
  const op = await wire.start(who, 'test.held', {}, { labels });
  expect(op.code, op.message).toBe(0);
  await held.started(op.name);
  return op.name;
}

async function doneOperation(wire: Wire, who: Who): Promise<string> {
  const name = await heldRunning(wire, who);
  (await held.started(name)).release();
  await eventually(async () => ((await wire.byName(who, 'Get', name)).body as { done?: boolean } | undefined)?.done === true);
  return name;
}

describe.each(WIRES)('over %s', (_wire, wireOf) => {
  it('to another principal an operation does not exist: Get, Wait, Watch, Cancel and Delete answer exactly as for a name that never existed', async () => {
    const wire = wireOf();
    const running = await heldRunning(wire, 'alice');
    const done = await doneOperation(wire, 'alice');
    for (const method of ['Get', 'Wait', 'Watch', 'Cancel', 'Delete'] as const) {
      for (const name of [running, done]) {
        const missing = missingName();
        storeCalls.length = 0;
        const theirs = await wire.byName('bob', method, name);
        const callsForTheirs = storeCalls.splice(0);
        const never = await wire.byName('bob', method, missing);
        const callsForMissing = storeCalls.splice(0);
        expect(theirs.code, `${method} ${name}`).toBe(grpc.status.NOT_FOUND);
        expect(theirs.reason).toBe('OPERATION_NOT_FOUND');
        expect(shape(theirs, name)).toEqual(shape(never, missing));
        // Same timing class: the same store calls (one scoped read), not a read and then an ownership check.
        expect(callsForTheirs, `${method}: store calls`).toEqual(callsForMissing);
        // One store call each: a scoped read (Get, Wait, Watch, Delete) or the scoped cancel itself (Cancel).
        expect(callsForTheirs).toEqual([method === 'Cancel' ? 'requestCancelMany' : 'get']);
      }
    }
    // Nothing of bob's attempts reached alice's operations.
    const get = await wire.byName('alice', 'Get', running);
    expect(get.body).toMatchObject({ done: false });
    expect(JSON.stringify(get.body)).not.toMatch(/"requestedCancellation":true/);
    expect((await wire.byName('alice', 'Get', done)).code).toBe(0);
  });

  it('List shows each principal only its own operations; lro.admin sees them all', async () => {
    const wire = wireOf();
    const label = { suite: `list-${Math.random().toString(36).slice(2)}` };
    const a = await wire.start('alice', 'demo.sleep', { seconds: 0 }, { labels: label });
    const b = await wire.start('bob', 'demo.sleep', { seconds: 0 }, { labels: label });
    const r = await wire.start('root', 'demo.sleep', { seconds: 0 }, { labels: label });
    const filter = `metadata.labels.suite = "${label.suite}"`;
    expect(await wire.list('alice', filter)).toEqual([a.name]);
    expect(await wire.list('aliceReader', filter)).toEqual([a.name]);
    expect(await wire.list('bob', filter)).toEqual([b.name]);
    expect(await wire.list('root', filter)).toEqual([r.name, b.name, a.name]);
    // Without a filter too: bob never sees alice's.
    const bobs = await wire.list('bob');
    expect(bobs).toContain(b.name);
    expect(bobs).not.toContain(a.name);
    expect(bobs).not.toContain(r.name);
  });

  it('BatchCancel by names: another principal’s operation is NOT_FOUND, as a missing one, and stays untouched', async () => {
    const wire = wireOf();
    const alices = await heldRunning(wire, 'alice');
    const bobs = await heldRunning(wire, 'bob');
    const missing = missingName();
    const rows = await wire.batchCancel('bob', { names: [alices, bobs, missing] });
    expect(rows.map((r) => [r.name, r.code])).toEqual([
      [alices, grpc.status.NOT_FOUND],
      [bobs, 0],
      [missing, grpc.status.NOT_FOUND],
    ]);
    expect({ ...rows[0], name: 'X', message: rows[0]!.message!.replace(alices, 'NAME') }).toEqual({
      ...rows[2],
      name: 'X',
      message: rows[2]!.message!.replace(missing, 'NAME'),
    });
    expect(JSON.stringify((await wire.byName('alice', 'Get', alices)).body)).not.toMatch(/"requestedCancellation":true/);
    expect(held.runs().find((run) => run.name === alices)?.signal.aborted).toBe(false);
  });

  it('BatchCancel by filter cancels only one’s own matches; lro.admin’s reaches everyone’s', async () => {
    const wire = wireOf();
    const labels = { suite: `batch-${Math.random().toString(36).slice(2)}` };
    const alices = await heldRunning(wire, 'alice', labels);
    const bobs = await heldRunning(wire, 'bob', labels);
    const filter = `metadata.labels.suite = "${labels.suite}" AND done = false`;
    expect(await wire.batchCancel('bob', { filter })).toEqual([{ name: bobs, code: 0 }]);
    expect(held.runs().find((run) => run.name === alices)?.signal.aborted).toBe(false);
    expect(await wire.batchCancel('root', { filter })).toEqual(expect.arrayContaining([{ name: alices, code: 0 }]));
    await (await held.started(alices)).aborted;
  });

  it('request ids are scoped to their principal', async () => {
    const wire = wireOf();
    const requestId = `req-${Math.random().toString(36).slice(2)}`;
    const a1 = await wire.start('alice', 'demo.sleep', { seconds: 0 }, { requestId });
    const b1 = await wire.start('bob', 'demo.sleep', { seconds: 0 }, { requestId });
    expect([a1.code, b1.code]).toEqual([0, 0]);
    expect(b1.name).not.toBe(a1.name);
    // Again: each gets its own back.
    expect((await wire.start('alice', 'demo.sleep', { seconds: 0 }, { requestId })).name).toBe(a1.name);
    expect((await wire.start('bob', 'demo.sleep', { seconds: 0 }, { requestId })).name).toBe(b1.name);
    // A reuse with other input names one's own operation, never another's.
    const reuse = await wire.start('bob', 'demo.sleep', { seconds: 1 }, { requestId });
    expect(reuse.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(reuse.metadata?.operation).toBe(b1.name);
    expect(JSON.stringify(reuse)).not.toContain(a1.name);
    // An administrator's request ids are its own too.
    const r1 = await wire.start('root', 'demo.sleep', { seconds: 0 }, { requestId });
    expect([a1.name, b1.name]).not.toContain(r1.name);
  });

  it('lro.admin gets, waits on, watches, cancels and deletes another principal’s operations', async () => {
    const wire = wireOf();
    const running = await heldRunning(wire, 'alice');
    for (const method of ['Get', 'Wait', 'Watch'] as const) expect((await wire.byName('root', method, running)).code, method).toBe(0);
    expect((await wire.byName('root', 'Cancel', running)).code).toBe(0);
    await (await held.started(running)).aborted;
    const done = await doneOperation(wire, 'alice');
    expect((await wire.byName('root', 'Delete', done)).code).toBe(0);
    expect((await wire.byName('alice', 'Get', done)).code).toBe(grpc.status.NOT_FOUND);
  });

  it('a read-only token of the same principal reads its operations but cannot cancel them', async () => {
    const wire = wireOf();
    const running = await heldRunning(wire, 'alice');
    for (const method of ['Get', 'Wait', 'Watch'] as const) expect((await wire.byName('aliceReader', method, running)).code, method).toBe(0);
    const cancel = await wire.byName('aliceReader', 'Cancel', running);
    expect({ code: cancel.code, reason: cancel.reason }).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'SCOPE_MISSING' });
  });
});

describe('the log', () => {
  it('holds no token', () => {
    expectNoTokenIn(t.logs.text());
  });
});
