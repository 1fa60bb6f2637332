/**
 * The binary form of an operation (operation-binary.ts) must decode to what the generic encoder sends for
 * the same Operation message, its Any contents included: checked over generated records of every shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listBytes, operationBytes } from '../../src/operations/operation-binary.js';
import { toOperation } from '../../src/operations/to-operation.js';
import { protos } from '../../src/proto/protos.js';
import { operationRecords } from './operation-records.js';

const T = (name: string) => protos().type(name);
const OPTIONS = { longs: String, enums: String, defaults: true, oneofs: true, bytes: Array } as const;

/** An Operation's bytes, decoded all the way down (Any contents too), for comparing meaning, not bytes. */
function meaning(bytes: Uint8Array): unknown {
  const op = T('google.longrunning.Operation').toObject(T('google.longrunning.Operation').decode(bytes), OPTIONS) as Record<string, unknown>;
  const unpack = (any: { type_url: string; value: number[] } | null | undefined) => {
    if (!any) return any;
    const type = T(any.type_url.slice(any.type_url.lastIndexOf('/') + 1));
    return { type: any.type_url, value: type.toObject(type.decode(Uint8Array.from(any.value)), OPTIONS) };
  };
  op.metadata = unpack(op.metadata as never);
  op.response = unpack(op.response as never);
  if (op.error) {
    const e = op.error as { details: never[] };
    e.details = e.details.map(unpack) as never[];
  }
  return op;
}

describe('the binary form of an operation', () => {
  it('decodes to what the generic encoder sends, Any contents included', () => {
    const Operation = T('google.longrunning.Operation');
    fc.assert(
      fc.property(operationRecords, (r) => {
        const generic = Operation.encode(Operation.fromObject(toOperation(r) as never)).finish();
        expect(meaning(operationBytes(r))).toEqual(meaning(generic));
      }),
      { numRuns: 300 },
    );
  });

  it('a list of them decodes as a ListOperationsResponse', () => {
    fc.assert(
      fc.property(fc.array(operationRecords, { maxLength: 4 }), fc.string({ maxLength: 20 }), (records, token) => {
        const List = T('google.longrunning.ListOperationsResponse');
        const decoded = List.toObject(List.decode(listBytes(records.map(operationBytes), token)), OPTIONS) as { operations: unknown[]; nextPageToken: string };
        expect(decoded.nextPageToken).toBe(token);
        expect(decoded.operations).toHaveLength(records.length);
      }),
    );
  });
});
