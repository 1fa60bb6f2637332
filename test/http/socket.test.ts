/** Over a real socket: WaitOperation releases its waiter when the client goes away or the server shuts down. */
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/transport/http/http-server.js';
import { eventually } from '../helpers/eventually.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  t = await startTestServer({ logger });
});
afterAll(async () => {
  await t?.close();
});

async function post(base: string, path: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A raw request we can cut off, as a client that goes away would. */
function openWait(base: string, name: string): { req: ClientRequest; response: Promise<{ status: number; body: string }> } {
  const url = new URL(`${base}/v1/${name}:wait`);
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ timeout: '50s' }));
  });
  return { req, response };
}

/** Sends raw bytes; resolves to the status code and JSON body of the answer. */
function rawHttp(base: string, text: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = out.indexOf('\r\n\r\n');
      resolve({ status: Number(out.split(' ')[1]), body: JSON.parse(out.slice(split + 4)) });
    });
  });
}

describe('the HTTP listener', () => {
  it('answers requests Node itself rejects, and absolute-form targets, with the envelope', async () => {
    const brew = await rawHttp(t.http, 'BREW /v1/kinds HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(brew).toMatchObject({ status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT' } } });
    const huge = await rawHttp(t.http, `GET /v1/kinds HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(200_000)}\r\n\r\n`);
    expect(huge).toMatchObject({ status: 431, body: { error: { code: 431 } } });
    const absolute = await rawHttp(t.http, `GET ${t.http}/v1/kinds/demo.sleep HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(absolute).toMatchObject({ status: 200, body: { name: 'kinds/demo.sleep' } });
  });

  it('logs one listening line with both addresses, and nothing of fastify\'s own', () => {
    const listening = lines.filter((l) => l.msg === 'listening');
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({ http: t.http, grpc: t.grpcAddress });
    expect(lines.some((l) => String(l.msg).includes('Server listening'))).toBe(false);
  });

  it('releases the waiter of a WaitOperation whose client went away', async () => {
    const { json: op } = await post(t.http, '/v1/kinds/demo.sleep:start', { input: { seconds: 60 } });
    const before = t.server.activeWaiters;
    const { req, response } = openWait(t.http, String(op.name));
    response.catch(() => undefined);
    await eventually(() => t.server.activeWaiters === before + 1);
    req.destroy();
    await eventually(() => t.server.activeWaiters === before);
    await expect(response).rejects.toThrow();
    // The server is fine afterwards.
    expect((await fetch(`${t.http}/v1/${String(op.name)}`)).status).toBe(200);
    await post(t.http, `/v1/${String(op.name)}:cancel`, {});
  });

  it('answers a pending WaitOperation with the current state when the shutdown signal fires', async () => {
    const shutdown = new AbortController();
    const http = createHttpServer(t.server.services, pino({ level: 'silent' }), shutdown.signal);
    const port = await http.listen('127.0.0.1', 0);
    const base = `http://127.0.0.1:${port}`;
    try {
      const { json: op } = await post(base, '/v1/kinds/demo.sleep:start', { input: { seconds: 60 } });
      const before = t.server.activeWaiters;
      const { response } = openWait(base, String(op.name));
      await eventually(() => t.server.activeWaiters === before + 1);
      shutdown.abort();
      const res = await response;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ name: op.name, done: false });
      expect(t.server.activeWaiters).toBe(before);
      await post(t.http, `/v1/${String(op.name)}:cancel`, {});
    } finally {
      await http.close();
    }
  });
});
