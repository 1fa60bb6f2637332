/**
 * Verifies a bearer token (a JWT, with jose) and says who is calling. One key kind per server: an HS256
 * secret, or a JWKS of RS256/ES256 public keys; the algorithms are pinned to that kind, so an HS256 token
 * signed with a public key as its secret (algorithm confusion) and `alg: none` are refused. `exp` and `nbf`
 * allow 30 s of clock skew; issuer and audience are checked when configured (`aud` a string or an array).
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Logger } from 'pino';
import { ApiError } from '../errors/api-error.js';
import type { Caller } from '../operations/call-context.js';
import { tokenExpired, tokenInvalid } from './auth-errors.js';
import { createJwksKeys, type JwksKeysOptions } from './jwks-keys.js';
import { Scope, scopesOf } from './scopes.js';

export const CLOCK_TOLERANCE_S = 30;

export interface TokenVerifierOptions {
  /** The HS256 secret (its UTF-8 bytes are the key). */
  secret?: string;
  /** A JWKS file path or URL (RS256/ES256). */
  jwks?: string;
  issuer?: string;
  audience?: string;
  logger: Logger;
  /** Tuning of the JWKS cache (see jwks-keys.ts). */
  jwksOptions?: Omit<JwksKeysOptions, 'source' | 'logger'>;
}

export interface TokenVerifier {
  /** Loads the keys (a JWKS file must be readable; a URL is fetched when it can be). */
  start(): Promise<void>;
  /** The caller a token stands for; throws UNAUTHENTICATED (or UNAVAILABLE when the keys cannot be fetched). */
  verify(token: string): Promise<Caller>;
}

/** A jose error → why the token is refused, in words for the client (never the token itself). */
function refusal(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof errors.JWTExpired) return tokenExpired();
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return tokenInvalid('it is not valid yet (nbf)');
      case 'iss':
        return tokenInvalid('it was issued by another issuer (iss)');
      case 'aud':
        return tokenInvalid('it is meant for another audience (aud)');
      default:
        return tokenInvalid(`its "${err.claim}" claim is not valid`);
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return tokenInvalid('its signature does not verify');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return tokenInvalid('its algorithm (alg) is not accepted here');
  if (err instanceof errors.JWKSNoMatchingKey) return tokenInvalid('no known key has its key id (kid)');
  // Anything else a malformed token can make jose (or the key import) throw.
  return tokenInvalid('it is malformed');
}

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const { logger } = opts;
  if ((opts.secret === undefined) === (opts.jwks === undefined)) throw new Error('give a JWT secret or a JWKS, exactly one');
  const jwks = opts.jwks === undefined ? undefined : createJwksKeys({ source: opts.jwks, logger, ...opts.jwksOptions });
  const secret = opts.secret === undefined ? undefined : new TextEncoder().encode(opts.secret);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: secret ? ['HS256'] : ['RS256', 'ES256'],
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['sub'],
    ...(opts.issuer === undefined ? {} : { issuer: opts.issuer }),
    ...(opts.audience === undefined ? {} : { audience: opts.audience }),
  };

  return {
    async start() {
      if (secret && secret.length < 32) {
        // RFC 7518 §3.2 asks for at least 256 bits; a shorter secret still works, but is easier to guess.
        logger.warn({ bytes: secret.length }, 'the JWT secret is shorter than 32 bytes; use a longer, random one');
      }
      await jwks?.load();
    },
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = (secret ? await jwtVerify(token, secret, verifyOptions) : await jwtVerify(token, jwks!.key, verifyOptions)).payload;
      } catch (err) {
        const refused = refusal(err);
        logger.debug({ reason: refused.reason, why: refused.message }, 'token refused');
        throw refused;
      }
      const principal = payload.sub;
      if (typeof principal !== 'string' || principal === '') throw tokenInvalid('it names no subject (sub)');
      const scopes = scopesOf(payload);
      return { principal, scopes, admin: scopes.has(Scope.ADMIN) };
    },
  };
}
