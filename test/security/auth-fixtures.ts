/**
 * Shared pieces of the security tests: tokens (HS256 with the test secret, RS256/ES256 with generated
 * keys, and malformed ones), a log capture (every token made here is remembered, so a test can search the
 * server's log for any of them), a server with auth on, and calls over both transports that report the
 * code, reason and HTTP challenge of the answer.
 */
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import pino, { type Logger } from 'pino';
import { expect } from 'vitest';
import type { ServerOptions } from '../../src/app.js';
import { protos } from '../../src/proto/protos.js';
import { errorInfoOf, statusOf } from '../helpers/grpc-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const SECRET = 'the-test-secret-of-the-security-tests-0123456789';
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'lro-test';

export const READ = 'lro.operations.readonly';
export const WRITE = 'lro.operations';
export const ADMIN = 'lro.admin';

/** Every token the tests made: none of them may appear in a log. */
const minted = new Set<string>();

export function remember(token: string): string {
  minted.add(token);
  return token;
}

export function mintedTokens(): string[] {
  return [...minted];
}

export interface TokenSpec {
  sub?: string | null;
  scope?: string;
  claims?: JWTPayload;
  /** Seconds from now; null: no exp. Default 300. */
  expiresIn?: number | null;
  /** Seconds from now. */
  notBefore?: number;
  iss?: string | null;
  aud?: string | string[] | null;
}

function claimsOf(spec: TokenSpec): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = { ...spec.claims };
  if (spec.sub !== null) claims.sub = spec.sub ?? 'alice';
  if (spec.scope !== undefined) claims.scope = spec.scope;
  if (spec.expiresIn !== null) claims.exp = now + (spec.expiresIn ?? 300);
  if (spec.notBefore !== undefined) claims.nbf = now + spec.notBefore;
  if (spec.iss !== null) claims.iss = spec.iss ?? ISSUER;
  if (spec.aud !== null) claims.aud = spec.aud ?? AUDIENCE;
  claims.iat = now;
  return claims;
}

/** An HS256 token signed with `secret` (the test secret by default). */
export async function hsToken(spec: TokenSpec = {}, secret: string | Uint8Array = SECRET): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return remember(await new SignJWT(claimsOf(spec)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key));
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  /** The public JWK, as a JWKS lists it. */
  jwk: JWK;
}

export async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function keyToken(key: SigningKey, spec: TokenSpec = {}, kid: string | null = key.kid): Promise<string> {
  const header = { alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) };
  return remember(await new SignJWT(claimsOf(spec)).setProtectedHeader(header).sign(key.privateKey));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with `alg: none` and no signature. */
