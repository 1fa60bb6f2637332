/** Resource names: `operations/{id}` and `kinds/{kind}`. Malformed → INVALID_ARGUMENT; well-formed → looked up. */
import { invalidArgument } from '../errors/api-error.js';
import { KIND_NAME } from '../runtime/kind.js';
import { Reason } from '../errors/reasons.js';

const SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/;
/** Server-made ids: lowercase ULIDs (time-ordered, URL-safe). */
export const OPERATION_ID = /^[0-9a-z]{26}$/;

export { operationName } from '../runtime/operation-name.js';

/** The id in `operations/{id}`, or undefined for a well-formed name no operation can have (→ NOT_FOUND). */
export function parseOperationName(name: unknown, field = 'name'): string | undefined {
  if (typeof name !== 'string' || name === '') {
    throw invalidArgument(`${field} is required, e.g. "operations/01jb7x4e2k3m5n6p7q8r9s0t1v"`, Reason.INVALID_NAME, { field });
  }
  const id = name.startsWith('operations/') ? name.slice('operations/'.length) : undefined;
  if (id === undefined || !SEGMENT.test(id)) {
    throw invalidArgument(`${field} ${JSON.stringify(name.slice(0, 200))} is not an operation name ("operations/{id}")`, Reason.INVALID_NAME, {
      field,
    });
  }
  return OPERATION_ID.test(id) ? id : undefined;
}

export function kindName(kind: string): string {
  return `kinds/${kind}`;
}

export function parseKindName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') {
    throw invalidArgument(`${field} is required, e.g. "kinds/demo.sleep"`, Reason.INVALID_NAME, { field });
  }
  const kind = name.startsWith('kinds/') ? name.slice('kinds/'.length) : '';
  if (!KIND_NAME.test(kind)) {
    throw invalidArgument(`${field} ${JSON.stringify(name.slice(0, 200))} is not a kind name ("kinds/{kind}")`, Reason.INVALID_NAME, { field });
  }
  return kind;
}
