/**
 * The server driven by google-gax, as a Google client-library user would: its OperationsClient over gRPC
 * (get, list with auto-pagination, cancel, delete, errors with code and ErrorInfo), and its LROperation
 * polling an operation to its end.
 */
import * as grpc from '@grpc/grpc-js';
import { createBackoffSettings, GoogleError, lro, LongrunningDescriptor, operation, type OperationsClient } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import { fromStruct, type StructMessage } from '../../src/proto/struct.js';
import { eventually } from '../helpers/eventually.js';
import { untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let client: OperationsClient;

beforeAll(async () => {
  t = await startTestServer();
  const port = Number(t.grpcAddress.slice(t.grpcAddress.lastIndexOf(':') + 1));
  // universeDomain given, so google-auth-library never looks for credentials; insecure channel to our port.
  client = lro({ universeDomain: 'googleapis.com' }).operationsClient({
    servicePath: '127.0.0.1',
    port,
    sslCreds: grpc.credentials.createInsecure(),
  });
});

afterAll(async () => {
  client?.close();
  await t?.close();
});

interface GaxOperation {
  name: string;
  done: boolean;
  metadata?: { type_url: string; value: Uint8Array } | null;
  response?: { type_url: string; value: Uint8Array } | null;
  error?: { code: number; message: string } | null;
  result?: string;
}

const decodeMetadata = (bytes: Uint8Array) => {
  const type = protos().type('lro.v1.OperationMetadata');
  return type.toObject(type.decode(bytes), { enums: String, longs: String, defaults: true }) as {
    state: string;
    kind: string;
    requestedCancellation: boolean;
    progressPercent: number;
  };
};
const decodeStruct = (bytes: Uint8Array) => {
  const type = protos().type('google.protobuf.Struct');
  return fromStruct(type.toObject(type.decode(bytes), { defaults: true, oneofs: true }) as StructMessage);
};

/** gax's request types are protobufjs classes; plain objects are what users pass, and what gax accepts. */
const req = (o: object) => o as never;

async function gaxGet(name: string): Promise<GaxOperation> {
  const [op] = (await client.getOperation(req({ name }))) as unknown as [GaxOperation];
  return op;
}

/** The GoogleError a gax call rejects with (code, and ErrorInfo parsed from grpc-status-details-bin). */
async function gaxFailure(p: Promise<unknown>): Promise<GoogleError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as GoogleError;
  }
  throw new Error('the call succeeded, but it was expected to fail');
}

