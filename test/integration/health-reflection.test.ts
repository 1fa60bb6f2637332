/** What generic gRPC tools rely on: grpc.health.v1 Health/Check and server reflection (grpc.reflection.v1). */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('grpc.reflection.v1', () => {
  let reflection: grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> };

  interface ReflectionResponse {
    listServicesResponse?: { service: { name: string }[] };
    fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
    errorResponse?: { errorCode: number; errorMessage: string };
  }

  beforeAll(() => {
    const proto = join(dirname(require.resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
    const def = protoLoader.loadSync(proto, { oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1: { ServerReflection: Ctor } } } };
    reflection = new pkg.grpc.reflection.v1.ServerReflection(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as typeof reflection;
  });

  afterAll(() => reflection?.close());

  /** One request on a fresh stream, one response. */
  function ask(request: object): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      const call = reflection.ServerReflectionInfo();
      call.once('data', (res: ReflectionResponse) => {
        resolve(res);
        call.end();
      });
      call.once('error', reject);
      call.write(request);
    });
  }

  it('lists the services', async () => {
    const res = await ask({ listServices: '*' });
    const names = res.listServicesResponse!.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['google.longrunning.Operations', 'lro.v1.Kinds']));
  });

  it('describes lro.v1.Kinds and google.longrunning.Operations with their methods', async () => {
    for (const [symbol, methods] of [
      ['lro.v1.Kinds', ['ListKinds', 'GetKind', 'StartOperation']],
      ['google.longrunning.Operations', ['ListOperations', 'GetOperation', 'DeleteOperation', 'CancelOperation', 'WaitOperation']],
    ] as const) {
      const res = await ask({ fileContainingSymbol: symbol });
      const files = res.fileDescriptorResponse!.fileDescriptorProto.map(
        (bin) => descriptor.FileDescriptorProto.decode(bin) as unknown as {
          package: string;
          service: { name: string; method: { name: string }[] }[];
        },
      );
      const [pkg, name] = [symbol.slice(0, symbol.lastIndexOf('.')), symbol.slice(symbol.lastIndexOf('.') + 1)];
      const service = files.filter((f) => f.package === pkg).flatMap((f) => f.service).find((s) => s.name === name);
      expect(service, symbol).toBeDefined();
      expect(service!.method.map((m) => m.name)).toEqual(expect.arrayContaining([...methods]));
    }
  });

  it('answers an unknown symbol with an error response, not a crash', async () => {
    const res = await ask({ fileContainingSymbol: 'no.such.Thing' });
    expect(res.errorResponse?.errorCode).toBe(grpc.status.NOT_FOUND);
  });
});
