/**
 * WatchOperation over gRPC (server streaming) and HTTP (Server-Sent Events): the operation at once, then
 * after every change (coalesced), ending after the done message; cancel_on_disconnect ties the operation
 * to the stream, and nothing else cancels it (not the normal end, not a server shutdown).
 */
import type * as grpc from '@grpc/grpc-js';
import { Agent, get as httpGet, type IncomingMessage } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/runtime/kind.js';
import { createHttpServer } from '../../src/transport/http/http-server.js';
import { eventually } from '../helpers/eventually.js';
import { errorInfoOf, metadataOf, statusOf, type Operation } from '../helpers/grpc-client.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const held = createHeldKind('test.held');

/** Reports progress every millisecond for `ms`, then returns. */
const chatty = defineKind({
  name: 'test.chatty',
  async handler({ ms = 600 }: { ms?: number }, ctx) {
    const end = Date.now() + Number(ms);
    for (let i = 0; Date.now() < end; i++) {
      ctx.progress(Math.min(99, i / 10), `tick ${i}`);
      await ctx.sleep(1);
    }
    return { ok: true };
  },
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ kinds: [held.kind, chatty] });
});
afterAll(async () => {
  held.releaseAll();
  await t?.close();
});

/** Collects a gRPC watch: every message, and how the call ended. */
function collect(stream: grpc.ClientReadableStream<Operation>) {
  const messages: Operation[] = [];
  const ended = new Promise<{ code: number; error?: grpc.ServiceError }>((resolve) => {
    stream.on('data', (op: Operation) => messages.push(op));
    stream.on('error', (error: grpc.ServiceError) => resolve({ code: error.code, error }));
    stream.on('status', (s: grpc.StatusObject) => s.code === 0 && resolve({ code: 0 }));
  });
  return { messages, ended };
}

const state = (op: Operation) => metadataOf(op).state;

