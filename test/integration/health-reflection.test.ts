/**
 * What generic gRPC tools rely on: grpc.health.v1 Health/Check and server reflection (grpc.reflection.v1
 * and v1alpha), checked with a raw reflection client against what protoc-built descriptors look like.
 * test/integration/buf-curl.test.ts drives a real client (buf curl) through the same service.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const require = createRequire(import.meta.url);

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

type Ctor = grpc.ServiceClientConstructor;

describe('grpc.health.v1', () => {
  let health: grpc.Client & { Check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void };

  beforeAll(() => {
    const def = protoLoader.loadSync(healthProtoPath, { enums: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: Ctor } } } };
    health = new pkg.grpc.health.v1.Health(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as typeof health;
  });

  afterAll(() => health?.close());

  const check = (service: string) =>
    new Promise<{ status: string }>((resolve, reject) => health.Check({ service }, (err, res) => (err ? reject(err) : resolve(res))));

  it('reports SERVING for the server and for each service', async () => {
    for (const service of ['', 'google.longrunning.Operations', 'lro.v1.Kinds']) {
      expect((await check(service)).status, service).toBe('SERVING');
    }
  });

  it('answers NOT_FOUND for a service it does not have', async () => {
    await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionClient = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> };

function reflectionClient(version: 'v1' | 'v1alpha'): ReflectionClient {
  const proto = join(dirname(require.resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', version, 'reflection.proto');
  const def = protoLoader.loadSync(proto, { oneofs: true, arrays: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: Ctor }> } };
  return new pkg.grpc.reflection[version]!.ServerReflection(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
}

/** One request on a fresh stream, one response. */
function ask(client: ReflectionClient, request: object): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.once('data', (res: ReflectionResponse) => {
      resolve(res);
      call.end();
    });
    call.once('error', reject);
    call.write(request);
  });
}

interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  messageType: MessageDescriptor[];
  service: { name: string; method: { name: string; options?: Record<string, any> }[] }[];
}
interface MessageDescriptor {
  name: string;
  field?: { name: string; jsonName?: string; typeName?: string; extendee?: string; options?: Record<string, any> }[];
  nestedType?: MessageDescriptor[];
  options?: Record<string, any>;
}

/** Decoded with the server's own Root, which knows the google.api extensions: custom options show. */
function decodeFiles(res: ReflectionResponse): FileDescriptor[] {
  const type = protos().root.lookupType('google.protobuf.FileDescriptorProto');
  return res.fileDescriptorResponse!.fileDescriptorProto.map((bin) => type.toObject(type.decode(bin), { enums: String, arrays: true }) as FileDescriptor);
}

