/**
 * Sessions over both wires: the `session` label on everything a session starts, and `session.cancel()` with no
 * argument — starts still in flight when it is called, an operation whose start answer never arrived, waits
 * and watches aborted, a kind that cannot be cancelled reported as a row, other sessions untouched, and a
 * start called during the cancel sent after it; and a request id bound to the session label.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSession, LroError, type Session } from '../../src/client/index.js';
import { toStruct } from '../../src/proto/struct.js';
import { untilDone, untilRunning } from '../helpers/operations.js';
import { serverUrl, useTestServer, WIRES } from './wires.js';

const server = useTestServer();

/** Every operation named is done or has its cancellation requested now, and ends CANCELLED. */
async function expectAllCancelled(session: Session, names: string[]): Promise<void> {
  for (const name of names) {
    const now = await session.operation(name).get();
    expect(now.done || now.metadata.requestedCancellation, `${name} keeps running`).toBe(true);
  }
  for (const name of names) {
    const done = await untilDone(server().grpc, name);
    expect(done.error?.code, name).toBe(1);
  }
}

describe.each(WIRES)('a session over %s', (transport) => {
  const sessions: Session[] = [];
  const open = () => {
    const s = createSession({ server: serverUrl(server(), transport) });
    sessions.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('labels everything it starts session=<id>, keeping the caller’s own labels', async () => {
    const session = open();
    const op = await session.start('demo.sleep', { seconds: 0 }, { labels: { team: 'a', session: 'forged' } });
    expect(op.started.metadata.labels).toEqual({ team: 'a', session: session.id });
    expect((await op.get()).metadata.labels).toEqual({ team: 'a', session: session.id });
    const mine: string[] = [];
    for await (const o of session.list({ filter: `metadata.labels.session = "${session.id}"` })) mine.push(o.name);
    expect(mine).toEqual([op.name]);
  });

  it('a request id is bound to the session label: the same session id finds the operation again, another is a reuse', async () => {
    const first = open();
    const requestId = `resume-${transport}-${Date.now()}`;
    const op = await first.start('demo.sleep', { seconds: 0 }, { requestId });
    // A process that restarts with the same session id re-sends its start and gets the same operation.
    const resumed = createSession({ server: serverUrl(server(), transport), id: first.id });
    sessions.push(resumed);
    expect((await resumed.start('demo.sleep', { seconds: 0 }, { requestId })).name).toBe(op.name);
    await expect(open().start('demo.sleep', { seconds: 0 }, { requestId })).rejects.toMatchObject({ code: 6, reason: 'REQUEST_ID_REUSED' });
  });

  it('cancel() with starts still in flight: when it resolves, none of them keeps running', async () => {
    const session = open();
    const running = await session.start('demo.sleep', { seconds: 60 });
    await untilRunning(server().grpc, running.name);
    const purge = await session.start('demo.purge', { seconds: 3 });
    await untilRunning(server().grpc, purge.name);
    const starts = Array.from({ length: 8 }, () => session.start('demo.sleep', { seconds: 60 }));

    const rows = await session.cancel();

    const started = (await Promise.all(starts)).map((s) => s.name);
    const cancellable = [running.name, ...started];
    for (const name of cancellable) expect(rows.find((r) => r.name === name), name).toMatchObject({ ok: true, code: 0 });
    // A kind that cannot be cancelled is a row, not a thrown error.
    expect(rows.find((r) => r.name === purge.name)).toMatchObject({ ok: false, code: 12, reason: 'CANCELLATION_NOT_SUPPORTED' });
    expect(rows).toHaveLength(cancellable.length + 1);
    await expectAllCancelled(session, cancellable);
  });

  it('cancel() reaches an operation whose start answer never arrived (by the label filter)', async () => {
    const session = open();
    // Started by someone else with this session's label: the session never saw its name.
    const lost = await server().grpc.startOperationRaw({
      kind: 'kinds/demo.sleep',
      input: toStruct({ seconds: 60 }),
      requestId: `lost-${transport}-${Date.now()}`,
      labels: { session: session.id },
    });
    const rows = await session.cancel();
    expect(rows).toEqual([{ name: lost.name, ok: true, code: 0, codeName: 'OK' }]);
    await expectAllCancelled(session, [lost.name]);
  });

  it('cancel() aborts the session’s waits and watches, and the session stays usable', async () => {
    const session = open();
    const op = await session.start('demo.sleep', { seconds: 60 });
    const waiting = op.wait();
    const watching = (async () => {
      for await (const _ of op.watch()) {
        // follow until aborted
      }
    })();
    // They reject while cancel() runs, before the expects below look: handled now, checked after.
    waiting.catch(() => {});
    watching.catch(() => {});
    await session.cancel();
    await expect(waiting).rejects.toBeInstanceOf(LroError);
    await expect(waiting).rejects.toMatchObject({ code: 1, reason: 'SESSION_CANCELLED' });
    await expect(watching).rejects.toMatchObject({ code: 1, reason: 'SESSION_CANCELLED' });
    await expectAllCancelled(session, [op.name]);

    const after = await session.start('demo.sleep', { seconds: 0 });
    expect((await after.wait()).metadata.state).toBe('SUCCEEDED');
  });

  it('a start called while cancel() runs is sent after it, and is not cancelled by it', async () => {
    const session = open();
    const before = session.start('demo.sleep', { seconds: 60 });
    const cancelling = session.cancel();
    const later = session.start('demo.sleep', { seconds: 60 });
    const rows = await cancelling;
    const [b, l] = await Promise.all([before, later]);
    expect(rows.map((r) => r.name)).toEqual([b.name]);
    await expectAllCancelled(session, [b.name]);
    expect((await l.get()).metadata.requestedCancellation).toBe(false);
    expect(await session.cancel()).toEqual([{ name: l.name, ok: true, code: 0, codeName: 'OK' }]);
  });

  it('two cancels at once, and a session with nothing left to cancel', async () => {
    const session = open();
    const ops = await Promise.all([session.start('demo.sleep', { seconds: 60 }), session.start('demo.sleep', { seconds: 60 })]);
    const [first, second] = await Promise.all([session.cancel(), session.cancel()]);
    const names = new Set([...first, ...second].filter((r) => r.ok).map((r) => r.name));
    expect([...names].sort()).toEqual(ops.map((o) => o.name).sort());
    await expectAllCancelled(session, ops.map((o) => o.name));
    expect(await session.cancel()).toEqual([]);
  });

  it('cancel() leaves other sessions alone', async () => {
    const mine = open();
    const theirs = open();
    const a = await mine.start('demo.sleep', { seconds: 60 });
    const b = await theirs.start('demo.sleep', { seconds: 60 });
    expect((await mine.cancel()).map((r) => r.name)).toEqual([a.name]);
    expect((await b.get()).metadata.requestedCancellation).toBe(false);
    await theirs.cancel();
    await expectAllCancelled(theirs, [b.name]);
  });
});
