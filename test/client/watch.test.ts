/**
 * Following operations over both wires with WatchOperation: the stream (first the current state, then every
 * change, ending with done), `wait({ onProgress })` seeing every progress step, and aborts the server
 * observes — a watch with cancelOnDisconnect that goes away cancels its operation; an aborted wait releases
 * its waiter.
 *
 * All but the last wait for the server side of lro.v1.Watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, LroError, type Operation, type Session } from '../../src/client/index.js';
import { eventually } from '../helpers/eventually.js';
import { untilDone, untilRunning } from '../helpers/operations.js';
import { serverUrl, useTestServer, WIRES } from './wires.js';

const server = useTestServer();

/** Four steps far enough apart that the server's 50 ms coalescing keeps each one. */
const STEPS = { seconds: 2, steps: 4 };

function percents(ops: Operation[]): number[] {
  return ops.map((o) => o.metadata.progressPercent);
}

describe.each(WIRES)('watching over %s', (transport) => {
  let session: Session;
  beforeAll(() => {
    session = createSession({ server: serverUrl(server(), transport) });
  });
  afterAll(() => session?.close());

  it('watch() yields the operation at once, then every change, and ends with the one where it is done', async () => {
    const op = await session.start('demo.sleep', STEPS);
    const seen: Operation[] = [];
    for await (const o of op.watch()) seen.push(o);
    expect(seen[0]!.name).toBe(op.name);
    expect(seen.at(-1)).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED', progressPercent: 100 } });
    expect(seen.slice(0, -1).every((o) => !o.done)).toBe(true);
    const p = percents(seen);
    expect(p).toEqual([...p].sort((a, b) => a - b));
    expect(p).toEqual(expect.arrayContaining([25, 50, 75, 100]));
  });

  it('wait({ onProgress }) gets every progress change, in order, up to the end', async () => {
    const op = await session.start('demo.sleep', STEPS);
    const changes: Operation[] = [];
    const done = await op.wait({ onProgress: (o) => changes.push(o) });
    expect(done.done).toBe(true);
    expect(changes.at(-1)).toEqual(done);
    expect(percents(changes).filter((n) => n > 0)).toEqual([25, 50, 75, 100]);
  });

  it('an unknown operation is NOT_FOUND before any message', async () => {
    const watch = session.operation('operations/01aaaaaaaaaaaaaaaaaaaaaaaa').watch()[Symbol.asyncIterator]();
    await expect(watch.next()).rejects.toMatchObject({ code: 5, reason: 'OPERATION_NOT_FOUND' });
  });

  it('cancelOnDisconnect: a watch that goes away before the end cancels its operation', async () => {
    const aborted = await session.start('demo.sleep', { seconds: 60 });
    const controller = new AbortController();
    const watching = (async () => {
      for await (const o of aborted.watch({ cancelOnDisconnect: true, signal: controller.signal })) {
        if (o.metadata.state === 'RUNNING') controller.abort();
      }
    })();
    await expect(watching).rejects.toThrow();
    expect((await untilDone(server().grpc, aborted.name)).error?.code).toBe(1);

    const left = await session.start('demo.sleep', { seconds: 60 });
    for await (const o of left.watch({ cancelOnDisconnect: true })) if (o.metadata.state === 'RUNNING') break;
    expect((await untilDone(server().grpc, left.name)).error?.code).toBe(1);
  });

  it('cancelOnDisconnect on a kind that cannot be cancelled is UNIMPLEMENTED at once', async () => {
    const purge = await session.start('demo.purge', { seconds: 0.2 });
    const watch = purge.watch({ cancelOnDisconnect: true })[Symbol.asyncIterator]();
    const err = await watch.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LroError);
    expect(err).toMatchObject({ code: 12 });
  });

  it('an aborted wait ends on the wire: the server releases what it held for it', async () => {
    const op = await session.start('demo.sleep', { seconds: 60 });
    await untilRunning(server().grpc, op.name);
    const controller = new AbortController();
    const waiting = op.wait({ signal: controller.signal });
    await eventually(() => server().server.activeWaiters > 0);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await eventually(() => server().server.activeWaiters === 0);
    await op.cancel();
  });
});
