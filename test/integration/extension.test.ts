/**
 * The extension point, through the library API: createServer({ kinds }) with user kinds defined by
 * defineKind, `demoKinds: false`, `kindModules` (what --kinds does), and bad kind definitions.
 */
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createServer, defineKind, input, type OperationContext } from '../../src/index.js';
import { REPO_ROOT } from '../helpers/child-server.js';
import { createGrpcClient, errorInfoOf, grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { responseJson, untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The README-sized example: a kind with validated input, progress and a cancellable wait. */
const resize = defineKind({
  name: 'images.resize',
  description: 'Resizes an image (pretend).',
  timeout: '30s',
  maxAttempts: 2,
  validate: (raw) => {
    input.only(raw, ['width', 'height']);
    const size = { default: 100, min: 1, max: 10_000, integer: true };
    return { width: input.number(raw, 'width', size), height: input.number(raw, 'height', size) };
  },
  async handler({ width, height }, ctx) {
    ctx.progress(10, 'decoding');
    await ctx.sleep(20);
    ctx.progress(90, 'encoding');
    return { width, height, pixels: width * height };
  },
});

/** Records what its signal said when it fired. */
const abortReasons: unknown[] = [];
const watcher = defineKind({
  name: 'user.watcher',
  handler: (_input, ctx: OperationContext) =>
    new Promise<Record<string, never>>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        abortReasons.push(ctx.signal.reason);
        reject(ctx.signal.reason);
      });
      ctx.progress(1, 'watching');
    }),
});

const rigid = defineKind({
  name: 'user.rigid',
  cancellable: false,
  handler: async () => ({ rigid: true }),
});

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ kinds: [resize, watcher, rigid] });
});

afterAll(async () => {
  await t?.close();
});

