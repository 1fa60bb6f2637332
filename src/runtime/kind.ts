import { ApiError, invalidArgument } from '../errors/api-error.js';
import type { JsonObject } from '../proto/struct.js';
import { parseDurationText } from '../proto/time.js';
import type { OperationContext } from './operation-context.js';
import { Reason } from '../errors/reasons.js';

/** What a user writes to add a kind of work. */
export interface KindDefinition<I extends JsonObject = JsonObject, O extends JsonObject = JsonObject> {
  /** e.g. `reports.export`: lowercase letters, digits, `.`, `-`, `_`; the resource name is `kinds/{name}`. */
  name: string;
  description?: string;
  /** Default true. False: CancelOperation answers UNIMPLEMENTED and the handler always runs to its end. */
  cancellable?: boolean;
  /** How long one attempt may run: ms or text such as "30s", "5m". Default 1 hour. */
  timeout?: number | string;
  /** How many times an operation is started before a crash fails it with ABORTED. Default 3. */
  maxAttempts?: number;
  /** Checks and normalizes the input when the operation is started; throw to reject it (INVALID_ARGUMENT). */
  validate?: (input: JsonObject) => I;
  /** Does the work. Returns the output (Operation.response); throws ApiError (or any Error) to fail. */
  handler: (input: I, ctx: OperationContext) => Promise<O> | O;
}

/** Any kind definition, whatever its input and output types (for lists of kinds). */
export interface AnyKindDefinition {
  name: string;
  description?: string;
  cancellable?: boolean;
  timeout?: number | string;
  maxAttempts?: number;
  validate?: (input: JsonObject) => unknown;
  handler: (input: never, ctx: OperationContext) => unknown;
}

/** A registered kind, normalized. */
export interface Kind {
  name: string;
  description: string;
  cancellable: boolean;
  timeoutMs: number;
  maxAttempts: number;
  validate(input: JsonObject): JsonObject;
  handler(input: JsonObject, ctx: OperationContext): Promise<JsonObject> | JsonObject;
}

export const KIND_NAME = /^[a-z][a-z0-9._-]{0,62}$/;

/** Typed helper for authors of kinds; returns its argument. */
export function defineKind<I extends JsonObject, O extends JsonObject>(def: KindDefinition<I, O>): KindDefinition<I, O> {
  return def;
}

export function normalizeKind(def: AnyKindDefinition): Kind {
  if (!def || typeof def !== 'object') throw new TypeError('a kind must be an object');
  if (typeof def.name !== 'string' || !KIND_NAME.test(def.name)) {
    throw new TypeError(`kind name ${JSON.stringify(def.name)} must match ${KIND_NAME}`);
  }
  if (typeof def.handler !== 'function') throw new TypeError(`kind ${def.name} needs a handler function`);
  const timeoutMs = parseDurationText(def.timeout ?? 3_600_000);
  if (!(timeoutMs > 0)) throw new TypeError(`kind ${def.name}: timeout ${JSON.stringify(def.timeout)} is not a positive duration`);
  const maxAttempts = def.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError(`kind ${def.name}: maxAttempts must be an integer ≥ 1`);
  const validate = def.validate;
  return {
    name: def.name,
    description: def.description ?? '',
    cancellable: def.cancellable ?? true,
    timeoutMs,
    maxAttempts,
    validate(input) {
      if (!validate) return input;
      try {
        return validate(input) as JsonObject;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw invalidArgument(`invalid input for kinds/${def.name}: ${(err as Error)?.message ?? String(err)}`, Reason.INVALID_INPUT, {
          kind: `kinds/${def.name}`,
        });
      }
    },
    handler: def.handler as unknown as Kind['handler'],
  };
}

/** Input helpers for `validate`: each throws INVALID_ARGUMENT with the field named. */
export const input = {
  number(obj: JsonObject, field: string, opts: { default: number; min: number; max: number; integer?: boolean }): number {
    const v = obj[field] ?? opts.default;
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || v < opts.min || v > opts.max) {
      throw invalidArgument(
        `input.${field} must be ${opts.integer ? 'an integer' : 'a number'} from ${opts.min} to ${opts.max}, not ${JSON.stringify(v)}`,
        Reason.INVALID_INPUT,
        { field: `input.${field}` },
      );
    }
    return v;
  },
  boolean(obj: JsonObject, field: string, def: boolean): boolean {
    const v = obj[field] ?? def;
    if (typeof v !== 'boolean') {
      throw invalidArgument(`input.${field} must be true or false, not ${JSON.stringify(v)}`, Reason.INVALID_INPUT, { field: `input.${field}` });
    }
    return v;
  },
  string(obj: JsonObject, field: string, def: string, maxLength = 1000): string {
    const v = obj[field] ?? def;
    if (typeof v !== 'string' || v.length > maxLength) {
      throw invalidArgument(`input.${field} must be a string of at most ${maxLength} characters`, Reason.INVALID_INPUT, {
        field: `input.${field}`,
      });
    }
    return v;
  },
  /** Rejects fields the kind does not know, so typos do not pass silently. */
  only(obj: JsonObject, fields: string[]): void {
    for (const key of Object.keys(obj)) {
      if (!fields.includes(key)) {
        throw invalidArgument(`input.${key} is not a field of this kind (known: ${fields.join(', ') || 'none'})`, Reason.INVALID_INPUT, {
          field: `input.${key}`,
        });
      }
    }
  },
};

