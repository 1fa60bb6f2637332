/**
 * The public keys that verify RS256/ES256 tokens: a JWKS read from a file or fetched from a URL, kept in
 * memory and refreshed, so that keys rotate by `kid` without a restart.
 *
 * - A token whose `kid` is not in the set makes the set load again (a new key was published), at most once
 *   per `minRefreshMs`: callers arriving meanwhile wait for that one load and share it, so random kids
 *   cannot make the server hammer the issuer.
 * - The set also loads again every `maxAgeMs` in the background; when that fails, the keys already loaded
 *   stay in use, and a failed load is retried after `retryMs`.
 * - When no loaded key fits a token and the set cannot be loaded, the caller gets UNAVAILABLE (its token
 *   may be fine: retry) and the log says why.
 * jose's createRemoteJWKSet fails every token once its cache is stale and the URL is down: hence this.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { jwksUnavailable } from './auth-errors.js';

export interface JwksKeysOptions {
  /** A file path, or an http(s) URL. */
  source: string;
  logger: Logger;
  /** Background reload interval (default 10 min). */
  maxAgeMs?: number;
  /** At most one reload per this long for unknown kids (default 1 s). */
  minRefreshMs?: number;
  /** After a failed background reload, try again after this long (default 30 s). */
  retryMs?: number;
  /** A fetch that takes longer fails (default 5 s). */
  fetchTimeoutMs?: number;
}

export interface JwksKeys {
  /** The key resolver for jose's jwtVerify. */
  readonly key: JWTVerifyGetKey;
  /**
   * The first load. A file that cannot be read or is not a JWKS throws (the server does not start with a
   * broken configuration); a URL that cannot be fetched is logged and retried when a token comes.
   */
  load(): Promise<void>;
}

/** A JWKS larger than this is refused: a real one holds a handful of keys. */
const MAX_JWKS_BYTES = 1024 * 1024;

export const isJwksUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** The URL without credentials, query or fragment, for logs. */
function describe(source: string): string {
  if (!isJwksUrl(source)) return source;
  try {
    const url = new URL(source);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'the JWKS URL';
  }
}

async function fetchJwks(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
  return JSON.parse(text) as unknown;
}

/** Why a load failed, in a few words (fetch hides the network cause one level down). */
function failure(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err);
}

export function createJwksKeys(opts: JwksKeysOptions): JwksKeys {
  const { source, logger } = opts;
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const minRefreshMs = opts.minRefreshMs ?? 1_000;
  const retryMs = opts.retryMs ?? 30_000;
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? 5_000;
  const where = describe(source);
  const read = isJwksUrl(source)
    ? () => fetchJwks(source, fetchTimeoutMs)
    : async () => JSON.parse(await readFile(source, 'utf8')) as unknown;

  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let lastAttempt = -Infinity;
  let nextBackground = Infinity;
  let loading: Promise<boolean> | undefined;
  let soon: Promise<boolean> | undefined;

  async function loadOnce(): Promise<void> {
    const jwks = createLocalJWKSet((await read()) as JSONWebKeySet);
    const count = jwks.jwks().keys.length;
    if (count === 0) throw new Error('it holds no keys');
    local = jwks;
    logger.info({ jwks: where, keys: count }, 'JWKS loaded');
  }

  /** One load at a time; true when it succeeded. Failures are logged, never thrown. */
  function reload(): Promise<boolean> {
    loading ??= (async () => {
      lastAttempt = Date.now();
      try {
        await loadOnce();
        nextBackground = Date.now() + maxAgeMs;
        return true;
      } catch (err) {
        nextBackground = Date.now() + retryMs;
        logger.warn({ jwks: where, error: failure(err), cachedKeys: local !== undefined }, 'the JWKS could not be loaded; the keys loaded before stay in use');
        return false;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  /** A reload no sooner than `minRefreshMs` after the last attempt, shared by everyone who asks meanwhile. */
  function reloadSoon(): Promise<boolean> {
    soon ??= (async () => {
      try {
        const wait = lastAttempt + minRefreshMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        return await reload();
      } finally {
        soon = undefined;
      }
    })();
    return soon;
  }

  const key: JWTVerifyGetKey = async (header, token) => {
    if (!local && !(await reloadSoon())) throw jwksUnavailable();
    if (Date.now() >= nextBackground && !loading) void reload();
    try {
      return await local!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // Perhaps a key published since the last load: load again (or wait for the load under way).
      if (!(await reloadSoon())) throw jwksUnavailable();
      return local!(header, token);
    }
  };

  return {
    key,
    async load() {
      if (isJwksUrl(source)) {
        await reload();
        return;
      }
      lastAttempt = Date.now();
      try {
        await loadOnce();
      } catch (err) {
        throw new Error(`--jwks ${where}: ${failure(err)}`, { cause: err });
      }
      nextBackground = Date.now() + maxAgeMs;
    },
  };
}
