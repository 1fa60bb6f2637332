/**
 * `--auth jwt` over gRPC and HTTP alike, method by method: no token, every way a token can be wrong, and
 * every scope, each with its code, ErrorInfo reason and (HTTP) RFC 6750 challenge. Health and reflection
 * stay open. The server's whole log is captured and must hold no token.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import {
  ADMIN,
  AUDIENCE,
  READ,
  WRITE,
  badSignature,
  createRawGrpc,
  expectNoTokenIn,
  hsToken,
  httpCall,
  startAuthServer,
  unsignedToken,
  type AuthServer,
  type Outcome,
  type RawGrpc,
} from './auth-fixtures.js';

let t: AuthServer;
let rpc: RawGrpc;

beforeAll(async () => {
  t = await startAuthServer();
  rpc = createRawGrpc(t.grpcAddress);
});

afterAll(async () => {
  rpc?.close();
  await t?.close();
});

/** A name no operation has: a call that passes the guard answers NOT_FOUND for it. */
const MISSING = 'operations/01jb7x4e2k3m5n6p7q8r9s0t1v';

interface Method {
  name: string;
  scope: string;
  grpc: [service: string, method: string, request: object];
  http: [method: string, path: string, body?: unknown];
}

/** Every method of every service, with the scope it needs (API.md). */
const METHODS: Method[] = [
  { name: 'ListKinds', scope: READ, grpc: ['lro.v1.Kinds', 'ListKinds', {}], http: ['GET', '/v1/kinds'] },
  { name: 'GetKind', scope: READ, grpc: ['lro.v1.Kinds', 'GetKind', { name: 'kinds/demo.sleep' }], http: ['GET', '/v1/kinds/demo.sleep'] },
  {
    name: 'StartOperation',
    scope: WRITE,
    grpc: ['lro.v1.Kinds', 'StartOperation', { kind: 'kinds/demo.nope' }],
    http: ['POST', '/v1/kinds/demo.nope:start', {}],
  },
  { name: 'ListOperations', scope: READ, grpc: ['google.longrunning.Operations', 'ListOperations', {}], http: ['GET', '/v1/operations'] },
  { name: 'GetOperation', scope: READ, grpc: ['google.longrunning.Operations', 'GetOperation', { name: MISSING }], http: ['GET', `/v1/${MISSING}`] },
  {
    name: 'WaitOperation',
    scope: READ,
    grpc: ['google.longrunning.Operations', 'WaitOperation', { name: MISSING, timeout: { seconds: 0 } }],
    http: ['POST', `/v1/${MISSING}:wait`, { timeout: '0s' }],
  },
  {
    name: 'CancelOperation',
    scope: WRITE,
    grpc: ['google.longrunning.Operations', 'CancelOperation', { name: MISSING }],
    http: ['POST', `/v1/${MISSING}:cancel`, {}],
  },
  {
    name: 'DeleteOperation',
    scope: WRITE,
    grpc: ['google.longrunning.Operations', 'DeleteOperation', { name: MISSING }],
    http: ['DELETE', `/v1/${MISSING}`],
  },
  {
    name: 'BatchCancelOperations',
    scope: WRITE,
    grpc: ['lro.v1.Batch', 'BatchCancelOperations', { names: [MISSING] }],
    http: ['POST', '/v1/operations:batchCancel', { names: [MISSING] }],
  },
  { name: 'WatchOperation', scope: READ, grpc: ['lro.v1.Watch', 'WatchOperation', { name: MISSING }], http: ['GET', `/v1/${MISSING}:watch`] },
  {
    name: 'WatchOperation with cancel_on_disconnect',
    scope: WRITE,
    grpc: ['lro.v1.Watch', 'WatchOperation', { name: MISSING, cancelOnDisconnect: true }],
    http: ['GET', `/v1/${MISSING}:watch?cancelOnDisconnect=true`],
  },
];

