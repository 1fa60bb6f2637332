/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha), answering as grpc-go does: the requested file
 * first, then every file it imports, transitively; the exact bytes built from the sources, custom
 * options included; the services really registered; an empty extension list for a known message.
 *
 * Not @grpc/reflection's ReflectionService: it takes proto-loader's package definition and re-encodes
 * each descriptor with protobufjs's descriptor types, which drops every custom option (an unknown field
 * to them). Its reflection.proto files are still the ones served and described here.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { PROTO_FILES, protoIncludeDirs } from '../../proto/protos.js';
import { buildReflectionDescriptors, type ReflectionDescriptors } from './reflection-descriptors.js';

const require = createRequire(import.meta.url);

const VERSIONS = ['v1', 'v1alpha'] as const;
export const REFLECTION_SERVICES = VERSIONS.map((v) => `grpc.reflection.${v}.ServerReflection`);
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** Files that live outside the include folders, under their canonical import names. */
const PACKAGED: Record<string, () => string> = {
  'grpc/health/v1/health.proto': () => healthProtoPath,
  ...Object.fromEntries(
    VERSIONS.map((v) => [
      `grpc/reflection/${v}/reflection.proto`,
      () => join(dirname(require.resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', v, 'reflection.proto'),
    ]),
  ),
};

/** Where an import name of the served protos lives on disk. */
export function locateProto(name: string): string | undefined {
  return PACKAGED[name]?.() ?? protoIncludeDirs().map((d) => join(d, name)).find((p) => existsSync(p));
}

let built: ReflectionDescriptors | undefined;

/**
 * Built on the first reflection request, once per process: servers start without paying for it (about
 * 100 ms), and the protos do not change while the process runs.
 */
export function serverDescriptors(): ReflectionDescriptors {
  built ??= buildReflectionDescriptors([...PROTO_FILES, ...Object.keys(PACKAGED)], locateProto);
  return built;
}

interface ReflectionRequest {
  host?: string;
  messageRequest?: 'fileByFilename' | 'fileContainingSymbol' | 'fileContainingExtension' | 'allExtensionNumbersOfType' | 'listServices';
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType?: string; extensionNumber?: number };
  allExtensionNumbersOfType?: string;
}

class NotFound extends Error {}

/**
 * Registers both reflection services. `services`: the full names the server serves besides reflection;
 * ListServices answers exactly those (reflection itself included), while any symbol of the loaded protos
 * can be described.
 */
export function addReflection(server: grpc.Server, services: readonly string[], descriptors = serverDescriptors): void {
  const listed = [...new Set([...services, ...REFLECTION_SERVICES])].sort();
  for (const version of VERSIONS) {
    const definition = protoLoader.loadSync(locateProto(`grpc/reflection/${version}/reflection.proto`)!, { oneofs: true });
    const service = definition[`grpc.reflection.${version}.ServerReflection`] as protoLoader.ServiceDefinition;
    server.addService(service, {
      ServerReflectionInfo: (call: grpc.ServerDuplexStream<ReflectionRequest, object>) => {
        call.on('data', (req: ReflectionRequest) => call.write(answer(req, descriptors, listed)));
        call.on('end', () => call.end());
        call.on('error', () => {}); // a client that goes away mid-stream is not a server error
      },
    });
  }
}

function answer(req: ReflectionRequest, descriptors: () => ReflectionDescriptors, services: readonly string[]): object {
  const base = { validHost: req.host ?? '', originalRequest: req };
  try {
    if (req.messageRequest === 'listServices') {
      return { ...base, listServicesResponse: { service: services.map((name) => ({ name })) } };
    }
    const d = descriptors();
    switch (req.messageRequest) {
      case 'fileByFilename':
        return { ...base, fileDescriptorResponse: withDependencies(d, req.fileByFilename ?? '') };
      case 'fileContainingSymbol': {
        const symbol = (req.fileContainingSymbol ?? '').replace(/^\./, '');
        const file = d.symbols.get(symbol);
        if (!file) throw new NotFound(`symbol not found: ${symbol}`);
        return { ...base, fileDescriptorResponse: withDependencies(d, file) };
      }
      case 'fileContainingExtension': {
        const type = (req.fileContainingExtension?.containingType ?? '').replace(/^\./, '');
        const number = req.fileContainingExtension?.extensionNumber ?? 0;
        const file = d.extensions.get(type)?.get(number);
        if (!file) throw new NotFound(`extension ${number} of ${type} not found`);
        return { ...base, fileDescriptorResponse: withDependencies(d, file) };
      }
      case 'allExtensionNumbersOfType': {
        const type = (req.allExtensionNumbersOfType ?? '').replace(/^\./, '');
        if (!d.symbols.has(type)) throw new NotFound(`type not found: ${type}`);
        const numbers = [...(d.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
        return { ...base, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: numbers } };
      }
      default:
        return { ...base, errorResponse: { errorCode: grpc.status.UNIMPLEMENTED, errorMessage: `unsupported request ${req.messageRequest}` } };
    }
  } catch (err) {
    // An error response keeps the stream usable; a throw here would take the process down.
    const errorCode = err instanceof NotFound ? grpc.status.NOT_FOUND : grpc.status.INTERNAL;
    return { ...base, errorResponse: { errorCode, errorMessage: err instanceof Error ? err.message : String(err) } };
  }
}

/** The file, then its imports breadth-first, each once: a client can link them without asking again. */
function withDependencies(d: ReflectionDescriptors, name: string): { fileDescriptorProto: Uint8Array[] } {
  if (!d.files.has(name)) throw new NotFound(`file not found: ${name}`);
  const order: string[] = [name];
  for (let i = 0; i < order.length; i++) {
    for (const dep of d.files.get(order[i]!)?.dependencies ?? []) if (!order.includes(dep)) order.push(dep);
  }
  return { fileDescriptorProto: order.map((n) => d.files.get(n)!.bytes) };
}