describe('WatchOperation over gRPC', () => {
  it('sends the operation at once, then its changes, and ends OK right after the done message', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const { messages, ended } = collect(t.grpc.watch({ name: op.name }));
    await eventually(() => messages.length >= 1);
    expect(state(messages[0]!)).toBe('RUNNING');
    run.release();
    expect((await ended).code).toBe(0);
    const last = messages[messages.length - 1]!;
    expect(last.done).toBe(true);
    expect(state(last)).toBe('SUCCEEDED');
    expect(messages.slice(0, -1).every((m) => !m.done)).toBe(true);
  });

  it('coalesces a handler that reports every millisecond into at most one message per 50 ms', async () => {
    const op = await t.grpc.start('test.chatty', { ms: 800 });
    const startedAt = Date.now();
    const { messages, ended } = collect(t.grpc.watch({ name: op.name }));
    expect((await ended).code).toBe(0);
    const elapsed = Date.now() - startedAt;
    // Hundreds of reports; a message per 50 ms at most (+ the first and the last).
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    const progress = messages.map((m) => metadataOf(m).progressPercent);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress); // never backwards
    expect(messages[messages.length - 1]!.done).toBe(true);
  });

  it('a done operation: one message, then the end', async () => {
    const op = await t.grpc.start('demo.fail', { code: 5 });
    await untilDone(t.grpc, op.name);
    const { messages, ended } = collect(t.grpc.watch({ name: op.name }));
    expect((await ended).code).toBe(0);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.done).toBe(true);
  });

  it('an unknown name: NOT_FOUND before any message', async () => {
    const { messages, ended } = collect(t.grpc.watch({ name: 'operations/01abcdefghjkmnpqrstvwxyz00' }));
    const end = await ended;
    expect(end.code).toBe(5);
    expect(errorInfoOf(statusOf(end.error!)).reason).toBe('OPERATION_NOT_FOUND');
    expect(messages).toEqual([]);
  });

  it('cancel_on_disconnect on a kind that cannot be cancelled: UNIMPLEMENTED at once, done or not', async () => {
    const purge = await t.grpc.start('demo.purge', { seconds: 0 });
    for (const moment of ['now', 'done']) {
      if (moment === 'done') await untilDone(t.grpc, purge.name);
      const { messages, ended } = collect(t.grpc.watch({ name: purge.name, cancelOnDisconnect: true }));
      expect((await ended).code, moment).toBe(12);
      expect(messages).toEqual([]);
    }
  });

  it('cancel_on_disconnect: the client cancelling the call cancels the operation (CANCELLED_WHILE_RUNNING)', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const stream = t.grpc.watch({ name: op.name, cancelOnDisconnect: true });
    const { messages, ended } = collect(stream);
    await eventually(() => messages.length >= 1);
    stream.cancel();
    expect((await ended).code).toBe(1);
    await run.aborted;
    const done = await untilDone(t.grpc, op.name);
    expect(state(done)).toBe('CANCELLED');
    expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
  });

  it('without cancel_on_disconnect, a client that goes away cancels nothing', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const stream = t.grpc.watch({ name: op.name });
    const { messages, ended } = collect(stream);
    await eventually(() => messages.length >= 1);
    stream.cancel();
    await ended;
    // A later read shows it still running, never asked to cancel.
    await new Promise((r) => setImmediate(r));
    expect(metadataOf(await t.grpc.getOperation({ name: op.name }))).toMatchObject({ state: 'RUNNING', requestedCancellation: false });
    run.release();
    expect(state(await untilDone(t.grpc, op.name))).toBe('SUCCEEDED');
  });

  it('cancel_on_disconnect: the normal end of the stream (the operation done) cancels nothing', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const { ended } = collect(t.grpc.watch({ name: op.name, cancelOnDisconnect: true }));
    run.release();
    expect((await ended).code).toBe(0);
    expect(metadataOf(await t.grpc.getOperation({ name: op.name }))).toMatchObject({ state: 'SUCCEEDED', requestedCancellation: false });
  });

  it('a server shutdown ends the stream cleanly and cancels nothing', async () => {
    const own = createHeldKind('test.held-own');
    const s = await startTestServer({ kinds: [own.kind], shutdownGraceMs: 100 });
    const op = await s.grpc.start('test.held-own');
    const run = await own.started(op.name);
    const { messages, ended } = collect(s.grpc.watch({ name: op.name, cancelOnDisconnect: true }));
    await eventually(() => messages.length >= 1);
    const closing = s.server.close();
    expect((await ended).code).toBe(0);
    expect(await run.aborted).toMatchObject({ abortCause: 'shutdown' });
    await closing;
    const after = await startTestServer({ store: `sqlite:${s.storePath}`, concurrency: 0 });
    try {
      expect(metadataOf(await after.grpc.getOperation({ name: op.name }))).toMatchObject({ state: 'QUEUED', requestedCancellation: false });
    } finally {
      s.grpc.close();
      await after.close();
    }
  });
});

/** Reads Server-Sent Events from a fetch response until it ends (or `stop` says so). */
async function readEvents(res: Response, stop?: (events: { event: string; data: string }[], comments: string[]) => boolean) {
  const events: { event: string; data: string }[] = [];
  const comments: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = block.split('\n');
      const comment = lines.filter((l) => l.startsWith(':'));
      comments.push(...comment.map((l) => l.slice(1).trim()));
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
      if (event && data !== undefined) events.push({ event, data });
    }
    if (stop?.(events, comments)) {
      await reader.cancel();
      break;
    }
  }
  return { events, comments };
}