/** What a method answers to a caller that passed the guard (with the request above). */
const PASSED: Record<string, number> = {
  ListKinds: grpc.status.OK,
  GetKind: grpc.status.OK,
  StartOperation: grpc.status.NOT_FOUND,
  ListOperations: grpc.status.OK,
  BatchCancelOperations: grpc.status.OK,
};
const passedCode = (m: Method) => PASSED[m.name] ?? grpc.status.NOT_FOUND;

type Transport = 'grpc' | 'http';
const TRANSPORTS: Transport[] = ['grpc', 'http'];

function call(transport: Transport, m: Method, authorization: string | undefined): Promise<Outcome> {
  if (transport === 'grpc') return rpc.call(...m.grpc, authorization);
  const [method, path, body] = m.http;
  return httpCall(t.http, method, path, authorization, body);
}

const bearer = (token: string) => `Bearer ${token}`;

/** The whole refusal: code and reason on both wires; on HTTP also the status and the exact challenge. */
function expectRefused(transport: Transport, o: Outcome, code: number, reason: string, challenge: string): void {
  expect({ code: o.code, reason: o.reason }).toEqual({ code, reason });
  if (transport === 'http') {
    expect(o.httpStatus).toBe(code === grpc.status.UNAUTHENTICATED ? 401 : 403);
    expect(o.challenge).toBe(challenge);
  }
}

describe.each(TRANSPORTS)('over %s', (transport) => {
  it('no token: every method is UNAUTHENTICATED, TOKEN_MISSING (WWW-Authenticate: Bearer, without error)', async () => {
    for (const m of METHODS) {
      expectRefused(transport, await call(transport, m, undefined), grpc.status.UNAUTHENTICATED, 'TOKEN_MISSING', 'Bearer');
    }
  });

  it('garbage: every method is UNAUTHENTICATED, TOKEN_INVALID', async () => {
    for (const m of METHODS) {
      expectRefused(transport, await call(transport, m, 'Bearer garbage'), grpc.status.UNAUTHENTICATED, 'TOKEN_INVALID', 'Bearer error="invalid_token"');
    }
  });

  it.each<[string, () => Promise<string>, string]>([
    ['a bad signature', async () => badSignature(await hsToken({ scope: WRITE })), 'TOKEN_INVALID'],
    ['another secret', () => hsToken({ scope: WRITE }, 'another-secret-of-the-same-kind-0123456789abcdef'), 'TOKEN_INVALID'],
    ['a changed payload', async () => tamper(await hsToken({ scope: READ }), { scope: `${READ} ${WRITE}` }), 'TOKEN_INVALID'],
    ['expired (beyond the 30 s of skew)', () => hsToken({ scope: WRITE, expiresIn: -45 }), 'TOKEN_EXPIRED'],
    ['not yet valid (beyond the 30 s of skew)', () => hsToken({ scope: WRITE, notBefore: 60 }), 'TOKEN_INVALID'],
    ['a wrong issuer', () => hsToken({ scope: WRITE, iss: 'https://evil.test' }), 'TOKEN_INVALID'],
    ['no issuer', () => hsToken({ scope: WRITE, iss: null }), 'TOKEN_INVALID'],
    ['a wrong audience', () => hsToken({ scope: WRITE, aud: 'someone-else' }), 'TOKEN_INVALID'],
    ['an audience array without ours', () => hsToken({ scope: WRITE, aud: ['a', 'b'] }), 'TOKEN_INVALID'],
    ['no subject', () => hsToken({ scope: WRITE, sub: null }), 'TOKEN_INVALID'],
    ['an empty subject', () => hsToken({ scope: WRITE, sub: '' }), 'TOKEN_INVALID'],
    ['alg none', async () => unsignedToken({ scope: WRITE }), 'TOKEN_INVALID'],
    ['a scope claim that is not a string', () => hsToken({ claims: { scope: [WRITE] } }), 'TOKEN_INVALID'],
  ])('a token with %s: UNAUTHENTICATED, %s, on a read and on a write', async (_what, make, reason) => {
    const token = await make();
    for (const m of [METHODS[0]!, METHODS[2]!]) {
      expectRefused(transport, await call(transport, m, bearer(token)), grpc.status.UNAUTHENTICATED, reason, 'Bearer error="invalid_token"');
    }
  });

  it('a read-only token reads every read method and gets PERMISSION_DENIED, SCOPE_MISSING for every write', async () => {
    const token = await hsToken({ scope: READ });
    for (const m of METHODS) {
      const o = await call(transport, m, bearer(token));
      if (m.scope === READ) expect(o.code, m.name).toBe(passedCode(m));
      else expectRefused(transport, o, grpc.status.PERMISSION_DENIED, 'SCOPE_MISSING', `Bearer error="insufficient_scope", scope="${WRITE}"`);
    }
  });

  it('a token without any lro scope: PERMISSION_DENIED for everything, naming the scope each method needs', async () => {
    const token = await hsToken({ scope: 'openid email' });
    for (const m of METHODS) {
      const o = await call(transport, m, bearer(token));
      expectRefused(transport, o, grpc.status.PERMISSION_DENIED, 'SCOPE_MISSING', `Bearer error="insufficient_scope", scope="${m.scope}"`);
    }
  });

  it.each<[string, () => Promise<string>]>([
    ['lro.operations in scope', () => hsToken({ scope: `openid ${WRITE}` })],
    ['lro.operations in an scp array', () => hsToken({ claims: { scp: ['openid', WRITE] } })],
    ['lro.admin alone', () => hsToken({ scope: ADMIN, sub: 'root' })],
    ['expired 10 s ago (within the skew)', () => hsToken({ scope: WRITE, expiresIn: -10 })],
    ['not valid for 10 s more (within the skew)', () => hsToken({ scope: WRITE, notBefore: 10 })],
    ['an audience array holding ours', () => hsToken({ scope: WRITE, aud: ['other', AUDIENCE] })],
    ['a lower-case scheme', async () => hsToken({ scope: WRITE })],
  ])('a token with %s passes the guard of every method', async (what, make) => {
    const token = await make();
    const header = what === 'a lower-case scheme' ? `bearer ${token}` : bearer(token);
    for (const m of METHODS) expect((await call(transport, m, header)).code, m.name).toBe(passedCode(m));
  });
});

