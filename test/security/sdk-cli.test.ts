/**
 * The SDK (`token`) and the `lro` command (`--token`, LRO_TOKEN) against a real server with --auth jwt, over
 * both wires: calls carry the token end to end, refusals arrive as typed errors and exit codes, and a
 * session's cancel() (BatchCancel by its label) reaches only its own principal's operations, even when
 * another principal uses the same session id.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSession, LroError, type Session } from '../../src/client/index.js';
import { untilDone } from '../helpers/operations.js';
import { createGrpcClient, type GrpcClient } from '../helpers/grpc-client.js';
import { runLro } from '../cli/run-lro.js';
import { READ, WRITE, expectNoTokenIn, hsToken, startAuthServer, type AuthServer } from './auth-fixtures.js';

// The command cases start Node processes: seconds each on a busy machine (a bound, not a goal).
vi.setConfig({ testTimeout: 120_000 });

let t: AuthServer;
let alice: string;
let bob: string;
let reader: string;
let admin: GrpcClient;

beforeAll(async () => {
  t = await startAuthServer();
  [alice, bob, reader] = await Promise.all([
    hsToken({ sub: 'alice', scope: WRITE }),
    hsToken({ sub: 'bob', scope: WRITE }),
    hsToken({ sub: 'alice', scope: READ }),
  ]);
  admin = createGrpcClient(t.grpcAddress, { token: await hsToken({ sub: 'root', scope: 'lro.admin' }) });
});

afterAll(async () => {
  admin?.close();
  await t?.close();
});

describe.each(['http', 'grpc'] as const)('the SDK over %s', (wire) => {
  const sessions: Session[] = [];
  const open = (token?: string, id?: string) => {
    const server = wire === 'http' ? t.http : `grpc://${t.grpcAddress}`;
    const s = createSession({ server, ...(token === undefined ? {} : { token }), ...(id === undefined ? {} : { id }) });
    sessions.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('with a token: kinds, start, wait, result and list work end to end', async () => {
    const session = open(alice);
    expect((await session.kinds()).length).toBeGreaterThan(0);
    const op = await session.start('demo.sleep', { seconds: 0.05, steps: 1 });
    expect(await op.result()).toMatchObject({ slept: expect.any(Number) as unknown });
    const names: string[] = [];
    for await (const o of session.list({ filter: `metadata.labels.session = "${session.id}"` })) names.push(o.name);
    expect(names).toEqual([op.name]);
  });

  it('without a token: UNAUTHENTICATED, TOKEN_MISSING; a read-only token cannot start: PERMISSION_DENIED, SCOPE_MISSING', async () => {
    await expect(open().kinds()).rejects.toSatisfy((e) => e instanceof LroError && e.code === 16 && e.reason === 'TOKEN_MISSING');
    await expect(open('not-a-jwt').kinds()).rejects.toMatchObject({ code: 16, reason: 'TOKEN_INVALID' });
    await expect(open(reader).start('demo.sleep', { seconds: 0 })).rejects.toMatchObject({ code: 7, reason: 'SCOPE_MISSING' });
  });

  it('another principal’s operation is NOT_FOUND; cancel() of a session reaches only its principal’s operations', async () => {
    const id = `shared-${wire}-${Date.now()}`;
    const mine = open(alice, id);
    const theirs = open(bob, id);
    const a = await mine.start('demo.sleep', { seconds: 60, steps: 600 });
    const b = await theirs.start('demo.sleep', { seconds: 60, steps: 600 });
    await expect(theirs.operation(a.name).get()).rejects.toMatchObject({ code: 5, reason: 'OPERATION_NOT_FOUND' });

    const rows = await theirs.cancel();
    expect(rows.map((r) => r.name)).toEqual([b.name]);
    expect((await untilDone(admin, b.name)).error?.code).toBe(1);
    const still = await mine.operation(a.name).get();
    expect({ done: still.done, requested: still.metadata.requestedCancellation }).toEqual({ done: false, requested: false });
    await mine.cancel();
    expect((await untilDone(admin, a.name)).error?.code).toBe(1);
  });
});

describe('the lro command', () => {
  it('--token and LRO_TOKEN reach the server on both wires; without one it exits 26 (10 + UNAUTHENTICATED)', async () => {
    const [byFlag, byEnv, none, readOnlyCancel] = await Promise.all([
      runLro(['--server', t.http, '--token', alice, 'kinds', '--json']),
      runLro(['start', 'demo.sleep', '--input', '{"seconds":0}', '--wait', '--json'], { LRO_SERVER: `grpc://${t.grpcAddress}`, LRO_TOKEN: alice }),
      runLro(['--server', t.http, 'kinds']),
      runLro(['--server', `grpc://${t.grpcAddress}`, '--token', reader, 'cancel', 'operations/01jb7x4e2k3m5n6p7q8r9s0t1v']),
    ]);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect((JSON.parse(byFlag.stdout) as unknown[]).length).toBeGreaterThan(0);
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED' } });
    expect(none.code).toBe(26);
    expect(none.stderr).toMatch(/UNAUTHENTICATED/);
    expect(readOnlyCancel.code).toBe(17);
    expect(readOnlyCancel.stderr).toMatch(/PERMISSION_DENIED/);
    // The command never prints the token it was given.
    for (const run of [byFlag, byEnv, none, readOnlyCancel]) expect(run.stdout + run.stderr).not.toContain(alice);
  });
});

describe('the log', () => {
  it('holds no token', () => {
    expectNoTokenIn(t.logs.text());
  });
});