for (const version of ['v1', 'v1alpha'] as const) {
  describe(`grpc.reflection.${version}`, () => {
    let reflection: ReflectionClient;

    beforeAll(() => {
      reflection = reflectionClient(version);
    });

    afterAll(() => reflection?.close());

    it('lists exactly the services it serves: ours, health and reflection', async () => {
      const res = await ask(reflection, { listServices: '*' });
      const names = res.listServicesResponse!.service.map((s) => s.name);
      expect(names).toEqual(
        [...Object.keys(t.server.services), 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'].sort(),
      );
    });

    it('describes lro.v1.Kinds and google.longrunning.Operations with their methods', async () => {
      for (const [symbol, methods] of [
        ['lro.v1.Kinds', ['ListKinds', 'GetKind', 'StartOperation']],
        ['google.longrunning.Operations', ['ListOperations', 'GetOperation', 'DeleteOperation', 'CancelOperation', 'WaitOperation']],
        ['grpc.health.v1.Health', ['Check', 'Watch']],
        ['lro.v1.Batch', ['BatchCancelOperations']],
        ['lro.v1.Watch', ['WatchOperation']],
      ] as const) {
        const files = decodeFiles(await ask(reflection, { fileContainingSymbol: symbol }));
        const [pkg, name] = [symbol.slice(0, symbol.lastIndexOf('.')), symbol.slice(symbol.lastIndexOf('.') + 1)];
        const service = files[0]!.package === pkg ? files[0]!.service.find((s) => s.name === name) : undefined;
        expect(service, `${symbol} in the first file`).toBeDefined();
        expect(service!.method.map((m) => m.name)).toEqual(expect.arrayContaining([...methods]));
      }
    });

    it('sends a file with every file it imports, transitively, the requested one first', async () => {
      const files = decodeFiles(await ask(reflection, { fileContainingSymbol: 'lro.v1.StartOperationRequest' }));
      const names = files.map((f) => f.name);
      expect(names[0]).toBe('lro/v1/kinds.proto');
      expect(new Set(names).size).toBe(names.length);
      for (const f of files) for (const dep of f.dependency) expect(names, `${f.name} imports ${dep}`).toContain(dep);
      // The files that custom options come from, down to descriptor.proto which they extend.
      expect(names).toEqual(expect.arrayContaining(['google/api/annotations.proto', 'google/api/http.proto', 'google/api/field_behavior.proto', 'google/api/resource.proto', 'google/api/client.proto', 'google/protobuf/descriptor.proto']));
      const byName = decodeFiles(await ask(reflection, { fileByFilename: 'google/api/annotations.proto' }));
      expect(byName.map((f) => f.name)).toEqual(['google/api/annotations.proto', 'google/api/http.proto', 'google/protobuf/descriptor.proto']);
    });

    it('spells descriptors as protoc does: qualified names, json names, map entries, no stray extendee, custom options kept', async () => {
      const [kinds] = decodeFiles(await ask(reflection, { fileByFilename: 'lro/v1/kinds.proto' }));
      const message = (name: string) => kinds!.messageType.find((m) => m.name === name)!;
      const start = message('StartOperationRequest');
      expect(start.field!.find((f) => f.name === 'request_id')).toMatchObject({ jsonName: 'requestId' });
      expect(start.field!.find((f) => f.name === 'labels')).toMatchObject({ typeName: '.lro.v1.StartOperationRequest.LabelsEntry' });
      expect(start.nestedType).toEqual([expect.objectContaining({ name: 'LabelsEntry', options: expect.objectContaining({ mapEntry: true }) })]);
      for (const m of kinds!.messageType) for (const f of m.field ?? []) expect(f.extendee, `${m.name}.${f.name}`).toBeUndefined();
      expect(message('GetKindRequest').field![0]!.options).toMatchObject({ '.google.api.fieldBehavior': ['REQUIRED'] });
      expect(message('Kind').options).toMatchObject({ '.google.api.resource': { type: 'lro.dev/Kind', pattern: ['kinds/{kind}'] } });
      const startMethod = kinds!.service[0]!.method.find((m) => m.name === 'StartOperation')!;
      expect(startMethod.options).toMatchObject({
        '.google.api.http': { post: '/v1/{kind=kinds/*}:start', body: '*' },
        '.google.longrunning.operationInfo': { responseType: 'google.protobuf.Struct', metadataType: 'lro.v1.OperationMetadata' },
      });
    });

    it('answers extension requests: by number, all numbers of a type, none for a type without', async () => {
      const ext = decodeFiles(await ask(reflection, { fileContainingExtension: { containingType: 'google.protobuf.MethodOptions', extensionNumber: 72295728 } }));
      expect(ext[0]!.name).toBe('google/api/annotations.proto');
      const all = await ask(reflection, { allExtensionNumbersOfType: 'google.protobuf.MethodOptions' });
      expect(all.allExtensionNumbersResponse!.extensionNumber).toEqual(expect.arrayContaining([72295728, 1049, 1051]));
      const none = await ask(reflection, { allExtensionNumbersOfType: 'lro.v1.Kind' });
      expect(none.allExtensionNumbersResponse).toMatchObject({ baseTypeName: 'lro.v1.Kind', extensionNumber: [] });
    });

    it('answers an unknown symbol, file or extension with NOT_FOUND, not a crash', async () => {
      for (const request of [
        { fileContainingSymbol: 'no.such.Thing' },
        { fileByFilename: 'no/such.proto' },
        { fileContainingExtension: { containingType: 'google.protobuf.MethodOptions', extensionNumber: 1 } },
        { allExtensionNumbersOfType: 'no.such.Type' },
      ]) {
        expect((await ask(reflection, request)).errorResponse?.errorCode, JSON.stringify(request)).toBe(grpc.status.NOT_FOUND);
      }
    });
  });
}
