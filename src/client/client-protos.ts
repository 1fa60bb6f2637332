/**
 * The protos as the SDK needs them, loaded once: the server's descriptors for gRPC and for decoding, and for
 * HTTP/JSON a copy of its protobufjs root with WaitOperation's `:wait` binding added (google's proto has none;
 * API.md adds it). A copy, because the binding must not leak into the root a server in the same process uses.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { protos } from '../proto/protos.js';

export const WAIT_BINDING = { post: '/v1/{name=operations/**}:wait', body: '*' } as const;

let restRoot: protobuf.Root | undefined;

/** The root google-gax's REST fallback transcodes with. */
export function clientRestRoot(): protobuf.Root {
  if (restRoot) return restRoot;
  const root = protobuf.Root.fromJSON(protos().root.toJSON());
  root.resolveAll();
  const wait = root.lookup('google.longrunning.Operations.WaitOperation');
  if (!(wait instanceof protobuf.Method)) throw new Error('google.longrunning.Operations.WaitOperation is missing from the protos');
  wait.setParsedOption('(google.api.http)', { ...WAIT_BINDING }, '');
  restRoot = root;
  return root;
}

export type GrpcServiceName = 'google.longrunning.Operations' | 'lro.v1.Kinds' | 'lro.v1.Batch' | 'lro.v1.Watch';

let grpcClients: Record<GrpcServiceName, grpc.ServiceClientConstructor> | undefined;

/** grpc-js client constructors of the four services (google-gax builds its stubs from them). */
export function grpcClientConstructors(): Record<GrpcServiceName, grpc.ServiceClientConstructor> {
  if (grpcClients) return grpcClients;
  const loaded = grpc.loadPackageDefinition(protos().packageDefinition);
  const ctor = (fqn: GrpcServiceName) => {
    const found = fqn.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], loaded);
    if (typeof found !== 'function') throw new Error(`${fqn} is missing from the protos`);
    return found as grpc.ServiceClientConstructor;
  };
  grpcClients = {
    'google.longrunning.Operations': ctor('google.longrunning.Operations'),
    'lro.v1.Kinds': ctor('lro.v1.Kinds'),
    'lro.v1.Batch': ctor('lro.v1.Batch'),
    'lro.v1.Watch': ctor('lro.v1.Watch'),
  };
  return grpcClients;
}

/** A message type of the protos (for decoding Any values and proto3 JSON). */
export function messageType(name: string): protobuf.Type {
  return protos().type(name);
}
