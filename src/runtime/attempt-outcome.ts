/**
 * What a settled handler means for its operation: finish it (with its output or an error), give it back
 * to the queue (shutdown), or leave it alone (this attempt lost its lease). Handlers are user code: any
 * value may be thrown or returned, and each still gives a defined, clearly worded end.
 */
import { inspect } from 'node:util';
import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';
import type { JsonObject } from '../proto/struct.js';
import type { Finish } from '../store/operation-store.js';
import { abortCauseOf, toOperationError } from './abort-reasons.js';

export type Outcome = { finish: Finish } | 'release' | 'lost';

const failed = (error: ApiError): Outcome => ({
  finish: { state: error.code === Code.CANCELLED ? 'CANCELLED' : 'FAILED', error: toOperationError(error) },
});

/** The handler returned `value`. */
export function outcomeOfReturn(signal: AbortSignal, value: unknown): Outcome {
  // Returning after the lease was lost stores nothing: another attempt owns the operation now.
  if (abortCauseOf(signal) === 'lease_lost') return 'lost';
  let output: JsonObject;
  try {
    output = toOutput(value);
  } catch (err) {
    return failed(
      new ApiError(Code.INTERNAL, `The handler returned a value that cannot be stored as JSON: ${(err as Error).message}`, {
        reason: Reason.INVALID_OUTPUT,
        metadata: { processed: 'true' },
      }),
    );
  }
  return { finish: { state: 'SUCCEEDED', output } };
}

/** The handler threw (or rejected with) `thrown`. */
export function outcomeOfThrow(signal: AbortSignal, thrown: unknown): Outcome {
  const cause = abortCauseOf(signal);
  if (cause === 'lease_lost') return 'lost';
  if (cause === 'shutdown') return 'release';
  // Cancelled or timed out: that is the operation's end, whatever the handler threw on its way out.
  if (cause === 'cancelled' || cause === 'deadline') return failed(signal.reason as ApiError);
  return failed(handlerError(thrown));
}

function handlerError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof Error) {
    const error = ApiError.from(thrown);
    return new ApiError(error.code, error.message || thrown.name, { reason: Reason.HANDLER_FAILED, metadata: { processed: 'true' }, cause: thrown });
  }
  const shown = inspect(thrown, { depth: 2, breakLength: Infinity }).slice(0, 200);
  return new ApiError(Code.UNKNOWN, `The handler threw a value that is not an Error: ${shown}`, {
    reason: Reason.HANDLER_FAILED,
    metadata: { processed: 'true' },
  });
}

/** A handler's return value as a JSON object (Operation.response is a Struct); throws when it is not JSON. */
function toOutput(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error(`a ${typeof value} is not JSON`);
  const json: unknown = JSON.parse(text);
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as JsonObject) : { value: json as JsonObject[string] };
}
