import { describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import { fromStruct, toStruct, type JsonObject, type StructMessage } from '../../src/proto/struct.js';

const sample: JsonObject = { n: 0, s: '', b: false, nul: null, list: [1, 'x', true, null, { deep: [] }], obj: { a: { b: 2.5 } } };

describe('google.protobuf.Struct <-> JSON', () => {
  it('round-trips a Struct built in code (no oneof `kind` to go by), zeros and empty strings included', () => {
    expect(fromStruct(toStruct(sample))).toEqual(sample);
    // As an in-process caller would build it by hand: only the member that is set.
    expect(fromStruct({ fields: { seconds: { numberValue: 0 }, name: { stringValue: 'x' } } })).toEqual({ seconds: 0, name: 'x' });
  });

  it('round-trips through the wire (decoded with defaults: every member present, `kind` says which)', () => {
    const Struct = protos().type('google.protobuf.Struct');
    const wire = Struct.encode(Struct.fromObject(toStruct(sample))).finish();
    const decoded = Struct.toObject(Struct.decode(wire), { longs: String, enums: String, defaults: true, oneofs: true }) as StructMessage;
    expect(fromStruct(decoded)).toEqual(sample);
  });
});
