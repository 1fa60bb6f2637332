/** Timeouts as callers write them: milliseconds, or text such as "10s", "500ms", "1.5s", "2m", "1h". */
import { Code } from '../errors/code.js';
import { parseDurationText } from '../proto/time.js';
import { LroError } from './lro-error.js';

export type Duration = number | string;

/** Milliseconds ≥ 0; INVALID_ARGUMENT (reason INVALID_TIMEOUT) for anything else. */
export function parseDuration(value: Duration, what = 'timeout'): number {
  const ms = parseDurationText(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new LroError(Code.INVALID_ARGUMENT, `${what} ${JSON.stringify(value)} is not a duration (e.g. 500ms, 10s, 2m, 1h)`, {
      reason: 'INVALID_TIMEOUT',
      metadata: { [what]: String(value) },
    });
  }
  return ms;
}
