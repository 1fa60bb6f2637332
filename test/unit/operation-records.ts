/** Generated operation records of every shape, for tests that compare two renderings of one record. */
import fc from 'fast-check';
import type { JsonValue } from '../../src/proto/struct.js';
import type { OperationRecord, OperationState } from '../../src/store/operation-store.js';

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

export const operationRecords: fc.Arbitrary<OperationRecord> = fc
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

