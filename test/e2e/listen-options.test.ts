/**
 * The real CLI with the options that decide where it serves and keeps its data: `--store sqlite::memory:`
 * (really in memory: served, gone after a restart, no file) and `--host` (both
 * listeners on that address, and only there).
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';
import { cliServers } from '../helpers/cli-servers.js';
import { createGrpcClient, grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { listAll, untilDone } from '../helpers/operations.js';

// Each test starts servers as processes (tsx compiles the sources at each start): seconds each on a loaded
// machine. A bound for a hung test, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const servers = cliServers();
afterAll(() => servers.closeAll());

const PORTS = ['--http-port', '0', '--grpc-port', '0', '--log-level', 'info'];

/** Resolves with the error code of a TCP connection to host:port (e.g. ECONNREFUSED), or 'connected'. */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const portOf = (address: string) => Number(/:(\d+)$/.exec(address)?.[1]);

describe('--store sqlite::memory:', () => {
  it('serves from memory: operations run and are listed, no file is written, and a restart forgets them', async () => {
    const args = [...PORTS, '--store', 'sqlite::memory:'];
    const a = await servers.start(args);
    expect(a.child.lines.find((l) => l.msg === 'listening')?.store).toBe('sqlite::memory:');

    const op = await a.client.start('demo.sleep', { seconds: 0.05, steps: 1 });
    expect(metadataOf(await untilDone(a.client, op.name)).state).toBe('SUCCEEDED');
    expect((await listAll(a.client)).map((o) => o.name)).toEqual([op.name]);
    // Nothing was written to a file named after the store.
    expect(existsSync(join(REPO_ROOT, ':memory:'))).toBe(false);

    expect(await a.child.stop('SIGTERM')).toBe(0);
    const again = await servers.start(args);
    expect(await listAll(again.client)).toEqual([]);
    expect((await grpcFailure(again.client.getOperation({ name: op.name }))).code).toBe(status.NOT_FOUND);
  });
});

describe('--host', () => {
  it.each([
    ['127.0.0.2', '127.0.0.1', 'http://127.0.0.2:', '127.0.0.2:'],
    ['::1', '127.0.0.1', 'http://[::1]:', '[::1]:'],
  ])('--host %s: both listeners on that address, and not on %s', async (host, other, httpPrefix, grpcPrefix) => {
    const { child } = await servers.start([...PORTS, '--store', 'sqlite::memory:', '--host', host]);
    const { http, grpc } = await child.listening;
    expect(http.startsWith(httpPrefix), http).toBe(true);
    expect(grpc.startsWith(grpcPrefix), grpc).toBe(true);

    const res = await fetch(`${http}/v1/kinds`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { kinds: unknown[] }).kinds.length).toBeGreaterThan(0);
    const client = createGrpcClient(grpc);
    try {
      expect((await client.listKinds({})).kinds.map((k) => k.name)).toContain('kinds/demo.sleep');
    } finally {
      client.close();
    }

    for (const port of [portOf(http), portOf(grpc)]) expect(await connect(other, port), `${other}:${port}`).toBe('ECONNREFUSED');
  });
});