/** The token with claims changed and its signature kept. */
function tamper(token: string, claims: Record<string, unknown>): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = { ...(JSON.parse(Buffer.from(p, 'base64url').toString()) as object), ...claims };
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

describe('what stays open', () => {
  it('grpc.health.v1 answers without a token', async () => {
    const def = protoLoader.loadSync(healthProtoPath, { enums: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    const health = new pkg.grpc.health.v1.Health(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
    };
    try {
      const res = await new Promise<{ status: string }>((resolve, reject) => health.Check({ service: '' }, (err, r) => (err ? reject(err) : resolve(r))));
      expect(res.status).toBe('SERVING');
    } finally {
      health.close();
    }
  });

  it('reflection lists the services without a token', async () => {
    const { packageDefinition } = protos();
    expect(packageDefinition['lro.v1.Kinds']).toBeDefined();
    const services = await listServicesByReflection(t.grpcAddress);
    expect(services).toEqual(expect.arrayContaining(['google.longrunning.Operations', 'lro.v1.Kinds', 'lro.v1.Batch', 'lro.v1.Watch']));
  });
});

/** grpc.reflection.v1alpha ListServices, as grpcurl asks it. */
async function listServicesByReflection(address: string): Promise<string[]> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const reflectionProto = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto', 'grpc', 'reflection', 'v1alpha', 'reflection.proto');
  const def = protoLoader.loadSync(reflectionProto);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { reflection: { v1alpha: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1alpha.ServerReflection(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    ServerReflectionInfo(): grpc.ClientDuplexStream<object, { listServicesResponse?: { service: { name: string }[] } }>;
  };
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (res) => {
        resolve((res.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '' });
    });
  } finally {
    client.close();
  }
}

describe('the log', () => {
  it('holds no token, nor a signature of one, after all of the above', () => {
    expectNoTokenIn(t.logs.text());
  });
});
