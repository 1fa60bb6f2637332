import { ApiError } from './api-error.js';
import { Code } from './code.js';
import { Reason } from './reasons.js';

/**
 * What a client may see of anything thrown while serving it: an ApiError as it is; anything else (a bug,
 * a driver's error) as a generic INTERNAL error, because its message may name files, hosts or SQL. The
 * caller logs the cause when `unexpected` is true.
 */
export function toPublicError(err: unknown, requestId?: string): { error: ApiError; unexpected: boolean } {
  if (err instanceof ApiError) return { error: err, unexpected: false };
  const ref = requestId ? ` (request ${requestId})` : '';
  return {
    error: new ApiError(Code.INTERNAL, `The server failed to handle this request${ref}; its log has the details.`, {
      reason: Reason.INTERNAL,
      cause: err,
    }),
    unexpected: true,
  };
}