describe('WatchOperation over HTTP (Server-Sent Events)', () => {
  it('streams `event: operation` messages as one-line proto3 JSON and closes after done', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const res = await fetch(`${t.http}/v1/${op.name}:watch`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(res);
    await new Promise((r) => setTimeout(r, 20));
    run.release();
    const { events } = await reading;
    expect(events.every((e) => e.event === 'operation')).toBe(true);
    const ops = events.map((e) => JSON.parse(e.data) as { name: string; done?: boolean; metadata: { state: string } });
    expect(ops[0]).toMatchObject({ name: op.name, metadata: { state: 'RUNNING' } });
    expect(ops[ops.length - 1]).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED' } });
  });

  it('errors before the stream are the JSON envelope: 404 unknown, 501 cancelOnDisconnect on a kind that cannot be cancelled', async () => {
    const missing = await fetch(`${t.http}/v1/operations/01abcdefghjkmnpqrstvwxyz00:watch`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    const purge = await t.grpc.start('demo.purge', { seconds: 0 });
    for (const param of ['cancelOnDisconnect=true', 'cancel_on_disconnect=true']) {
      const res = await fetch(`${t.http}/v1/${purge.name}:watch?${param}`);
      expect(res.status, param).toBe(501);
      expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNIMPLEMENTED');
    }
  });

  it.each(['cancelOnDisconnect=true', 'cancel_on_disconnect=true'])('%s: a reader that goes away cancels the operation', async (param) => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const controller = new AbortController();
    const res = await fetch(`${t.http}/v1/${op.name}:watch?${param}`, { signal: controller.signal });
    await readEvents(res, (events) => events.length >= 1);
    controller.abort();
    await run.aborted;
    const done = await untilDone(t.grpc, op.name);
    expect(errorInfoOf(done.error!).reason).toBe('CANCELLED_WHILE_RUNNING');
  });

  it('sends `: keep-alive` comments on an idle stream', async () => {
    const http = createHttpServer(t.server.services, pino({ level: 'silent' }), new AbortController().signal, { keepAliveMs: 30 });
    const port = await http.listen('127.0.0.1', 0);
    try {
      const op = await t.grpc.start('test.held');
      const run = await held.started(op.name);
      const res = await fetch(`http://127.0.0.1:${port}/v1/${op.name}:watch`);
      const { comments } = await readEvents(res, (_e, c) => c.length >= 2);
      expect(comments.slice(0, 2)).toEqual(['keep-alive', 'keep-alive']);
      run.release();
    } finally {
      await http.close();
    }
  });
});

/** One SSE reader over node:http: resolves `first` at its first event and `ended` with every event once the server ends it. */
function sseReader(url: string, agent: Agent) {
  let firstSeen!: () => void;
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  const ended = new Promise<string[]>((resolve, reject) => {
    httpGet(url, { agent }, (res: IncomingMessage) => {
      const events: string[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const data = buffer.slice(0, cut).split('\n').find((l) => l.startsWith('data: '));
          buffer = buffer.slice(cut + 2);
          if (data) events.push(data.slice(6));
          if (events.length === 1) firstSeen();
        }
      });
      res.on('end', () => resolve(events));
      res.on('error', reject);
    }).on('error', reject);
  });
  return { first, ended };
}

describe('1,000 SSE watchers on one operation', () => {
  it('all get the done message and their streams end; the server holds them in bounded memory', async () => {
    const op = await t.grpc.start('test.held');
    const run = await held.started(op.name);
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage();
    const readers: ReturnType<typeof sseReader>[] = [];
    try {
      // Connect in steps of 100 (a thousand SYNs at once would overflow the accept backlog, not test us).
      for (let i = 0; i < 1000; i += 100) {
        const step = Array.from({ length: 100 }, () => sseReader(`${t.http}/v1/${op.name}:watch`, agent));
        readers.push(...step);
        await Promise.all(step.map((r) => r.first));
      }
      gc?.();
      const open = process.memoryUsage();
      const grownMb = (open.rss - before.rss) / 2 ** 20;
      const heapMb = (open.heapUsed - before.heapUsed) / 2 ** 20;
      // A bound, not a goal: the figure is reported; 1,000 open streams (server and client sides both live
      // in this process) must not cost more than a few hundred KB each.
      console.info(`1,000 SSE watchers open: rss +${grownMb.toFixed(1)} MB, heap +${heapMb.toFixed(1)} MB (server and clients)`);
      expect(grownMb).toBeLessThan(300);

      run.release();
      const all = await Promise.all(readers.map((r) => r.ended));
      for (const events of all) {
        const last = JSON.parse(events[events.length - 1]!) as { done?: boolean; metadata: { state: string } };
        expect(last).toMatchObject({ done: true, metadata: { state: 'SUCCEEDED' } });
      }
    } finally {
      run.release();
      agent.destroy();
    }
  });
});
