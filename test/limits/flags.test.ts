/**
 * The limits as users set them: flags and LRO_* variables of the real server process (src/main.ts).
 * `--concurrency 0 --max-queued 3`: three starts pass, the fourth is 429 and creates nothing; LRO_MAX_BODY
 * bounds bodies; a bad value is refused at start-up (exit 2) with a message naming the flag or variable.
 */
import { describe, expect, it, vi } from 'vitest';
import { spawnServersOfFile } from '../helpers/child-server.js';
import { expectHttpRejection, httpCall } from './rejection.js';

// Each case starts a Node process (tsx compiles the sources): seconds on a busy machine. A bound, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const PORTS = ['--http-port', '0', '--grpc-port', '0', '--store', 'sqlite::memory:'];
const spawn = spawnServersOfFile();

describe('limits from flags and the environment', () => {
  it('--concurrency 0 --max-queued 3 with LRO_MAX_BODY=1KiB: the fourth start is 429, and bodies over 1 KiB are 413', async () => {
    const child = spawn([...PORTS, '--concurrency', '0', '--max-queued', '3', '--retention', '30d'], { LRO_MAX_BODY: '1KiB', LRO_MAX_WAITERS: '5' });
    const { http } = await child.listening;
    const start = (body: unknown = {}) => httpCall(http, 'POST', '/v1/kinds/demo.sleep:start', body);
    for (let i = 0; i < 3; i++) expect((await start()).status).toBe(200);
    expectHttpRejection(await start(), 'QUEUE_FULL');
    expect((await httpCall(http, 'GET', '/v1/operations')).json!.operations).toHaveLength(3);
    const tooLarge = await start({ requestId: 'x'.repeat(100), labels: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(60)])) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json!.error.status).toBe('INVALID_ARGUMENT');
  });

  it.each([
    [['--max-queued', '0'], {}, /--max-queued must be a whole number/],
    [['--max-body', '1 parsec'], {}, /--max-body must be a size/],
    [[], { LRO_MAX_WAITERS: 'many' }, /LRO_MAX_WAITERS \(--max-waiters\) must be a whole number/],
    [[], { LRO_RETENTION: 'forever' }, /LRO_RETENTION \(--retention\) must be a duration/],
  ])('%j %j is refused at start-up, naming it', async (args, env, message) => {
    const child = spawn([...PORTS, ...args], env as Record<string, string>);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(message);
  });
});
