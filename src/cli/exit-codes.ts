/**
 * Exit codes (API.md): 0 success; 1 a usage error; otherwise 10 + the google.rpc code — a failed call, or an
 * operation that ended with an error (1 CANCELLED → 11, whoever cancelled it). 130 when Ctrl-C only stopped a wait.
 */
import { Code } from '../errors/code.js';
import { LroError } from '../client/lro-error.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the command was called: exit 1, with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function exitCodeForCode(code: number): number {
  return code === Code.OK ? EXIT_OK : 10 + code;
}

/** Errors the SDK finds in its arguments before calling anything are usage errors too. */
const USAGE_REASONS = new Set(['INVALID_SERVER_URL', 'INVALID_TIMEOUT']);

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof LroError) return USAGE_REASONS.has(err.reason) && err.code === Code.INVALID_ARGUMENT ? EXIT_USAGE : exitCodeForCode(err.code);
  return exitCodeForCode(Code.UNKNOWN);
}

/** One line for stderr: the code's name and the message (never a stack trace). */
export function describeError(err: unknown): string {
  if (err instanceof UsageError) return err.message;
  if (err instanceof LroError) {
    const reason = err.reason && err.reason !== err.codeName ? ` [${err.reason}]` : '';
    return `${err.codeName}: ${err.message}${reason}`;
  }
  return `UNKNOWN: ${err instanceof Error ? err.message : String(err)}`;
}
