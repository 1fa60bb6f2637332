/**
 * The errors of authentication and authorization. Their reasons decide the HTTP `WWW-Authenticate`
 * challenge (www-authenticate.ts). No message ever holds any part of a token.
 */
import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';

/** When a client refused because the keys could not be fetched may try again. */
const KEYS_RETRY_MS = 1_000;

export const tokenMissing = (why = 'no authorization header was sent') =>
  new ApiError(Code.UNAUTHENTICATED, `This method needs a bearer token ("authorization: Bearer <token>"): ${why}.`, {
    reason: Reason.TOKEN_MISSING,
  });

export const tokenInvalid = (why: string) =>
  new ApiError(Code.UNAUTHENTICATED, `The bearer token is not valid: ${why}.`, { reason: Reason.TOKEN_INVALID });

export const tokenExpired = () => new ApiError(Code.UNAUTHENTICATED, 'The bearer token has expired.', { reason: Reason.TOKEN_EXPIRED });

export const scopeMissing = (scope: string) =>
  new ApiError(Code.PERMISSION_DENIED, `This method needs a token with the scope ${scope}.`, {
    reason: Reason.SCOPE_MISSING,
    metadata: { scope },
  });

export const jwksUnavailable = () =>
  new ApiError(Code.UNAVAILABLE, 'The keys that sign tokens could not be fetched, so this token cannot be checked now; retry.', {
    reason: Reason.JWKS_UNAVAILABLE,
    retryDelayMs: KEYS_RETRY_MS,
  });
