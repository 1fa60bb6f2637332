/**
 * The protos of the server, loaded once on first use: google's from google-gax's bundled copies
 * (never copied here), ours from `protos/`. One protobufjs Root serves JSON mapping, Any packing and
 * transcoding; a proto-loader package definition of the same files serves grpc-js and reflection.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

export const PROTO_FILES = [
  'google/longrunning/operations.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
  'lro/v1/operation_metadata.proto',
  'lro/v1/kinds.proto',
  'lro/v1/batch.proto',
  'lro/v1/watch.proto',
];

/** The gRPC services the server implements, by full name. */
export const SERVICE_NAMES = ['google.longrunning.Operations', 'lro.v1.Kinds', 'lro.v1.Batch', 'lro.v1.Watch'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** How messages become plain objects everywhere: the service layer sees only this shape. */
export const OBJECT_OPTIONS = { longs: String, enums: String, defaults: true, oneofs: true } as const;

function ownProtosDir(): string {
  // src/proto or dist/src/proto: walk up to the folder that holds protos/lro.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'protos', 'lro', 'v1'))) return join(dir, 'protos');
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the protos/ folder of lro-server');
    dir = up;
  }
}

export function protoIncludeDirs(): string[] {
  const gax = resolve(dirname(require.resolve('google-gax')), '..', 'protos');
  return [ownProtosDir(), gax];
}

export interface Protos {
  root: protobuf.Root;
  packageDefinition: protoLoader.PackageDefinition;
  type(name: string): protobuf.Type;
  service(name: ServiceName): protobuf.Service;
}

let loaded: Protos | undefined;

export function protos(): Protos {
  if (loaded) return loaded;
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of dirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(PROTO_FILES, { keepCase: false });
  root.resolveAll();
  const packageDefinition = protoLoader.loadSync(PROTO_FILES, { includeDirs: dirs, keepCase: false, ...OBJECT_OPTIONS });
  const types = new Map<string, protobuf.Type>();
  loaded = {
    root,
    packageDefinition,
    type(name) {
      let t = types.get(name);
      if (!t) {
        t = root.lookupType(name);
        types.set(name, t);
      }
      return t;
    },
    service(name) {
      return root.lookupService(name);
    },
  };
  return loaded;
}
