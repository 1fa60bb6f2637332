import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { packAny, unpackAny, type AnyMessage } from '../../src/proto/any.js';
import { protos } from '../../src/proto/protos.js';
import { convertMessage, findField, MAX_JSON_DEPTH, toServiceObject } from '../../src/transport/http/proto-json.js';
import { toJson } from '../../src/transport/http/response-json.js';

const fromJson = (typeName: string, json: unknown) => {
  const type = protos().type(typeName);
  return toServiceObject(type, convertMessage(type, json));
};

function rejects(typeName: string, json: unknown, pattern: RegExp): ApiError {
  try {
    fromJson(typeName, json);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(3);
    expect((err as ApiError).message).toMatch(pattern);
    return err as ApiError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('JSON → request', () => {
  it('accepts lowerCamelCase and snake_case names', () => {
    expect(fromJson('lro.v1.StartOperationRequest', { kind: 'kinds/x', requestId: 'a' })).toMatchObject({ requestId: 'a' });
    expect(fromJson('lro.v1.StartOperationRequest', { kind: 'kinds/x', request_id: 'b' })).toMatchObject({ requestId: 'b' });
    expect(fromJson('google.longrunning.ListOperationsRequest', { page_size: 5, pageToken: 't' })).toMatchObject({ pageSize: 5, pageToken: 't' });
  });

  it('rejects a field given in both spellings', () => {
    rejects('lro.v1.StartOperationRequest', { requestId: 'a', request_id: 'b' }, /given twice/);
  });

  it('rejects unknown fields, also nested inside an Any', () => {
    const err = rejects('lro.v1.StartOperationRequest', { kind: 'kinds/x', bogus: 1 }, /bogus: no such field/);
    expect(err.reason).toBe('UNKNOWN_FIELD');
    rejects(
      'google.rpc.Status',
      { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R', nope: true }] },
      /details\[0\]\.nope: no such field/,
    );
  });

  it('maps Struct input and treats null as the default', () => {
    const req = fromJson('lro.v1.StartOperationRequest', { kind: 'kinds/x', input: { a: [1, 'two', null, { b: true }] }, requestId: null });
    expect(req.requestId).toBe('');
    expect(req.input).toEqual({
      fields: {
        a: {
          kind: 'listValue',
          listValue: {
            values: [
              { kind: 'numberValue', numberValue: 1 },
              { kind: 'stringValue', stringValue: 'two' },
              { kind: 'nullValue', nullValue: 'NULL_VALUE' },
              { kind: 'structValue', structValue: { fields: { b: { kind: 'boolValue', boolValue: true } } } },
            ],
          },
        },
      },
    });
    rejects('lro.v1.StartOperationRequest', { input: [1] }, /input: expected a JSON object/);
    rejects('lro.v1.StartOperationRequest', { input: 'x' }, /input: expected a JSON object/);
  });

  it('parses durations, negative and fractional ones included', () => {
    expect(fromJson('google.longrunning.WaitOperationRequest', { timeout: '1.5s' }).timeout).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(fromJson('google.longrunning.WaitOperationRequest', { timeout: '-2.25s' }).timeout).toEqual({ seconds: '-2', nanos: -250_000_000 });
    expect(fromJson('google.longrunning.WaitOperationRequest', { timeout: '0s' }).timeout).toEqual({ seconds: '0', nanos: 0 });
    for (const bad of ['5', '1.5', 's', '1.1234567891s', 5, {}, '1e3s']) rejects('google.longrunning.WaitOperationRequest', { timeout: bad }, /timeout/);
  });

  it('parses RFC 3339 timestamps with offsets and nanoseconds', () => {
    const meta = fromJson('lro.v1.OperationMetadata', { createTime: '2024-05-01T12:00:00.123456789+02:00' });
    expect(meta.createTime).toEqual({ seconds: String(Date.UTC(2024, 4, 1, 10) / 1000), nanos: 123_456_789 });
    for (const bad of ['2024-05-01', '2024-13-01T00:00:00Z', 'yesterday', 1]) rejects('lro.v1.OperationMetadata', { createTime: bad }, /createTime/);
  });

  it('checks scalar types and ranges instead of coercing', () => {
    expect(fromJson('google.longrunning.ListOperationsRequest', { pageSize: '7' }).pageSize).toBe(7);
    for (const bad of ['abc', 1.5, true, 2 ** 31, '-2147483649', '']) rejects('google.longrunning.ListOperationsRequest', { pageSize: bad }, /pageSize/);
    rejects('google.longrunning.ListOperationsRequest', { filter: 5 }, /filter: expected a string/);
    rejects('lro.v1.Kind', { cancellable: 'yes' }, /cancellable: expected true or false/);
  });

  it('takes enums by name or number', () => {
    expect(fromJson('lro.v1.OperationMetadata', { state: 'RUNNING' }).state).toBe('RUNNING');
    expect(fromJson('lro.v1.OperationMetadata', { state: 2 }).state).toBe('RUNNING');
    rejects('lro.v1.OperationMetadata', { state: 'SLEEPY' }, /state: expected one of/);
  });

  it('reads an Any by its @type, and refuses an unknown @type', () => {
    const status = fromJson('google.rpc.Status', {
      code: 5,
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R', domain: 'd', metadata: { k: 'v' } }],
    });
    expect(unpackAny((status.details as AnyMessage[])[0]!).object).toEqual({ reason: 'R', domain: 'd', metadata: { k: 'v' } });
    rejects('google.rpc.Status', { details: [{ '@type': 'type.googleapis.com/no.Such' }] }, /unknown @type/);
    rejects('google.rpc.Status', { details: [{ reason: 'R' }] }, /needs "@type"/);
    rejects('google.rpc.Status', { details: [null] }, /null is not a list element/);
    rejects('google.rpc.Status', { details: {} }, /expected a JSON array/);
    rejects('google.rpc.ErrorInfo', { metadata: { k: 1 } }, /metadata\["k"\]: expected a string/);
  });

  it('refuses JSON nested deeper than the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { a: deep };
    rejects('lro.v1.StartOperationRequest', { input: deep }, /nested deeper/);
    rejects('lro.v1.StartOperationRequest', [], /expected a JSON object/);
  });

  it('handles int64, wrappers, maps with integer keys, oneofs and bytes of any message', () => {
    const root = new protobuf.Root();
    root.addJSON(protobuf.common.get('google/protobuf/wrappers.proto')!.nested!);
    protobuf.parse(
      `syntax = "proto3"; package t;
       message M {
         int64 big = 1; uint64 ubig = 2; double d = 3; bytes raw = 4;
         google.protobuf.Int32Value maybe = 5; map<int32, string> names = 6;
         oneof choice { string a = 7; string b = 8; }
         repeated int64 many = 9;
       }`,
      root,
      { keepCase: false },
    );
    root.resolveAll();
    const type = root.lookupType('t.M');
    const conv = (json: unknown) => toServiceObject(type, convertMessage(type, json));
    expect(conv({ big: '-9223372036854775808', ubig: 18446744073709551615n.toString(), many: [1, '2'] })).toMatchObject({
      big: '-9223372036854775808',
      ubig: '18446744073709551615',
      many: ['1', '2'],
    });
    expect(conv({ d: 'NaN', raw: 'AQID', maybe: 4, names: { '1': 'one' }, a: 'x' })).toMatchObject({ maybe: { value: 4 }, names: { '1': 'one' }, a: 'x' });
    expect(() => conv({ big: '9223372036854775808' })).toThrow(/out of range/);
    expect(() => conv({ ubig: '-1' })).toThrow(/out of range/);
    expect(() => conv({ names: { x: 'one' } })).toThrow(/bad int32 map key/);
    expect(() => conv({ a: 'x', b: 'y' })).toThrow(/only one of a, b/);
    expect(() => conv({ raw: '***' })).toThrow(/base64/);
    expect(() => conv({ maybe: 'x' })).toThrow(/maybe/);
  });

  it('finds fields by either spelling', () => {
    const type = protos().type('lro.v1.OperationMetadata');
    expect(findField(type, 'progress_percent')?.name).toBe('progressPercent');
    expect(findField(type, 'progressPercent')?.name).toBe('progressPercent');
    expect(findField(type, 'ProgressPercent')).toBeUndefined();
  });
});

describe('response → JSON', () => {
  it('writes lowerCamelCase, int64 as text, RFC 3339, "1.5s" and Any with @type', () => {
    const op = {
      name: 'operations/x',
      done: true,
      metadata: packAny('lro.v1.OperationMetadata', { kind: 'kinds/k', state: 'SUCCEEDED', createTime: { seconds: 1714564800, nanos: 5_000_000 }, progressPercent: 100 }),
      response: packAny('google.protobuf.Struct', { fields: { n: { numberValue: 1 } } }),
    };
    expect(toJson(protos().type('google.longrunning.Operation'), op)).toEqual({
      name: 'operations/x',
      done: true,
      metadata: {
        '@type': 'type.googleapis.com/lro.v1.OperationMetadata',
        kind: 'kinds/k',
        state: 'SUCCEEDED',
        createTime: '2024-05-01T12:00:00.005Z',
        progressPercent: 100,
      },
      response: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { n: 1 } },
    });
    expect(toJson(protos().type('lro.v1.Kind'), { name: 'kinds/k', timeout: { seconds: 1, nanos: 500_000_000 }, maxAttempts: 3 })).toEqual({
      name: 'kinds/k',
      timeout: '1.500s',
      maxAttempts: 3,
    });
  });

  it('prints keys in declaration order with "@type" first, as Google APIs do', () => {
    const op = {
      name: 'operations/x',
      done: true,
      metadata: packAny('lro.v1.OperationMetadata', { kind: 'kinds/k', state: 'FAILED' }),
      error: { code: 5, message: 'm', details: [packAny('google.rpc.ErrorInfo', { reason: 'R', domain: 'd', metadata: { a: 'b' } })] },
    };
    const json = toJson(protos().type('google.longrunning.Operation'), op) as Record<string, Record<string, unknown>>;
    expect(Object.keys(json)).toEqual(['name', 'metadata', 'done', 'error']);
    expect(Object.keys(json.metadata!)).toEqual(['@type', 'kind', 'state']);
    expect(Object.keys(json.error!)).toEqual(['code', 'message', 'details']);
    expect(Object.keys((json.error!.details as object[])[0]!)).toEqual(['@type', 'reason', 'domain', 'metadata']);
  });

  it('writes enums as numbers on request', () => {
    expect(toJson(protos().type('lro.v1.OperationMetadata'), { state: 'RUNNING' }, true)).toEqual({ state: 2 });
  });
});