describe('createServer({ kinds })', () => {
  it('lists user kinds next to the demo kinds, with their settings', async () => {
    const { kinds } = await t.grpc.listKinds({});
    expect(kinds.map((k) => k.name)).toEqual(
      expect.arrayContaining(['kinds/images.resize', 'kinds/user.watcher', 'kinds/user.rigid', 'kinds/demo.sleep']),
    );
    const k = (await t.grpc.getKind({ name: 'kinds/images.resize' })) as unknown as {
      description: string;
      cancellable: boolean;
      timeout: { seconds: string };
      maxAttempts: number;
    };
    expect(k.description).toBe('Resizes an image (pretend).');
    expect(k.cancellable).toBe(true);
    expect(k.timeout.seconds).toBe('30');
    expect(k.maxAttempts).toBe(2);
    expect((await t.grpc.getKind({ name: 'kinds/user.rigid' })).cancellable).toBe(false);
  });

  it('runs a user kind with its validated input and returns its output', async () => {
    const op = await t.grpc.start('images.resize', { width: 30 });
    const done = await untilDone(t.grpc, op.name);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(responseJson(done)).toEqual({ width: 30, height: 100, pixels: 3000 });
    expect(metadataOf(done).progressPercent).toBe(100);
  });

  it("rejects input the kind's validate refuses, with INVALID_ARGUMENT", async () => {
    let f = await grpcFailure(t.grpc.start('images.resize', { width: 0 }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_INPUT');
    expect(f.message).toContain('input.width');
    f = await grpcFailure(t.grpc.start('images.resize', { depth: 3 }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    expect(f.message).toContain('input.depth');
  });

  it("cancels a user kind through its signal, whose reason is an ApiError", async () => {
    const op = await t.grpc.start('user.watcher', {});
    await untilRunning(t.grpc, op.name);
    await t.grpc.cancelOperation({ name: op.name });
    const done = await untilDone(t.grpc, op.name);
    expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    expect(abortReasons).toHaveLength(1);
    expect(abortReasons[0]).toBeInstanceOf(ApiError);
    expect((abortReasons[0] as ApiError).reason).toBe('CANCELLED_WHILE_RUNNING');
  });

  it('answers UNIMPLEMENTED for cancelling a user kind declared not cancellable', async () => {
    const op = await t.grpc.start('user.rigid', {});
    const f = await grpcFailure(t.grpc.cancelOperation({ name: op.name }));
    expect(f.code).toBe(status.UNIMPLEMENTED);
    expect(metadataOf(await untilDone(t.grpc, op.name)).state).toBe('SUCCEEDED');
  });
});

describe('other ways to register kinds', () => {
  it('demoKinds: false serves only the user kinds', async () => {
    const only = await startTestServer({ kinds: [resize], demoKinds: false });
    try {
      expect((await only.grpc.listKinds({})).kinds.map((k) => k.name)).toEqual(['kinds/images.resize']);
      const f = await grpcFailure(only.grpc.start('demo.sleep', {}));
      expect(f.code).toBe(status.NOT_FOUND);
    } finally {
      await only.close();
    }
  });

  it('kindModules loads kinds from module files (named exports and a default array)', async () => {
    const fromFiles = await startTestServer({
      kindModules: [join(REPO_ROOT, 'test/fixtures/extra-kinds.mjs'), join(REPO_ROOT, 'test/fixtures/default-export-kinds.mjs')],
    });
    try {
      const names = (await fromFiles.grpc.listKinds({})).kinds.map((k) => k.name);
      expect(names).toEqual(
        expect.arrayContaining(['kinds/fixture.greet', 'kinds/fixture.countdown', 'kinds/fixture.once', 'kinds/fixture.echo']),
      );
      const op = await fromFiles.grpc.start('fixture.greet', { name: 'Ada' });
      expect(responseJson(await untilDone(fromFiles.grpc, op.name))).toEqual({ greeting: 'hello, Ada', attempt: 1 });
      const echo = await fromFiles.grpc.start('fixture.echo', { a: [1, 2] });
      expect(responseJson(await untilDone(fromFiles.grpc, echo.name))).toEqual({ echo: { a: [1, 2] } });
      const f = await grpcFailure(fromFiles.grpc.start('fixture.greet', {}));
      expect(f.code).toBe(status.INVALID_ARGUMENT);
      expect(f.message).toContain('input.name');
    } finally {
      await fromFiles.close();
    }
  });

  it('createServer from the package face works on its own, without the test helper', async () => {
    const dir = tempDir();
    const server = createServer({
      httpPort: 0,
      grpcPort: 0,
      store: `sqlite:${dir.file('own.sqlite')}`,
      kinds: [resize],
      logger: pino({ level: 'silent' }),
    });
    try {
      const { grpc } = await server.listen();
      const client = createGrpcClient(grpc);
      try {
        const op = await client.start('images.resize', { width: 2, height: 3 });
        expect(responseJson(await untilDone(client, op.name)).pixels).toBe(6);
      } finally {
        client.close();
      }
    } finally {
      await server.close();
      dir.cleanup();
    }
  });
});

describe('bad kind definitions keep the server from starting', () => {
  const cases: [string, Parameters<typeof createServer>[0], RegExp][] = [
    ['a bad name', { kinds: [{ name: 'Bad Name', handler: () => ({}) }] }, /kind name/],
    ['no handler', { kinds: [{ name: 'no.handler' } as never] }, /handler/],
    ['a name used twice', { kinds: [{ name: 'demo.sleep', handler: () => ({}) }] }, /registered twice/],
    ['a bad timeout', { kinds: [{ name: 'bad.timeout', timeout: 'soon', handler: () => ({}) }] }, /timeout/],
    ['a bad maxAttempts', { kinds: [{ name: 'bad.attempts', maxAttempts: 0, handler: () => ({}) }] }, /maxAttempts/],
    ['a module without kinds', { kindModules: [join(REPO_ROOT, 'test/fixtures/no-kinds.mjs')] }, /exports no kinds/],
    ['a module that does not exist', { kindModules: [join(REPO_ROOT, 'test/fixtures/does-not-exist.mjs')] }, /does-not-exist|Cannot find/],
  ];

  it.each(cases)('%s', async (_label, options, message) => {
    const dir = tempDir();
    const store = `sqlite:${dir.file('x.sqlite')}`;
    const server = createServer({ httpPort: 0, grpcPort: 0, store, logger: pino({ level: 'silent' }), ...options });
    try {
      await expect(server.listen()).rejects.toThrow(message);
    } finally {
      await server.close();
      dir.cleanup();
    }
  });
});
