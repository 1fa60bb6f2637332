/**
 * ListOperations page tokens: opaque to clients, bound to the filter they were made for.
 * A token holds the last id of its page (keyset pagination, never OFFSET) and a digest of the filter.
 */
import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors/api-error.js';
import { OPERATION_ID } from './names.js';
import { Reason } from '../errors/reasons.js';

interface TokenBody {
  v: 1;
  last: string;
  f: string;
}

const filterDigest = (filter: string) => createHash('sha256').update(filter.trim()).digest('base64url').slice(0, 16);

export function encodePageToken(lastId: string, filter: string): string {
  const body: TokenBody = { v: 1, last: lastId, f: filterDigest(filter) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The id to continue before; INVALID_ARGUMENT for a token that is malformed or made for another filter. */
export function decodePageToken(token: string, filter: string): string {
  let body: Partial<TokenBody> | undefined;
  try {
    if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('shape');
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw invalidArgument('page_token is not a token this server made', Reason.INVALID_PAGE_TOKEN);
  }
  if (body?.v !== 1 || typeof body.last !== 'string' || !OPERATION_ID.test(body.last) || typeof body.f !== 'string') {
    throw invalidArgument('page_token is not a token this server made', Reason.INVALID_PAGE_TOKEN);
  }
  if (body.f !== filterDigest(filter)) {
    throw invalidArgument('page_token was made for another filter; list again from the first page', Reason.PAGE_TOKEN_FILTER_MISMATCH);
  }
  return body.last;
}
