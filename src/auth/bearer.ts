/**
 * The bearer token of a call (RFC 6750 §2.1), from the raw `authorization` values it came with. Another
 * scheme (Basic, …) is no bearer token at all, as RFC 6750 §3.1 treats "an unsupported authentication
 * method"; several values, or one that lists several credentials, are refused rather than guessed at.
 */
import { tokenInvalid, tokenMissing } from './auth-errors.js';

/**
 * Longer than any token an issuer makes (Google's are about 1-2 KB) and far shorter than what would make
 * verifying it costly: a larger one is refused before it is decoded.
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** RFC 6750's b64token, which every JWT in compact form is. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function bearerToken(values: readonly string[]): string {
  if (values.length === 0) throw tokenMissing();
  if (values.length > 1) throw tokenInvalid(`send one authorization header, not ${values.length}`);
  const value = values[0]!.trim();
  if (value === '') throw tokenMissing('the authorization header is empty');
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw tokenMissing('the authorization header uses another scheme than Bearer');
  const token = space === -1 ? '' : value.slice(space + 1).trim();
  if (token === '') throw tokenInvalid('the authorization header has no token after "Bearer"');
  // A comma: several credentials folded into one header by a proxy.
  if (token.includes(',')) throw tokenInvalid('send one token, not several');
  if (token.length > MAX_TOKEN_LENGTH) throw tokenInvalid(`it is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!B64TOKEN.test(token)) throw tokenInvalid('it is malformed');
  return token;
}
