/**
 * Malformed requests over real gRPC: empty and foreign names, unknown kinds, inputs of the wrong type or
 * out of range. Each gets INVALID_ARGUMENT or NOT_FOUND with an ErrorInfo reason and a clear message;
 * nothing is half-written, and the server keeps serving.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/index.js';
import { toStruct } from '../../src/proto/struct.js';
import { errorInfoOf, grpcFailure, metadataOf, statusOf } from '../helpers/grpc-client.js';
import { countOperations, listAll, untilDone } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let countBefore: number;

beforeAll(async () => {
  t = await startTestServer();
  // Something to be in the store, so "nothing was written" is a count that could change.
  await untilDone(t.grpc, (await t.grpc.start('demo.sleep', { seconds: 0 })).name);
  countBefore = await countOperations(t.grpc);
});

afterAll(async () => {
  await t?.close();
});

const INVALID = grpc.status.INVALID_ARGUMENT;
const NOT_FOUND = grpc.status.NOT_FOUND;

describe('operation names', () => {
  const malformed = [
    '',
    'foo',
    'operations',
    'operations/',
    'operations//x',
    'operations/a/b',
    'operations/../x',
    'operations/ü',
    'operations/has space',
    'projects/p/operations/x',
    'kinds/demo.sleep',
    '/operations/01jb7x4e2k3m5n6p7q8r9s0t1v',
    `operations/${'x'.repeat(300)}`,
  ];
  const wellFormedButUnknown = ['operations/01jb7x4e2k3m5n6p7q8r9s0t1v', 'operations/abc', 'operations/01JB7X4E2K3M5N6P7Q8R9S0T1V'];

  const methods = {
    GetOperation: (name: string) => t.grpc.getOperation({ name }),
    DeleteOperation: (name: string) => t.grpc.deleteOperation({ name }),
    CancelOperation: (name: string) => t.grpc.cancelOperation({ name }),
    WaitOperation: (name: string) => t.grpc.waitOperation({ name, timeout: { seconds: 1 } }),
  };

  for (const [method, call] of Object.entries(methods)) {
    it(`${method}: malformed names are INVALID_ARGUMENT (INVALID_NAME) with a clear message`, async () => {
      for (const name of malformed) {
        const f = await grpcFailure(call(name));
        expect(f.code, `${method}(${JSON.stringify(name)})`).toBe(INVALID);
        expect(f.reason, name).toBe('INVALID_NAME');
        expect(f.message, name).toMatch(/name/);
        expect(f.message, name).toMatch(name === '' ? /required/ : /operations\/\{id\}/);
        expect(f.message.length, name).toBeLessThan(400); // the name is quoted, but cut short
      }
    });

    it(`${method}: well-formed unknown names are NOT_FOUND (OPERATION_NOT_FOUND)`, async () => {
      for (const name of wellFormedButUnknown) {
        const f = await grpcFailure(call(name));
        expect(f.code, `${method}(${name})`).toBe(NOT_FOUND);
        expect(f.reason).toBe('OPERATION_NOT_FOUND');
        expect(f.message).toContain(name);
      }
    });
  }

  it('the ErrorInfo has the lro.v1 domain and names the field, and is the only detail', async () => {
    const cases: Array<[string, Promise<unknown>, string, string]> = [
      ['GetOperation name', t.grpc.getOperation({ name: 'foo' }), 'INVALID_NAME', 'name'],
      ['CancelOperation name', t.grpc.cancelOperation({ name: '' }), 'INVALID_NAME', 'name'],
      ['StartOperation kind', t.grpc.startOperationRaw({ kind: 'foo', input: toStruct({}) }), 'INVALID_NAME', 'kind'],
      ['GetKind name', t.grpc.getKind({ name: 'kinds/' }), 'INVALID_NAME', 'name'],
      ['StartOperation request_id', t.grpc.start('demo.sleep', {}, 'has space'), 'INVALID_REQUEST_ID', 'request_id'],
      ['input field', t.grpc.start('demo.sleep', { seconds: -1 }), 'INVALID_INPUT', 'input.seconds'],
      ['unknown input field', t.grpc.start('demo.purge', { force: true }), 'INVALID_INPUT', 'input.force'],
    ];
    for (const [what, call, reason, field] of cases) {
      const f = await grpcFailure(call);
      const s = statusOf(f.err);
      expect(s.code, what).toBe(INVALID);
      expect(s.details.map((d) => d.type_url), what).toEqual(['type.googleapis.com/google.rpc.ErrorInfo']);
      expect(errorInfoOf(s), what).toMatchObject({ domain: 'lro.v1', reason, metadata: { field } });
    }
  });
});

describe('StartOperation', () => {
  async function rejected(kind: string, input: JsonObject, code: number, reason: string, messagePart?: string | RegExp) {
    const f = await grpcFailure(t.grpc.start(kind, input));
    expect(f.code, `${kind} ${JSON.stringify(input)}: ${f.message}`).toBe(code);
    expect(f.reason, `${kind} ${JSON.stringify(input)}`).toBe(reason);
    if (messagePart) expect(f.message).toMatch(messagePart);
    return f;
  }

  it('unknown kinds are NOT_FOUND; malformed kind names INVALID_ARGUMENT', async () => {
    await rejected('no.such.kind', {}, NOT_FOUND, 'KIND_NOT_FOUND', 'kinds/no.such.kind');
    for (const kind of ['', 'demo.sleep', 'kinds/', 'kinds/DEMO.SLEEP', 'kinds/a/b', 'operations/x', 'kinds/ sleep']) {
      const f = await grpcFailure(t.grpc.startOperationRaw({ kind, input: toStruct({}) }));
      expect(f.code, JSON.stringify(kind)).toBe(INVALID);
      expect(f.reason).toBe('INVALID_NAME');
      expect(f.message).toMatch(/kind/);
    }
  });

  it('demo.sleep: seconds out of range or of the wrong type, bad steps, unknown fields', async () => {
    await rejected('demo.sleep', { seconds: -1 }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: 'abc' }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: 1e9 }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: [1] }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: { n: 1 } }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: Number.NaN }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { seconds: Number.POSITIVE_INFINITY }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.sleep', { steps: 0 }, INVALID, 'INVALID_INPUT', /input\.steps/);
    await rejected('demo.sleep', { steps: 1.5 }, INVALID, 'INVALID_INPUT', /input\.steps/);
    await rejected('demo.sleep', { ignoreCancel: 'yes' }, INVALID, 'INVALID_INPUT', /input\.ignoreCancel/);
    await rejected('demo.sleep', { sekonds: 1 }, INVALID, 'INVALID_INPUT', /input\.sekonds/);
  });

  it('the other demo kinds check their inputs too', async () => {
    await rejected('demo.hash', { megabytes: 0 }, INVALID, 'INVALID_INPUT', /input\.megabytes/);
    await rejected('demo.hash', { megabytes: 2.5 }, INVALID, 'INVALID_INPUT', /input\.megabytes/);
    await rejected('demo.hash', { megabytes: 1e12 }, INVALID, 'INVALID_INPUT', /input\.megabytes/);
    await rejected('demo.purge', { seconds: -5 }, INVALID, 'INVALID_INPUT', /input\.seconds/);
    await rejected('demo.purge', { force: true }, INVALID, 'INVALID_INPUT', /input\.force/);
    await rejected('demo.fail', { code: 0 }, INVALID, 'INVALID_INPUT', /input\.code/);
    await rejected('demo.fail', { code: 17 }, INVALID, 'INVALID_INPUT', /input\.code/);
    await rejected('demo.fail', { code: 'INTERNAL' }, INVALID, 'INVALID_INPUT', /input\.code/);
    await rejected('demo.fail', { message: 'x'.repeat(5000) }, INVALID, 'INVALID_INPUT', /input\.message/);
    await rejected('demo.fail', { afterSeconds: -1 }, INVALID, 'INVALID_INPUT', /input\.afterSeconds/);
  });

  it('an input larger than the limit is INVALID_ARGUMENT', async () => {
    await rejected('demo.sleep', { padding: 'x'.repeat(300 * 1024) }, INVALID, 'INPUT_TOO_LARGE', /larger than/);
  });

  it('an omitted input means the defaults', async () => {
    const op = await t.grpc.startOperationRaw({ kind: 'kinds/demo.fail' });
    const done = await untilDone(t.grpc, op.name);
    expect(done.error?.code).toBe(13);
    expect(metadataOf(done).state).toBe('FAILED');
  });

  it('nothing was half-written by the rejected starts', async () => {
    // +1: the one valid start of the previous test.
    expect(await countOperations(t.grpc)).toBe(countBefore + 1);
  });
});

describe('the server keeps serving', () => {
  it('answers a call with undecodable bytes with an error, and stays up', async () => {
    const client = new grpc.Client(t.grpcAddress, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(
          '/google.longrunning.Operations/GetOperation',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length far beyond the message
          (e) => resolve(e),
        );
      });
      expect(err).not.toBeNull();
      // protobufjs decodes leniently (the name comes out empty or cut): either way the call is refused.
      expect([grpc.status.INVALID_ARGUMENT, grpc.status.INTERNAL]).toContain(err!.code);
    } finally {
      client.close();
    }
  });

  it('answers UNIMPLEMENTED for a method it does not have', async () => {
    const client = new grpc.Client(t.grpcAddress, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest('/google.longrunning.Operations/Explode', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e) =>
          resolve(e),
        );
      });
      expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      client.close();
    }
  });

  it('still starts, runs and lists operations after all of the above', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 });
    const done = await untilDone(t.grpc, op.name);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    const listed = await listAll(t.grpc);
    expect(listed.map((o) => o.name)).toContain(op.name);
    // The one of beforeAll, the valid start of "an omitted input means the defaults", and this one: the
    // malformed calls above wrote nothing.
    expect(listed).toHaveLength(countBefore + 2);
    expect(listed.find((o) => o.name === op.name)).toEqual(done);
    expect((await t.grpc.listKinds({})).kinds).toHaveLength(4);
  });
});
