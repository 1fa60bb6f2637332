/** Resource names the SDK accepts, checked before anything is sent (as the server checks them). */
import { Code } from '../errors/code.js';
import { LroError } from './lro-error.js';

const SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/;
const KIND = /^[a-z][a-z0-9._-]{0,62}$/;

export function isOperationName(name: string): boolean {
  return name.startsWith('operations/') && SEGMENT.test(name.slice('operations/'.length));
}

/** Throws INVALID_ARGUMENT (reason INVALID_NAME) unless `name` is `operations/{id}`. */
export function checkOperationName(name: unknown): string {
  if (typeof name === 'string' && isOperationName(name)) return name;
  const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 200)) : String(name);
  throw new LroError(Code.INVALID_ARGUMENT, `${shown} is not an operation name ("operations/{id}")`, {
    reason: 'INVALID_NAME',
    metadata: { name: String(name) },
  });
}

/** `demo.sleep` or `kinds/demo.sleep` → `kinds/demo.sleep`; INVALID_ARGUMENT otherwise. */
export function kindName(kind: string): string {
  const bare = kind.startsWith('kinds/') ? kind.slice('kinds/'.length) : kind;
  if (!KIND.test(bare)) {
    throw new LroError(Code.INVALID_ARGUMENT, `${JSON.stringify(kind)} is not a kind name (e.g. "demo.sleep" or "kinds/demo.sleep")`, {
      reason: 'INVALID_NAME',
      metadata: { kind },
    });
  }
  return `kinds/${bare}`;
}
