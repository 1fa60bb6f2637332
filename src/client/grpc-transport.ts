/**
 * The gRPC wire: google-gax's OperationsClient and gax-built grpc-js stubs on one target (grpc-js shares the
 * connection between them), and WatchOperation as a grpc-js server stream that `cancel()` ends on the wire.
 */
import * as grpc from '@grpc/grpc-js';
import { GoogleError, GrpcClient, lro } from 'google-gax';
import { abortReason, LroError } from './lro-error.js';
import { grpcClientConstructors, type GrpcServiceName } from './client-protos.js';
import { createGaxTransport, deadlineOnlyConfig, type GaxWire } from './gax-transport.js';
import type { WireOperation } from './operation-codec.js';
import type { ServerAddress } from './server-url.js';
import type { Transport } from './transport.js';

interface WatchStub {
  watchOperation(request: object, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<WireOperation>;
}

export function createGrpcTransport(server: ServerAddress, token: string | undefined): Transport {
  // universeDomain given: google-auth-library never goes looking for Google credentials.
  const authOptions = { universeDomain: 'googleapis.com' };
  const stubOptions = {
    servicePath: server.host,
    port: server.port,
    sslCreds: server.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
    ...authOptions,
  };
  const gax = new GrpcClient(authOptions);
  const operations = lro(authOptions).operationsClient(stubOptions);
  const stubs = new Map<GrpcServiceName, Promise<grpc.Client>>();
  const stub = (service: GrpcServiceName) => {
    let s = stubs.get(service);
    if (!s) {
      s = gax.createStub(grpcClientConstructors()[service] as never, stubOptions) as unknown as Promise<grpc.Client>;
      stubs.set(service, s);
    }
    return s;
  };

  const wire: GaxWire = {
    operations,
    stub,
    settings: (service, methods) => gax.constructSettings(service, deadlineOnlyConfig(service, methods), {}, {}),
    watch: watchOver(() => stub('lro.v1.Watch')),
    close() {
      operations.close();
      for (const s of stubs.values()) s.then((c) => c.close(), () => {});
    },
  };
  return createGaxTransport(server.url, wire, token);
}

/** WatchOperation as a grpc-js server stream; the signal (or a consumer that stops early) cancels the call. */
function watchOver(stubOf: () => Promise<grpc.Client>): GaxWire['watch'] {
  return async function* watch(name, cancelOnDisconnect, headers, { signal }) {
    if (signal?.aborted) throw abortReason(signal);
    const stub = (await stubOf()) as unknown as WatchStub;
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    const call = stub.watchOperation({ name, cancelOnDisconnect }, metadata);
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call) yield message as WireOperation;
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw LroError.from(GoogleError.parseGRPCStatusDetails(err as GoogleError));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Ends the stream on the wire when the consumer stops early: the server sees the client go away.
      call.cancel();
    }
  };
}
