/**
 * The `token` option: `authorization: Bearer <token>` on every call of both wires — google-gax's
 * OperationsClient, the stubs added on top, and the Watch stream (SSE over HTTP, a gRPC server stream).
 * Small stand-in servers record what arrives (the real server checks tokens in a later issue).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { afterAll, describe, expect, it } from 'vitest';
import { createSession } from '../../src/client/index.js';
import { packAny } from '../../src/proto/any.js';
import { protos } from '../../src/proto/protos.js';

const TOKEN = 'sk-test.abc';
const NAME = 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa';

function operationMessage() {
  return { name: NAME, done: true, metadata: packAny('lro.v1.OperationMetadata', { kind: 'kinds/demo.sleep', state: 'SUCCEEDED' }) };
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function httpStandIn(): Promise<{ url: string; seen: Array<{ path: string; authorization?: string }> }> {
  const seen: Array<{ path: string; authorization?: string }> = [];
  const json = {
    name: NAME,
    done: true,
    metadata: { '@type': 'type.googleapis.com/lro.v1.OperationMetadata', kind: 'kinds/demo.sleep', state: 'SUCCEEDED' },
  };
  const server = createHttpServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    const path = (req.url ?? '').split('?')[0]!;
    seen.push({ path, authorization: headers.authorization });
    if (path.endsWith(':watch')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`: hello\n\nevent: operation\ndata: ${JSON.stringify(json)}\n\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(path === '/v1/kinds' ? { kinds: [] } : json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function grpcStandIn(): Promise<{ url: string; seen: Array<{ method: string; authorization?: string }> }> {
  const seen: Array<{ method: string; authorization?: string }> = [];
  const record = (method: string, metadata: grpc.Metadata) => seen.push({ method, authorization: metadata.get('authorization')[0]?.toString() });
  const server = new grpc.Server();
  const definitions = protos().packageDefinition;
  server.addService(definitions['lro.v1.Kinds'] as ServiceDefinition, {
    ListKinds: (call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) => {
      record('ListKinds', call.metadata);
      cb(null, { kinds: [] });
    },
  });
  server.addService(definitions['google.longrunning.Operations'] as ServiceDefinition, {
    GetOperation: (call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) => {
      record('GetOperation', call.metadata);
      cb(null, operationMessage());
    },
  });
  server.addService(definitions['lro.v1.Watch'] as ServiceDefinition, {
    WatchOperation: (call: grpc.ServerWritableStream<object, object>) => {
      record('WatchOperation', call.metadata);
      call.write(operationMessage());
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  closers.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  return { url: `grpc://127.0.0.1:${port}`, seen };
}

/** A call of each kind: a gax stub (ListKinds), gax's OperationsClient (Get) and the Watch stream (wait). */
async function callEach(url: string): Promise<void> {
  const session = createSession({ server: url, token: TOKEN });
  try {
    await session.kinds();
    await session.operation(NAME).get();
    await session.operation(NAME).wait();
  } finally {
    await session.close();
  }
}

describe('the token option', () => {
  it('sends authorization: Bearer <token> on every HTTP/JSON call, the watch stream included', async () => {
    const { url, seen } = await httpStandIn();
    await callEach(url);
    expect(seen.map((s) => s.path)).toEqual(['/v1/kinds', `/v1/${NAME}`, `/v1/${NAME}:watch`]);
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('sends it as gRPC metadata on every call, the watch stream included', async () => {
    const { url, seen } = await grpcStandIn();
    await callEach(url);
    expect(seen).toEqual([
      { method: 'ListKinds', authorization: `Bearer ${TOKEN}` },
      { method: 'GetOperation', authorization: `Bearer ${TOKEN}` },
      { method: 'WatchOperation', authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it('sends no authorization header without a token', async () => {
    const { url, seen } = await httpStandIn();
    const session = createSession({ server: url });
    try {
      await session.kinds();
    } finally {
      await session.close();
    }
    expect(seen[0]!.authorization).toBeUndefined();
  });
});