export function unsignedToken(spec: TokenSpec = {}): string {
  return remember(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claimsOf(spec))}.`);
}

/** `token` with its signature replaced by another one of the same length. */
export function badSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const flipped = s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  return remember(`${h}.${p}.${flipped}`);
}

export interface LogCapture {
  logger: Logger;
  /** Every line written so far (raw JSON text). */
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A pino logger at trace level whose every line is kept. */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'trace' }, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Checks that no token made by these tests, nor its signature, appears anywhere in `logText`. */
export function expectNoTokenIn(logText: string): void {
  expect(logText.length).toBeGreaterThan(0);
  for (const token of mintedTokens()) {
    expect(logText.includes(token), 'a whole token in the log').toBe(false);
    const signature = token.split('.')[2];
    if (signature && signature.length >= 16) expect(logText.includes(signature), 'a token signature in the log').toBe(false);
  }
  expect(logText).not.toContain(SECRET);
}

export interface AuthServer extends TestServer {
  logs: LogCapture;
}

/** A real server (port 0, SQLite file) with `--auth jwt` and the test secret, issuer and audience unless overridden. */
export async function startAuthServer(options: ServerOptions = {}): Promise<AuthServer> {
  const logs = captureLogs();
  const t = await startTestServer({
    auth: 'jwt',
    ...(options.jwks === undefined ? { jwtSecret: SECRET } : {}),
    jwtIssuer: ISSUER,
    jwtAudience: AUDIENCE,
    logger: logs.logger,
    ...options,
  });
  return Object.assign(t, { logs });
}

/** What a call answered: the google.rpc code (0 for OK), its ErrorInfo reason, and for HTTP the status and challenge. */
export interface Outcome {
  code: number;
  reason?: string;
  message?: string;
  /** The ErrorInfo metadata of an error. */
  metadata?: Record<string, string>;
  httpStatus?: number;
  challenge?: string | null;
  body?: unknown;
}

const CODE_OF_STATUS = Object.fromEntries(
  Object.entries(grpc.status).filter((e): e is [string, number] => typeof e[1] === 'number'),
) as Record<string, number>;

/** One HTTP call with these `authorization` values (none, one, or several headers). */
export async function httpCall(
  base: string,
  method: string,
  path: string,
  authorization: string | string[] | undefined,
  body?: unknown,
): Promise<Outcome> {
  const headers = new Headers();
  for (const value of authorization === undefined ? [] : Array.isArray(authorization) ? authorization : [authorization]) headers.append('authorization', value);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const challenge = res.headers.get('www-authenticate');
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { code: 0, httpStatus: res.status, challenge };
  }
  const json = (await res.json()) as { error?: { status: string; message: string; details: Array<{ reason?: string }> } };
  if (!json.error) return { code: 0, httpStatus: res.status, challenge, body: json };
  return {
    code: CODE_OF_STATUS[json.error.status] ?? -1,
    reason: json.error.details[0]?.reason,
    message: json.error.message,
    metadata: (json.error.details[0] as { metadata?: Record<string, string> } | undefined)?.metadata,
    httpStatus: res.status,
    challenge,
    body: json,
  };
}

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** gRPC calls with any `authorization` value (or none), to every service, unary or the Watch stream. */
export function createRawGrpc(address: string) {
  const pkg = grpc.loadPackageDefinition(protos().packageDefinition) as unknown as Record<string, Record<string, Record<string, grpc.ServiceClientConstructor>>>;
  const ctor = (service: string) => {
    const parts = service.split('.');
    let node: unknown = pkg;
    for (const p of parts) node = (node as Record<string, unknown>)[p];
    return node as grpc.ServiceClientConstructor;
  };
  const clients = new Map<string, AnyClient>();
  const client = (service: string) => {
    let c = clients.get(service);
    if (!c) clients.set(service, (c = new (ctor(service))(address, grpc.credentials.createInsecure()) as unknown as AnyClient));
    return c;
  };
  const outcomeOf = (err: grpc.ServiceError): Outcome => {
    try {
      const status = statusOf(err);
      const info = errorInfoOf(status);
      return { code: err.code, reason: info.reason, message: status.message, metadata: info.metadata };
    } catch {
      return { code: err.code, message: err.details };
    }
  };
  return {
    call(service: string, method: string, request: object, authorization?: string): Promise<Outcome> {
      const metadata = new grpc.Metadata();
      if (authorization !== undefined) metadata.set('authorization', authorization);
      const c = client(service);
      if (method === 'WatchOperation') {
        return new Promise((resolve) => {
          const stream = c[method]!(request, metadata) as grpc.ClientReadableStream<object>;
          stream.once('data', (message: object) => {
            stream.cancel();
            resolve({ code: 0, body: message });
          });
          stream.once('error', (err: grpc.ServiceError) => {
            if (err.code !== grpc.status.CANCELLED) resolve(outcomeOf(err));
          });
          stream.once('end', () => resolve({ code: 0 }));
        });
      }
      return new Promise((resolve) => {
        c[method]!(request, metadata, (err: grpc.ServiceError | null, response: object) => resolve(err ? outcomeOf(err) : { code: 0, body: response }));
      });
    },
    close() {
      for (const c of clients.values()) c.close();
    },
  };
}

export type RawGrpc = ReturnType<typeof createRawGrpc>;
