/**
 * Restart safety with the real CLI on one SQLite file: stop the server (SIGTERM, then SIGKILL) while
 * operations are queued and running, start it again on the same file, and every operation is still there;
 * the queued ones run, the running ones run again or fail per their kind's attempts, and a request_id still
 * names the operation it created. None is lost or stuck. The running ones are held (fixture.held) until the
 * test creates their file, so they are certainly running when the server stops, however slow the machine.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cliServers, type CliServer } from '../helpers/cli-servers.js';
import { errorInfoOf, metadataOf, type Operation } from '../helpers/grpc-client.js';
import { listAll, responseJson, timestampMs, untilDone, untilRunning } from '../helpers/operations.js';
import { tempDir } from '../helpers/temp-dir.js';

// Each test starts servers as processes (tsx compiles the sources at each start): seconds each on a loaded
// machine. A bound for a hung test, not a goal.
vi.setConfig({ testTimeout: 120_000 });

const dir = tempDir('lro-e2e-restart-');
const servers = cliServers();

afterAll(async () => {
  await servers.closeAll();
  dir.cleanup();
});

function start(store: string, concurrency = 2): Promise<CliServer> {
  return servers.start([
    ...['--http-port', '0', '--grpc-port', '0', '--store', `sqlite:${store}`, '--concurrency', String(concurrency)],
    ...['--lease', '1s', '--poll', '100ms', '--shutdown-grace', '100ms', '--log-level', 'info'],
    ...['--kinds', './test/fixtures/extra-kinds.mjs', '--kinds', './test/fixtures/held-kinds.mjs'],
  ]);
}

const names = (ops: Operation[]) => ops.map((o) => o.name).sort();

describe('restart on the same SQLite file', () => {
  it('after SIGTERM: everything is still there, queued ones run, running ones run again and finish', async () => {
    const store = dir.file('sigterm.sqlite');
    const release = dir.file('release-sigterm');
    const first = await start(store);
    const c = first.client;

    const finished = await c.start('demo.fail', { code: 5 }, 'rid-finished');
    await untilDone(c, finished.name);
    // Two held ones take both workers; two more wait behind them; one waiting one is cancelled.
    const running = [await c.start('fixture.held', { until: release }, 'rid-running'), await c.start('fixture.held', { until: release })];
    for (const r of running) await untilRunning(c, r.name);
    const queued = [await c.start('demo.sleep', { seconds: 0.1, steps: 1 }, 'rid-queued'), await c.start('fixture.greet', { name: 'again' })];
    const cancelled = await c.start('demo.sleep', { seconds: 0.1, steps: 1 });
    await c.cancelOperation({ name: cancelled.name });
    const before = await listAll(c);
    expect(before).toHaveLength(6);
    for (const q of queued) expect(metadataOf(await c.getOperation({ name: q.name })).state).toBe('QUEUED');

    // The grace (100 ms) ends while the held handlers still run: they are interrupted and released.
    expect(await first.child.stop('SIGTERM')).toBe(0);
    const restartedAt = Date.now();
    writeFileSync(release, '');

    const second = await start(store);
    const c2 = second.client;
    const after = await listAll(c2);
    expect(names(after)).toEqual(names(before));
    // A request_id names the same operation after the restart, done or not, and starts nothing new.
    expect((await c2.start('demo.fail', { code: 5 }, 'rid-finished')).name).toBe(finished.name);
    expect((await c2.start('fixture.held', { until: release }, 'rid-running')).name).toBe(running[0]!.name);
    expect((await c2.start('demo.sleep', { seconds: 0.1, steps: 1 }, 'rid-queued')).name).toBe(queued[0]!.name);
    expect(await listAll(c2)).toHaveLength(6);

    for (const op of [...running, ...queued]) {
      const done = await untilDone(c2, op.name, 20_000);
      const md = metadataOf(done);
      expect(md.state, op.name).toBe('SUCCEEDED');
      // It ran (again) in the second server.
      expect(timestampMs(md.startTime)).toBeGreaterThanOrEqual(restartedAt);
    }
    for (const op of running) {
      // A graceful release does not use up an attempt (OperationStore.release; the proto's "attempt": more
      // only after a worker died), so the re-run is attempt 1 again.
      const done = await c2.getOperation({ name: op.name });
      expect(metadataOf(done)).toMatchObject({ attempt: 1, requestedCancellation: false });
      expect(responseJson(done)).toEqual({ attempt: 1 });
    }
    expect(responseJson(await c2.getOperation({ name: queued[1]!.name }))).toEqual({ greeting: 'hello, again', attempt: 1 });
    // What was done stays exactly as it was.
    for (const op of [finished, cancelled]) {
      const was = before.find((b) => b.name === op.name)!;
      expect(await c2.getOperation({ name: op.name })).toEqual(was);
    }
    expect(await second.child.stop('SIGTERM')).toBe(0);
  });

  it('after SIGKILL: running ones come back after the lease (attempt 2); maxAttempts 1 → ABORTED; a requested cancel → CANCELLED', async () => {
    const store = dir.file('sigkill.sqlite');
    const release = dir.file('release-sigkill');
    const never = dir.file('never-created');
    const first = await start(store, 3);
    const c = first.client;

    const retried = await c.start('fixture.held', { until: release });
    const once = await c.start('fixture.held-once', { until: release });
    // Deaf to cancel: still running, with requested_cancellation recorded, when the process dies.
    const cancelRequested = await c.start('fixture.held', { until: never, deaf: true });
    for (const r of [retried, once, cancelRequested]) await untilRunning(c, r.name);
    await c.cancelOperation({ name: cancelRequested.name });
    expect(metadataOf(await c.getOperation({ name: cancelRequested.name })).requestedCancellation).toBe(true);
    const queued = [await c.start('demo.sleep', { seconds: 0.1, steps: 1 }), await c.start('fixture.greet', { name: 'later' })];
    const before = await listAll(c);
    expect(before).toHaveLength(5);

    expect(await first.child.stop('SIGKILL')).toBe('SIGKILL');
    const killedAt = Date.now();
    writeFileSync(release, '');

    const second = await start(store);
    const c2 = second.client;
    expect(names(await listAll(c2))).toEqual(names(before));

    const retriedDone = await untilDone(c2, retried.name, 20_000);
    expect(metadataOf(retriedDone).state).toBe('SUCCEEDED');
    expect(metadataOf(retriedDone).attempt).toBe(2);
    expect(responseJson(retriedDone)).toEqual({ attempt: 2 });
    expect(timestampMs(metadataOf(retriedDone).startTime)).toBeGreaterThanOrEqual(killedAt);

    const onceDone = await untilDone(c2, once.name, 20_000);
    expect(metadataOf(onceDone).state).toBe('FAILED');
    expect(onceDone.error?.code).toBe(10); // ABORTED
    expect(errorInfoOf(onceDone.error!).reason).toBe('ATTEMPTS_EXHAUSTED');
    expect(metadataOf(onceDone).attempt).toBe(1);

    // Its cancel was recorded before the crash: it is not run again, it ends cancelled.
    const cancelledDone = await untilDone(c2, cancelRequested.name, 20_000);
    expect(metadataOf(cancelledDone).state).toBe('CANCELLED');
    expect(cancelledDone.error?.code).toBe(1);
    expect(errorInfoOf(cancelledDone.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
    expect(metadataOf(cancelledDone).attempt).toBe(1);

    for (const q of queued) expect(metadataOf(await untilDone(c2, q.name, 20_000)).state).toBe('SUCCEEDED');
    expect(await second.child.stop('SIGTERM')).toBe(0);
  });
});
