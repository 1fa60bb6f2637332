/** A plain grpc-js client of both services, with helpers to read Operation metadata and errors. */
import * as grpc from '@grpc/grpc-js';
import { protos } from '../../src/proto/protos.js';
import { unpackAny, type AnyMessage } from '../../src/proto/any.js';
import { toStruct, fromStruct, type JsonObject, type StructMessage } from '../../src/proto/struct.js';

export interface Operation {
  name: string;
  done: boolean;
  metadata: AnyMessage;
  error?: { code: number; message: string; details: AnyMessage[] } | null;
  response?: AnyMessage | null;
}

export interface Metadata {
  kind: string;
  state: string;
  progressPercent: number;
  statusMessage: string;
  requestedCancellation: boolean;
  cancellable: boolean;
  attempt: number;
  createTime: { seconds: string; nanos: number } | null;
  startTime: { seconds: string; nanos: number } | null;
  updateTime: { seconds: string; nanos: number } | null;
  endTime: { seconds: string; nanos: number } | null;
}

export type GrpcError = grpc.ServiceError;

type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** `token`: sent as `authorization: Bearer <token>` on every call (a server with --auth jwt). */
export function createGrpcClient(address: string, options: { token?: string } = {}) {
  const pkg = grpc.loadPackageDefinition(protos().packageDefinition) as unknown as {
    google: { longrunning: { Operations: grpc.ServiceClientConstructor } };
    lro: { v1: { Kinds: grpc.ServiceClientConstructor; Batch: grpc.ServiceClientConstructor; Watch: grpc.ServiceClientConstructor } };
  };
  const ops = new pkg.google.longrunning.Operations(address, grpc.credentials.createInsecure());
  const kinds = new pkg.lro.v1.Kinds(address, grpc.credentials.createInsecure());
  const batch = new pkg.lro.v1.Batch(address, grpc.credentials.createInsecure());
  const watchClient = new pkg.lro.v1.Watch(address, grpc.credentials.createInsecure());
  const metadata = () => {
    const m = new grpc.Metadata();
    if (options.token !== undefined) m.set('authorization', `Bearer ${options.token}`);
    return m;
  };
  const call =
    <T>(client: grpc.Client, method: string) =>
    (req: object, opts: grpc.CallOptions = {}): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        (client as unknown as Record<string, Unary>)[method]!.call(client, req, metadata(), opts, (err, res) =>
          err ? reject(err) : resolve(res as T),
        );
      });
  return {
    listOperations: call<{ operations: Operation[]; nextPageToken: string }>(ops, 'ListOperations'),
    getOperation: call<Operation>(ops, 'GetOperation'),
    deleteOperation: call<object>(ops, 'DeleteOperation'),
    cancelOperation: call<object>(ops, 'CancelOperation'),
    waitOperation: call<Operation>(ops, 'WaitOperation'),
    listKinds: call<{ kinds: { name: string; cancellable: boolean; maxAttempts: number }[] }>(kinds, 'ListKinds'),
    getKind: call<{ name: string; cancellable: boolean; description: string }>(kinds, 'GetKind'),
    startOperationRaw: call<Operation>(kinds, 'StartOperation'),
    /** StartOperation with a plain JSON input. */
    start(kind: string, input: JsonObject = {}, requestId = '', opts: grpc.CallOptions = {}, labels: Record<string, string> = {}): Promise<Operation> {
      return call<Operation>(kinds, 'StartOperation')({ kind: `kinds/${kind}`, input: toStruct(input), requestId, labels }, opts);
    },
    batchCancel: call<{ results: { name: string; status: { code: number; message: string; details: AnyMessage[] } }[]; nextPageToken: string }>(
      batch,
      'BatchCancelOperations',
    ),
    /** WatchOperation: the server stream (a grpc-js readable of Operations). */
    watch(req: { name: string; cancelOnDisconnect?: boolean }, opts: grpc.CallOptions = {}): grpc.ClientReadableStream<Operation> {
      return (watchClient as unknown as { WatchOperation(r: object, m: grpc.Metadata, o: grpc.CallOptions): grpc.ClientReadableStream<Operation> }).WatchOperation(
        req,
        metadata(),
        opts,
      );
    },
    close() {
      ops.close();
      kinds.close();
      batch.close();
      watchClient.close();
    },
  };
}

export type GrpcClient = ReturnType<typeof createGrpcClient>;

export function metadataOf(op: Operation): Metadata {
  return unpackAny(op.metadata).object as unknown as Metadata;
}

export function responseOf(op: Operation): JsonObject {
  if (!op.response) throw new Error(`${op.name} has no response`);
  return fromStruct(unpackAny(op.response).object as StructMessage);
}

export function errorInfoOf(status: { details: AnyMessage[] }): { reason: string; domain: string; metadata: Record<string, string> } {
  const info = status.details.find((d) => d.type_url.endsWith('/google.rpc.ErrorInfo'));
  if (!info) throw new Error('no ErrorInfo in details');
  return unpackAny(info).object as { reason: string; domain: string; metadata: Record<string, string> };
}

/** The google.rpc.Status a gRPC error carries in grpc-status-details-bin. */
export function statusOf(err: grpc.ServiceError): { code: number; message: string; details: AnyMessage[] } {
  const bin = err.metadata?.get('grpc-status-details-bin')[0];
  if (!bin) throw new Error(`no grpc-status-details-bin on error ${err.code} ${err.details}`);
  const Status = protos().type('google.rpc.Status');
  return Status.toObject(Status.decode(bin as Buffer), { longs: String, defaults: true }) as {
    code: number;
    message: string;
    details: AnyMessage[];
  };
}

/** Awaits a call that must fail; returns the error with its code and ErrorInfo reason. */
export async function grpcFailure(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string; err: grpc.ServiceError }> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    const status = statusOf(err);
    return { code: err.code, reason: errorInfoOf(status).reason, message: status.message, err };
  }
  throw new Error('the call succeeded, but it was expected to fail');
}
