/**
 * The gRPC baseline: bare grpc-js serving google.longrunning.Operations/GetOperation (the proto bundled with
 * google-gax, loaded by proto-loader as any grpc-js user would) and answering every call with the message
 * our server sent, decoded once and serialized again per call.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

export async function startBareGrpc(response: Uint8Array): Promise<{ address: string; sameBytes: boolean; close(): Promise<void> }> {
  const gaxProtos = resolve(dirname(createRequire(import.meta.url).resolve('google-gax')), '..', 'protos');
  // defaults: false keeps only the fields that were on the wire, so serializing again gives the same bytes.
  const definition = protoLoader.loadSync('google/longrunning/operations.proto', {
    includeDirs: [gaxProtos],
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const service = definition['google.longrunning.Operations'] as grpc.ServiceDefinition;
  const get = service.GetOperation!;
  const message: unknown = get.responseDeserialize(Buffer.from(response));
  const sameBytes = Buffer.compare(get.responseSerialize(message), Buffer.from(response)) === 0;
  const server = new grpc.Server();
  server.addService(service, {
    GetOperation: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, message),
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    sameBytes,
    close: () => new Promise<void>((res) => server.tryShutdown(() => res())),
  };
}
