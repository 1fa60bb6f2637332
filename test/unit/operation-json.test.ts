/**
 * The fast JSON form of an operation (operation-json.ts) must be exactly what the generic proto3 JSON
 * mapping makes of the same Operation message: checked over generated records of every shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { operationJson } from '../../src/operations/operation-json.js';
import { toOperation } from '../../src/operations/to-operation.js';
import { protos } from '../../src/proto/protos.js';
import { toJson } from '../../src/transport/http/response-json.js';
import { operationRecords } from './operation-records.js';


const Operation = protos().type('google.longrunning.Operation');

describe('the fast JSON form of an operation', () => {
  it('is exactly the generic proto3 JSON of its Operation message, key order included', () => {
    fc.assert(
      fc.property(operationRecords, fc.boolean(), (r, numericEnums) => {
        const generic = toJson(Operation, toOperation(r), numericEnums);
        expect(JSON.stringify(operationJson(r, numericEnums))).toBe(JSON.stringify(generic));
      }),
      { numRuns: 500 },
    );
  });
});
