/**
 * Graceful shutdown of the real CLI, by SIGTERM and by SIGINT: a running handler is stopped with a shutdown
 * reason (not a cancel) and its operation runs again after a restart; a kind that cannot be cancelled
 * (demo.purge) is not interrupted: the server waits for it, past the grace, and its result is kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cliServers, type CliServer } from '../helpers/cli-servers.js';
import { eventually } from '../helpers/eventually.js';
import { metadataOf } from '../helpers/grpc-client.js';
import { responseJson, timestampMs, untilDone, untilRunning } from '../helpers/operations.js';
import { tempDir } from '../helpers/temp-dir.js';

// Each test starts servers as processes (tsx compiles the sources at each start): seconds each on a loaded
// machine. A bound for a hung test, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const dir = tempDir('lro-e2e-shutdown-');
const servers = cliServers();

afterAll(async () => {
  await servers.closeAll();
  dir.cleanup();
});

function start(store: string): Promise<CliServer> {
  const args = ['--http-port', '0', '--grpc-port', '0', '--store', `sqlite:${store}`, '--lease', '1s', '--poll', '100ms'];
  return servers.start([...args, '--shutdown-grace', '100ms', '--kinds', './test/fixtures/held-kinds.mjs', '--log-level', 'info']);
}

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it('stops the server: a running handler is stopped for the shutdown, not cancelled, and runs again after a restart', async () => {
    const store = dir.file(`${signal}.sqlite`);
    const release = dir.file(`release-${signal}`);
    const signalFile = dir.file(`signal-${signal}.json`);
    const first = await start(store);
    const op = await first.client.start('fixture.held', { until: release, signalFile });
    await untilRunning(first.client, op.name);

    expect(await first.child.stop(signal)).toBe(0);
    // The line that logs the signal (found by its field, whatever its message says).
    expect(first.child.lines.find((l) => l.signal !== undefined)).toMatchObject({ signal });
    expect(first.child.lines.map((l) => l.msg)).toContain('stopped');
    // The handler's signal fired with a shutdown reason: not CANCELLED, not a cancel's reason.
    const seen = JSON.parse(readFileSync(signalFile, 'utf8')) as { code: number; reason: string; attempt: number };
    expect(seen.attempt).toBe(1);
    expect(seen.code).not.toBe(1);
    expect(seen.reason).toMatch(/^[A-Z_]+$/);
    expect(seen.reason).not.toMatch(/CANCEL/);

    writeFileSync(release, '');
    const second = await start(store);
    const done = await untilDone(second.client, op.name);
    expect(metadataOf(done)).toMatchObject({ state: 'SUCCEEDED', attempt: 1, requestedCancellation: false });
    expect(responseJson(done)).toEqual({ attempt: 1 });
    expect(await second.child.stop('SIGTERM')).toBe(0);
  });
});

describe('a kind that cannot be cancelled, across SIGTERM', () => {
  it('demo.purge is not interrupted: the server waits for it past the grace, and it ends SUCCEEDED, once', async () => {
    const store = dir.file('purge.sqlite');
    const seconds = 3;
    const first = await start(store);
    const purge = await first.client.start('demo.purge', { seconds });
    await untilRunning(first.client, purge.name);

    expect(await first.child.stop('SIGTERM')).toBe(0);
    const stoppedAt = Date.now();
    const signalAt = Number(first.child.lines.find((l) => l.signal === 'SIGTERM')?.time);

    const second = await start(store);
    // Done in the first server already (a purge cut short comes back after its lease, failed as ABORTED).
    const done = await eventually(() => second.client.getOperation({ name: purge.name }));
    const md = metadataOf(done);
    // The signal came while it ran (else this test proved nothing).
    expect(signalAt, 'SIGTERM came after the purge would have ended anyway').toBeLessThan(timestampMs(md.startTime) + seconds * 1000);
    expect(done.done).toBe(true);
    expect(md.state, `cut short by the shutdown? ${done.error?.message ?? ''}`).toBe('SUCCEEDED');
    expect(md).toMatchObject({ attempt: 1, requestedCancellation: false });
    expect(responseJson(done)).toEqual({ purged: true });
    expect(timestampMs(md.endTime)).toBeGreaterThanOrEqual(signalAt);
    expect(timestampMs(md.endTime)).toBeLessThanOrEqual(stoppedAt);
    expect(await second.child.stop('SIGTERM')).toBe(0);
  });
});
