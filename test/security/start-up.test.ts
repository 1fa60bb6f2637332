/**
 * The real server process (src/main.ts) and the rule that protects a server without auth: binding an
 * address other than loopback is refused at start-up, naming both ways out; with --auth jwt (the secret
 * from the environment) or --allow-unauthenticated it starts, and the secret is never printed.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';

// Each case starts a Node process (tsx compiles the sources): seconds on a busy machine. A bound, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const SECRET = 'start-up-test-secret-0123456789-abcdef';
const PORTS = ['--http-port', '0', '--grpc-port', '0', '--store', 'sqlite::memory:'];
const children: ChildServer[] = [];
const spawn = (args: string[], env: Record<string, string> = {}) => {
  const child = spawnServer(args, env);
  children.push(child);
  return child;
};

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGKILL')));
});

describe('lro-server on an address other than loopback', () => {
  it('without --auth: refused at start-up (exit 2), naming --auth jwt and --allow-unauthenticated', async () => {
    const child = spawn([...PORTS, '--host', '0.0.0.0']);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(/--host 0\.0\.0\.0 is not a loopback address/);
    expect(child.stderr()).toMatch(/--auth jwt/);
    expect(child.stderr()).toMatch(/--allow-unauthenticated/);
  });

  it('with LRO_AUTH=jwt and LRO_JWT_SECRET: it listens, says auth is on, and never prints the secret', async () => {
    const child = spawn([...PORTS, '--log-level', 'debug'], { LRO_HOST: '0.0.0.0', LRO_AUTH: 'jwt', LRO_JWT_SECRET: SECRET });
    const { http, line } = await child.listening;
    expect(line).toMatchObject({ auth: 'jwt' });
    const res = await fetch(`${http.replace('0.0.0.0', '127.0.0.1')}/v1/kinds`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await child.stop('SIGTERM')).toBe(0);
    expect(JSON.stringify(child.lines) + child.stderr()).not.toContain(SECRET);
  });

  it('with --allow-unauthenticated: it listens, open', async () => {
    const child = spawn([...PORTS, '--host', '0.0.0.0', '--allow-unauthenticated']);
    const { http, line } = await child.listening;
    expect(line).toMatchObject({ auth: 'none' });
    expect((await fetch(`${http.replace('0.0.0.0', '127.0.0.1')}/v1/kinds`)).status).toBe(200);
    expect(await child.stop('SIGTERM')).toBe(0);
  });
});