describe('OperationsClient over gRPC', () => {
  it('getOperation returns the operation with its metadata Any', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 0.2, steps: 2 });
    const op = await gaxGet(started.name);
    expect(op.name).toBe(started.name);
    expect(op.metadata?.type_url).toBe('type.googleapis.com/lro.v1.OperationMetadata');
    expect(decodeMetadata(op.metadata!.value).kind).toBe('kinds/demo.sleep');

    await untilDone(t.grpc, started.name);
    const done = await gaxGet(started.name);
    expect(done.done).toBe(true);
    expect(done.result).toBe('response');
    expect(done.response?.type_url).toBe('type.googleapis.com/google.protobuf.Struct');
    expect(typeof decodeStruct(done.response!.value).slept).toBe('number');
  });

  it('listOperations pages through everything (auto-pagination and async iteration)', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 7; i++) names.add((await t.grpc.start('demo.fail', { code: 6, message: `gax ${i}` })).name);
    const filter = 'metadata.kind = "kinds/demo.fail" AND done = true';
    await eventually(async () => (await t.grpc.listOperations({ filter, pageSize: 100 })).operations.length === 7);

    // Manual paging, as gax documents it: autoPaginate false, then follow the next request it returns.
    const paged: string[] = [];
    let request: object | null = { name: '', filter, pageSize: 3 };
    let pages = 0;
    while (request) {
      const [ops, next] = (await client.listOperations(req(request), { autoPaginate: false })) as unknown as [GaxOperation[], object | null];
      paged.push(...ops.map((o) => o.name));
      pages++;
      request = next;
    }
    expect(pages).toBe(3);
    expect(paged.sort()).toEqual([...names].sort());

    // Auto-pagination (the default) returns every operation.
    const [all] = (await client.listOperations(req({ name: '', filter }))) as unknown as [GaxOperation[]];
    expect(all.map((o) => o.name).sort()).toEqual([...names].sort());

    const iterated: string[] = [];
    for await (const op of client.listOperationsAsync(req({ name: '', filter, pageSize: 2 }), { autoPaginate: false })) iterated.push(op.name!);
    expect(iterated.sort()).toEqual([...names].sort());
  });

  it('cancelOperation cancels a running operation', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 60, steps: 6000 });
    await untilRunning(t.grpc, started.name);
    await client.cancelOperation(req({ name: started.name }));
    expect(decodeMetadata((await gaxGet(started.name)).metadata!.value).requestedCancellation).toBe(true);
    await untilDone(t.grpc, started.name);
    const op = await gaxGet(started.name);
    expect(op.done).toBe(true);
    expect(op.result).toBe('error');
    expect(op.error?.code).toBe(grpc.status.CANCELLED);
    expect(decodeMetadata(op.metadata!.value).state).toBe('CANCELLED');
  });

  it('deleteOperation removes a done operation; getOperation is then NOT_FOUND with its ErrorInfo', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 0, steps: 1 });
    await untilDone(t.grpc, started.name);
    await client.deleteOperation(req({ name: started.name }));
    const err = await gaxFailure(client.getOperation(req({ name: started.name })));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.reason).toBe('OPERATION_NOT_FOUND');
    expect(err.domain).toBe('lro.v1');
  });

  it('errors arrive with the right codes and reasons', async () => {
    const purge = await t.grpc.start('demo.purge', { seconds: 0.3 });
    let err = await gaxFailure(client.cancelOperation(req({ name: purge.name })));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.reason).toBe('CANCELLATION_NOT_SUPPORTED');

    err = await gaxFailure(client.deleteOperation(req({ name: purge.name })));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.reason).toBe('OPERATION_NOT_DONE');

    const fail = await t.grpc.start('demo.fail', { code: 10 });
    await untilDone(t.grpc, fail.name);
    err = await gaxFailure(client.cancelOperation(req({ name: fail.name })));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.reason).toBe('OPERATION_ALREADY_DONE');
    expect(err.errorInfoMetadata?.name).toBe(fail.name);

    err = await gaxFailure(client.getOperation(req({ name: 'projects/p/operations/x' })));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.reason).toBe('INVALID_NAME');

    err = await gaxFailure(client.listOperations(req({ name: '', filter: 'nonsense' })));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.reason).toBe('INVALID_FILTER');
    await untilDone(t.grpc, purge.name);
  });
});

describe("gax's LROperation (polling with backoff)", () => {
  const backoff = createBackoffSettings(20, 1.5, 200, 5_000, 1, 5_000, 20_000);
  const descriptor = () => new LongrunningDescriptor(client, decodeStruct as never, decodeMetadata as never);

  it('resolves with the decoded response and reports progress', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 1, steps: 5 });
    const lroOp = operation((await gaxGet(started.name)) as never, descriptor(), backoff);
    const progress: number[] = [];
    lroOp.on('progress', (md: { progressPercent: number }) => progress.push(md.progressPercent));
    const [result, metadata] = (await lroOp.promise()) as [Record<string, unknown>, { state: string; progressPercent: number }];
    expect(typeof result.slept).toBe('number');
    expect(metadata.state).toBe('SUCCEEDED');
    expect(metadata.progressPercent).toBe(100);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rejects with the operation error for a failed operation', async () => {
    const started = await t.grpc.start('demo.fail', { code: 8, message: 'too many' });
    const lroOp = operation((await gaxGet(started.name)) as never, descriptor(), backoff);
    await expect(lroOp.promise()).rejects.toMatchObject({ code: 8, message: 'too many' });
  });

  it('cancel() cancels through the server, and the promise rejects with the CANCELLED operation error', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 60, steps: 6000 });
    await untilRunning(t.grpc, started.name);
    const lroOp = operation((await gaxGet(started.name)) as never, descriptor(), backoff);
    await lroOp.cancel();
    // The rejection is the operation's own error (from the server), not a client-side cancel of a poll.
    await expect(lroOp.promise()).rejects.toMatchObject({ code: grpc.status.CANCELLED, message: expect.stringMatching(/while it was running/) });
  });
});
