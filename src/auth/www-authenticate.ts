/**
 * The RFC 6750 §3 challenge an HTTP error answer carries, from its reason: none but the scheme when no
 * token was sent, `invalid_token` for a token that is not valid, `insufficient_scope` with the scope the
 * method needs. gRPC has no such header: its clients read the ErrorInfo reason.
 */
import type { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { Reason } from '../errors/reasons.js';

export function wwwAuthenticate(err: ApiError): string | undefined {
  if (err.code === Code.UNAUTHENTICATED) {
    if (err.reason === Reason.TOKEN_MISSING) return 'Bearer';
    if (err.reason === Reason.TOKEN_INVALID || err.reason === Reason.TOKEN_EXPIRED) return 'Bearer error="invalid_token"';
  }
  if (err.code === Code.PERMISSION_DENIED && err.reason === Reason.SCOPE_MISSING && err.metadata.scope) {
    return `Bearer error="insufficient_scope", scope="${err.metadata.scope}"`;
  }
  return undefined;
}
