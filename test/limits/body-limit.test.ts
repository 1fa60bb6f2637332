/**
 * --max-body over real sockets: an HTTP body over it is 413 with the envelope (INVALID_ARGUMENT,
 * BODY_TOO_LARGE) answered from its Content-Length, before the body is sent, and the connection is not
 * kept (so the rest is never read); over gRPC a message over it is RESOURCE_EXHAUSTED; under it, both work.
 */
import { connect } from 'node:net';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/runtime/kind.js';
import type { GrpcError } from '../helpers/grpc-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { httpCall } from './rejection.js';

const LIMIT = 2048;
/** Takes any input, so a body's size is all that matters. */
const anyInput = defineKind({ name: 'test.any', handler: () => ({}) });
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ maxBodyBytes: LIMIT, concurrency: 0, kinds: [anyInput] });
});
afterAll(async () => {
  await t?.close();
});

/** A start body of about `bytes` bytes of JSON. */
const bodyOf = (bytes: number) => ({ input: { pad: 'x'.repeat(Math.max(0, bytes - 30)) } });

/** Sends a start's head with `framing` and the beginning of a body that never ends; resolves with all the server wrote, once it closed. */
function rawRequest(framing: string, bodyStart: string): Promise<string> {
  const url = new URL(t.http);
  const socket = connect(Number(url.port), url.hostname);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => {});
  socket.write(`POST /v1/kinds/test.any:start HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n${bodyStart}`);
  return new Promise((resolve) => socket.on('close', () => resolve(answer)));
}

describe('--max-body', () => {
  it('HTTP: under the limit works; over it is 413 with the envelope, status INVALID_ARGUMENT', async () => {
    expect((await httpCall(t.http, 'POST', '/v1/kinds/test.any:start', bodyOf(LIMIT - 100))).status).toBe(200);
    const res = await httpCall(t.http, 'POST', '/v1/kinds/test.any:start', bodyOf(LIMIT + 100));
    expect(res.status).toBe(413);
    expect(res.json!.error).toMatchObject({ code: 413, status: 'INVALID_ARGUMENT' });
    expect(res.json!.error.details[0]).toMatchObject({ reason: 'BODY_TOO_LARGE', domain: 'lro.v1' });
  });

  it('HTTP: a body announced over the limit is refused before it is sent, and the connection closes', async () => {
    // 100 MiB announced; only the first bytes are ever sent.
    const answer = await rawRequest(`Content-Length: ${100 * 1024 * 1024}`, '{"input":{"pad":"');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"status":"INVALID_ARGUMENT"');
    expect(answer).toContain('BODY_TOO_LARGE');
  });

  it('HTTP: a chunked body is refused as soon as it passes the limit, and the connection closes', async () => {
    const chunk = `{"input":{"pad":"${'x'.repeat(LIMIT)}`;
    // The body never ends: the answer must come anyway.
    const answer = await rawRequest('Transfer-Encoding: chunked', `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('BODY_TOO_LARGE');
  });

  it('gRPC: a message over the limit is RESOURCE_EXHAUSTED; under it works', async () => {
    expect((await t.grpc.start('test.any', bodyOf(LIMIT - 200).input)).name).toMatch(/^operations\//);
    const err = await t.grpc.start('test.any', bodyOf(LIMIT + 100).input).then(
      () => expect.fail('a message over --max-body was accepted'),
      (e: GrpcError) => e,
    );
    expect(err.code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
  });
});
