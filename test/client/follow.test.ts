/**
 * How the SDK follows an operation when the wire misbehaves, driven by a scripted transport (no network):
 * a server without Watch (fallback to WaitOperation), a stream that drops (resumed with backoff), a server that
 * ends streams early (shutdown), the timeout, and the retry budget running out.
 */
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/errors/code.js';
import { LroError } from '../../src/client/lro-error.js';
import type { WireOperation } from '../../src/client/operation-codec.js';
import { retryPolicy } from '../../src/client/retry.js';
import type { SessionContext } from '../../src/client/session-context.js';
import type { Transport } from '../../src/client/transport.js';
import type { Operation } from '../../src/client/types.js';
import { waitForOperation, watchOperation } from '../../src/client/wait.js';
import { packAny } from '../../src/proto/any.js';

const NAME = 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa';

function wire(progressPercent: number, done = false): WireOperation {
  const state = done ? 'SUCCEEDED' : 'RUNNING';
  return { name: NAME, done, metadata: packAny('lro.v1.OperationMetadata', { kind: 'kinds/demo.sleep', state, progressPercent }) };
}

const unimplemented = () => new LroError(Code.UNIMPLEMENTED, 'The server does not implement the method /lro.v1.Watch/WatchOperation');
const unavailable = () => new LroError(Code.UNAVAILABLE, 'Connection dropped');

/** A transport whose Watch and Wait answer from scripts; every other call fails the test. */
function scripted(script: { watch?: Array<(signal: AbortSignal) => AsyncIterable<WireOperation>>; wait?: Array<(timeoutMs?: number) => WireOperation>; get?: WireOperation }) {
  const calls = { watch: 0, wait: [] as (number | undefined)[], get: 0 };
  const unexpected = () => Promise.reject(new Error('unexpected call'));
  const transport: Transport = {
    server: 'test://scripted',
    watchOperation: (_name, _cancelOnDisconnect, options) => {
      const next = script.watch?.[calls.watch++];
      if (!next) throw new Error('no more watches scripted');
      return next(options.signal!);
    },
    waitOperation: async (_name, timeoutMs) => {
      const next = script.wait?.[calls.wait.length];
      calls.wait.push(timeoutMs);
      if (!next) throw new Error('no more waits scripted');
      return next(timeoutMs);
    },
    getOperation: async () => {
      calls.get++;
      if (!script.get) throw new Error('no get scripted');
      return script.get;
    },
    listOperations: unexpected,
    cancelOperation: unexpected,
    deleteOperation: unexpected,
    startOperation: unexpected,
    batchCancelOperations: unexpected,
    listKinds: unexpected,
    getKind: unexpected,
    close: () => {},
  };
  const ctx: SessionContext = {
    transport,
    retry: retryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 }),
    callTimeoutMs: 1000,
    closed: new AbortController().signal,
    waitScope: () => new AbortController().signal,
    ensureOpen: () => {},
  };
  return { ctx, calls };
}

async function* stream(...items: Array<WireOperation | LroError>): AsyncGenerator<WireOperation> {
  for (const item of items) {
    if (item instanceof LroError) throw item;
    yield item;
  }
}

/** A stream that sends one message and then stays open until its call is aborted (as a wire does). */
function endless(first: WireOperation): (signal: AbortSignal) => AsyncIterable<WireOperation> {
  return async function* (signal) {
    yield first;
    await new Promise((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
}

const progressOf = (ops: Operation[]) => ops.map((o) => o.metadata.progressPercent);

describe('following an operation', () => {
  it('falls back to WaitOperation when the server has no Watch, reporting each change it sees', async () => {
    const { ctx, calls } = scripted({
      watch: [() => stream(unimplemented())],
      wait: [() => wire(10), () => wire(10), () => wire(60), () => wire(100, true)],
    });
    const changes: Operation[] = [];
    const done = await waitForOperation(ctx, NAME, { signal: new AbortController().signal, onProgress: (o) => changes.push(o) });
    expect(done.done).toBe(true);
    expect(progressOf(changes)).toEqual([10, 60, 100]);
    expect(calls.wait).toHaveLength(4);
    // With onProgress, the fallback waits in short slices so progress shows now and then.
    expect(calls.wait.every((ms) => ms !== undefined && ms <= 1000)).toBe(true);
  });

  it('resumes a dropped stream (each new stream starts with the current state)', async () => {
    const { ctx, calls } = scripted({
      watch: [() => stream(wire(10), unavailable()), () => stream(unavailable()), () => stream(wire(50), wire(100, true))],
    });
    const seen: Operation[] = [];
    for await (const op of watchOperation(ctx, NAME, { signal: new AbortController().signal })) seen.push(op);
    expect(progressOf(seen)).toEqual([10, 50, 100]);
    expect(calls.watch).toBe(3);
  });

  it('follows again when the server ends a stream before the operation is done (shutdown)', async () => {
    const { ctx } = scripted({ watch: [() => stream(wire(30)), () => stream(wire(100, true))] });
    const done = await waitForOperation(ctx, NAME, { signal: new AbortController().signal });
    expect(done).toMatchObject({ done: true, metadata: { progressPercent: 100 } });
  });

  it('gives up after the retry budget, naming the server and the attempts', async () => {
    const { ctx } = scripted({ watch: [() => stream(unavailable()), () => stream(unavailable()), () => stream(unavailable())] });
    const err = await waitForOperation(ctx, NAME, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LroError);
    expect(err).toMatchObject({ code: 14, message: expect.stringContaining('test://scripted is unavailable after 3 attempts') });
  });

  it('at the timeout returns the last state it saw, not an error', async () => {
    const { ctx } = scripted({ watch: [endless(wire(40))] });
    const op = await waitForOperation(ctx, NAME, { timeoutMs: 20, signal: new AbortController().signal });
    expect(op).toMatchObject({ done: false, metadata: { progressPercent: 40 } });
  });

  it('rejects with the caller’s abort reason, not a timeout result', async () => {
    const { ctx } = scripted({ watch: [endless(wire(40))] });
    const controller = new AbortController();
    const waiting = waitForOperation(ctx, NAME, { signal: controller.signal, onProgress: () => controller.abort(new Error('mine')) });
    await expect(waiting).rejects.toThrow('mine');
  });

  it('does not fall back on errors other than a missing method', async () => {
    const { ctx, calls } = scripted({ watch: [() => stream(new LroError(Code.NOT_FOUND, 'gone', { reason: 'OPERATION_NOT_FOUND' }))] });
    await expect(waitForOperation(ctx, NAME, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 5 });
    expect(calls.wait).toHaveLength(0);
  });
});
