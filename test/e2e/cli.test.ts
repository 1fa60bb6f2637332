/**
 * The real CLI in a child process: port 0 and the "listening" line, environment variables, --kinds with a
 * user module, graceful SIGTERM, and bad flags that exit non-zero with a clear message.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnServer, REPO_ROOT, type ChildServer } from '../helpers/child-server.js';
import { createGrpcClient, metadataOf } from '../helpers/grpc-client.js';
import { responseJson, untilDone, untilRunning } from '../helpers/operations.js';
import { tempDir } from '../helpers/temp-dir.js';

// Each test starts servers as processes (tsx compiles the sources at each start): seconds each on a loaded
// machine. A bound for a hung test, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const dir = tempDir('lro-e2e-cli-');
const children: ChildServer[] = [];

function spawn(args: string[], env: Record<string, string> = {}): ChildServer {
  const child = spawnServer(args, env);
  children.push(child);
  return child;
}

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGKILL')));
  dir.cleanup();
});

describe('the lro-server CLI', () => {
  it('binds port 0, logs one line with both addresses, serves gRPC, and stops on SIGTERM', async () => {
    const child = spawn(['--http-port', '0', '--grpc-port', '0', '--store', `sqlite:${dir.file('a.sqlite')}`, '--log-level', 'info']);
    const { http, grpc, line } = await child.listening;
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(grpc.split(':')[1])).toBeGreaterThan(0);
    expect(Number(http.split(':')[2])).toBeGreaterThan(0);
    expect(line.msg).toBe('listening');
    expect(child.lines.filter((l) => typeof l.http === 'string' && typeof l.grpc === 'string')).toHaveLength(1);

    const client = createGrpcClient(grpc);
    try {
      expect((await client.listKinds({})).kinds.map((k) => k.name)).toContain('kinds/demo.sleep');
      const op = await client.start('demo.sleep', { seconds: 0.05, steps: 1 });
      expect(metadataOf(await untilDone(client, op.name)).state).toBe('SUCCEEDED');
    } finally {
      client.close();
    }

    expect(await child.stop('SIGTERM')).toBe(0);
    expect(child.lines.map((l) => l.msg)).toContain('stopped');
  });

  it('takes its settings from LRO_* environment variables', async () => {
    const child = spawn([], { LRO_HTTP_PORT: '0', LRO_GRPC_PORT: '0', LRO_STORE: `sqlite:${dir.file('env.sqlite')}`, LRO_LOG_LEVEL: 'info' });
    const { grpc } = await child.listening;
    expect(grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(grpc.split(':')[1])).not.toBe(50051);
    expect(await child.stop('SIGTERM')).toBe(0);
  });

  it('--kinds loads a user module whose kinds run like the built-in ones', async () => {
    const child = spawn([
      '--http-port',
      '0',
      '--grpc-port',
      '0',
      '--store',
      `sqlite:${dir.file('kinds.sqlite')}`,
      '--kinds',
      './test/fixtures/extra-kinds.mjs',
    ]);
    const { grpc, line } = await child.listening;
    expect(line.kinds).toEqual(expect.arrayContaining(['fixture.greet', 'fixture.countdown', 'demo.sleep']));
    const client = createGrpcClient(grpc);
    try {
      const names = (await client.listKinds({})).kinds.map((k) => k.name);
      expect(names).toEqual(expect.arrayContaining(['kinds/fixture.greet', 'kinds/fixture.countdown', 'kinds/fixture.once']));

      const greet = await client.start('fixture.greet', { name: 'Grace' });
      expect(responseJson(await untilDone(client, greet.name))).toEqual({ greeting: 'hello, Grace', attempt: 1 });

      const countdown = await client.start('fixture.countdown', { from: 1000 });
      await untilRunning(client, countdown.name);
      await client.cancelOperation({ name: countdown.name });
      const cancelled = await untilDone(client, countdown.name);
      expect(metadataOf(cancelled).state).toBe('CANCELLED');
    } finally {
      client.close();
    }
    expect(await child.stop('SIGTERM')).toBe(0);
  });

  it('exits non-zero with a clear message for bad flags or a bad --kinds module; --help exits 0', async () => {
    // Safe settings first: the flag under test comes last, so it wins. All at once, to keep the suite fast.
    const safe = ['--store', `sqlite:${dir.file('bad.sqlite')}`, '--http-port', '0', '--grpc-port', '0'];
    const cases: [string[], RegExp][] = [
      [['--bogus'], /bogus/],
      [['--grpc-port', 'abc'], /--grpc-port must be a port number/],
      [['--store', 'mysql://x'], /--store must be/],
      [['--lease', '1s', '--heartbeat', '2s'], /--heartbeat must be shorter than --lease/],
    ];
    const bad = cases.map(([args, message]) => ({ args, message, child: spawn([...safe, ...args]) }));
    const noKinds = spawn([...safe, '--kinds', join(REPO_ROOT, 'test/fixtures/no-kinds.mjs')]);
    const help = spawn(['--help']);

    for (const { args, message, child } of bad) {
      expect(await child.exited, args.join(' ')).not.toBe(0);
      expect(child.stderr(), args.join(' ')).toMatch(message);
      expect(child.stderr()).toMatch(/^lro-server: /);
    }

    expect(await noKinds.exited).not.toBe(0);
    const fatal = noKinds.lines.find((l) => l.msg === 'could not start');
    expect(JSON.stringify(fatal)).toMatch(/exports no kinds/);

    expect(await help.exited).toBe(0);
    const text = help.lines.map((l) => l.msg).join('\n');
    for (const flag of ['--http-port', '--grpc-port', '--store', '--concurrency', '--kinds', 'LRO_STORE']) expect(text).toContain(flag);
  });
});
