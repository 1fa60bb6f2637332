/**
 * Following operations over both wires with WatchOperation: the stream (first the current state, then every
 * change, ending with done), `wait({ onProgress })` seeing every progress step, and an abort the server
 * observes: a watch with cancelOnDisconnect that goes away cancels its operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, LroError, type Operation, type Session } from '../../src/client/index.js';
import { untilDone } from '../helpers/operations.js';
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
    // Every change: each step's progress, and the end (which may come as its own change at 100%).
    const steps = percents(changes).filter((n, i, all) => n > 0 && n !== all[i - 1]);
    expect(steps).toEqual([25, 50, 75, 100]);
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
});
