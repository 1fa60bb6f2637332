/**
 * The fast JSON form of an operation (operation-json.ts) must be exactly what the generic proto3 JSON
 * mapping makes of the same Operation message: checked over generated records of every shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { operationJson } from '../../src/operations/operation-json.js';
import { toOperation } from '../../src/operations/to-operation.js';
import { protos } from '../../src/proto/protos.js';
import type { JsonValue } from '../../src/proto/struct.js';
import type { OperationRecord, OperationState } from '../../src/store/operation-store.js';
import { toJson } from '../../src/transport/http/response-json.js';


const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const time = fc.integer({ min: 0, max: 4_102_444_800_000 }); // up to 2100
const state = fc.constantFrom<OperationState>('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');
const labels = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), fc.string({ maxLength: 63 }), { maxKeys: 5 });

const record: fc.Arbitrary<OperationRecord> = fc
  .record({
    state,
    createTime: time,
    startTime: fc.option(time),
    updateTime: time,
    endTime: fc.option(time),
    progressPercent: fc.integer({ min: 0, max: 100 }),
    statusMessage: fc.string({ unit: 'binary', maxLength: 30 }),
    requestedCancellation: fc.boolean(),
    cancellable: fc.boolean(),
    attempt: fc.integer({ min: 0, max: 10 }),
    labels,
    output: fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), json, { maxKeys: 5 }),
    error: fc.record({
      code: fc.integer({ min: 1, max: 16 }),
      message: fc.string({ unit: 'binary', maxLength: 40 }),
      reason: fc.stringMatching(/^[A-Z][A-Z_]{0,20}$/),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
    }),
  })
  .map((p) => {
    const done = p.state === 'SUCCEEDED' || p.state === 'FAILED' || p.state === 'CANCELLED';
    return {
      id: '01abcdefghjkmnpqrstvwxyz00',
      kind: 'demo.sleep',
      input: {},
      done,
      maxAttempts: 3,
      requestId: null,
      principal: null,
      leaseOwner: null,
      leaseExpiry: null,
      leaseToken: 0,
      ...p,
      output: p.state === 'SUCCEEDED' ? p.output : null,
      error: done && p.state !== 'SUCCEEDED' ? p.error : null,
    };
  });

const Operation = protos().type('google.longrunning.Operation');

describe('the fast JSON form of an operation', () => {
  it('is exactly the generic proto3 JSON of its Operation message, key order included', () => {
    fc.assert(
      fc.property(record, fc.boolean(), (r, numericEnums) => {
        const generic = toJson(Operation, toOperation(r), numericEnums);
        expect(JSON.stringify(operationJson(r, numericEnums))).toBe(JSON.stringify(generic));
      }),
      { numRuns: 500 },
    );
  });
});
