/**
 * `--jwks` with RS256 and ES256 keys: a file with two keys (rotation by kid, and a rotated file read again
 * without a restart), algorithm confusion and `alg: none` refused, and a JWKS URL served by a local HTTP
 * server that then goes down: the keys already fetched keep working; a token whose kid no cached key has
 * gets UNAVAILABLE (and the log says why) until the URL answers again.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/app.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/temp-dir.js';
import {
  READ,
  badSignature,
  captureLogs,
  createRawGrpc,
  expectNoTokenIn,
  hsToken,
  httpCall,
  keyToken,
  remember,
  signingKey,
  startAuthServer,
  unsignedToken,
  type AuthServer,
  type Outcome,
  type SigningKey,
} from './auth-fixtures.js';

const dir = tempDir();
let rsa: SigningKey;
let ec: SigningKey;
let next: SigningKey;

beforeAll(async () => {
  [rsa, ec, next] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('ES256', 'ec-2')]);
});

afterAll(() => dir.cleanup());

const jwks = (...keys: SigningKey[]) => JSON.stringify({ keys: keys.map((k) => k.jwk) });

/** ListKinds (a read) over both transports: both answers. */
async function readBoth(t: AuthServer, token: string): Promise<[Outcome, Outcome]> {
  const rpc = createRawGrpc(t.grpcAddress);
  try {
    return [await rpc.call('lro.v1.Kinds', 'ListKinds', {}, `Bearer ${token}`), await httpCall(t.http, 'GET', '/v1/kinds', `Bearer ${token}`)];
  } finally {
    rpc.close();
  }
}

const summary = (outcomes: Outcome[]) => outcomes.map((o) => ({ code: o.code, reason: o.reason }));
const ok = [{ code: 0, reason: undefined }, { code: 0, reason: undefined }];
const refused = (code: number, reason: string) => [
  { code, reason },
  { code, reason },
];

describe('a JWKS file with two keys', () => {
  let t: AuthServer;
  const file = dir.file('jwks.json');

  beforeAll(async () => {
    writeFileSync(file, jwks(rsa, ec));
    t = await startAuthServer({ jwks: file });
  });
  afterAll(() => t?.close());

  it('accepts tokens signed by either key (RS256 and ES256), chosen by kid, on both transports', async () => {
    expect(summary(await readBoth(t, await keyToken(rsa, { scope: READ })))).toEqual(ok);
    expect(summary(await readBoth(t, await keyToken(ec, { scope: READ })))).toEqual(ok);
    // Without a kid, the key that fits the algorithm still verifies it.
    expect(summary(await readBoth(t, await keyToken(rsa, { scope: READ }, null)))).toEqual(ok);
  });

  it('refuses a kid it does not have, a key that does not match its kid, and a bad signature', async () => {
    const INVALID = refused(grpc.status.UNAUTHENTICATED, 'TOKEN_INVALID');
    expect(summary(await readBoth(t, await keyToken(next, { scope: READ })))).toEqual(INVALID);
    // Signed by ec-2 but claiming to be ec-1.
    expect(summary(await readBoth(t, await keyToken(next, { scope: READ }, 'ec-1')))).toEqual(INVALID);
    expect(summary(await readBoth(t, badSignature(await keyToken(rsa, { scope: READ }))))).toEqual(INVALID);
  });

  it('refuses algorithm confusion: an HS256 token, even one whose secret is the public key itself', async () => {
    const INVALID = refused(grpc.status.UNAUTHENTICATED, 'TOKEN_INVALID');
    expect(summary(await readBoth(t, await hsToken({ scope: READ })))).toEqual(INVALID);
    for (const secret of [JSON.stringify(rsa.jwk), rsa.jwk.n!, JSON.stringify(ec.jwk)]) {
      const confused = remember(
        await new SignJWT({ sub: 'mallory', scope: READ, iss: 'https://issuer.test', aud: 'lro-test' })
          .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(secret)),
      );
      expect(summary(await readBoth(t, confused))).toEqual(INVALID);
    }
    expect(summary(await readBoth(t, unsignedToken({ scope: READ })))).toEqual(INVALID);
  });

  it('rotation: a new file (ec-2 added, rsa-1 gone) is read again when an unknown kid comes, without a restart', async () => {
    writeFileSync(file, jwks(ec, next));
    const nextToken = await keyToken(next, { scope: READ });
    await eventually(async () => summary(await readBoth(t, nextToken))[0]!.code === 0);
    expect(summary(await readBoth(t, nextToken))).toEqual(ok);
    expect(summary(await readBoth(t, await keyToken(ec, { scope: READ })))).toEqual(ok);
    expect(summary(await readBoth(t, await keyToken(rsa, { scope: READ })))).toEqual(refused(grpc.status.UNAUTHENTICATED, 'TOKEN_INVALID'));
  });

  it('logs no token', () => {
    expectNoTokenIn(t.logs.text());
  });
});

describe('a JWKS file that cannot be read', () => {
  it('stops the server from starting, naming --jwks', async () => {
    for (const [path, content] of [
      [dir.file('missing.json'), undefined],
      [dir.file('not-json.json'), 'nope'],
      [dir.file('no-keys.json'), '{"keys":[]}'],
    ] as const) {
      if (content !== undefined) writeFileSync(path, content);
      const server = createServer({ httpPort: 0, grpcPort: 0, store: 'sqlite::memory:', auth: 'jwt', jwks: path, logger: captureLogs().logger });
      await expect(server.listen()).rejects.toThrow(/--jwks/);
    }
  });
});

/** A JWKS served over HTTP on a fixed port, which a test can stop and start again. */
function jwksServer(initial: string) {
  let body = initial;
  let server: Server | undefined;
  let port = 0;
  let hits = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = createHttpServer((_req, res) => {
        hits++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  return {
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        server!.closeAllConnections();
      }),
    set(text: string) {
      body = text;
    },
    url: () => `http://127.0.0.1:${port}/.well-known/jwks.json?key=shh`,
    hits: () => hits,
  };
}

describe('a JWKS URL that goes down', () => {
  let t: AuthServer;
  const keys = jwksServer('');

  beforeAll(async () => {
    keys.set(jwks(rsa, ec));
    await keys.start();
    t = await startAuthServer({ jwks: keys.url() });
  });
  afterAll(async () => {
    await t?.close();
    await keys.stop().catch(() => {});
  });

  it('fetches the keys at start-up and verifies with them', async () => {
    expect(keys.hits()).toBe(1);
    expect(summary(await readBoth(t, await keyToken(rsa, { scope: READ })))).toEqual(ok);
    expect(summary(await readBoth(t, await keyToken(ec, { scope: READ })))).toEqual(ok);
  });

  it('while it is down: cached keys keep working; an unknown kid is UNAVAILABLE, with a log line', async () => {
    await keys.stop();
    expect(summary(await readBoth(t, await keyToken(rsa, { scope: READ })))).toEqual(ok);
    const unknown = await keyToken(next, { scope: READ });
    const [overGrpc, overHttp] = await readBoth(t, unknown);
    expect(summary([overGrpc, overHttp])).toEqual(refused(grpc.status.UNAVAILABLE, 'JWKS_UNAVAILABLE'));
    expect(overHttp.httpStatus).toBe(503);
    expect(overHttp.challenge).toBeNull();
    const line = t.logs.lines().find((l) => l.msg === 'the JWKS could not be loaded; the keys loaded before stay in use');
    expect(line).toMatchObject({ jwks: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/), cachedKeys: true });
    // The URL's query (it may hold a credential) is not logged.
    expect(t.logs.text()).not.toContain('shh');
    // And the cached keys still work after the failed fetch.
    expect(summary(await readBoth(t, await keyToken(ec, { scope: READ })))).toEqual(ok);
  });

  it('once it answers again with the new key, the new kid verifies', async () => {
    keys.set(jwks(rsa, ec, next));
    await keys.start();
    const token = await keyToken(next, { scope: READ });
    expect(summary(await readBoth(t, token))).toEqual(ok);
  });

  it('logs no token', () => {
    expectNoTokenIn(t.logs.text());
  });
});

describe('a JWKS URL that is down at start-up', () => {
  it('the server starts; tokens are UNAVAILABLE until the keys can be fetched', async () => {
    const keys = jwksServer(jwks(rsa));
    await keys.start();
    const url = keys.url();
    await keys.stop();
    const t = await startAuthServer({ jwks: url });
    try {
      const token = await keyToken(rsa, { scope: READ });
      expect(summary(await readBoth(t, token))).toEqual(refused(grpc.status.UNAVAILABLE, 'JWKS_UNAVAILABLE'));
      await keys.start();
      await eventually(async () => summary(await readBoth(t, token))[0]!.code === 0);
      expect(summary(await readBoth(t, token))).toEqual(ok);
    } finally {
      await t.close();
      await keys.stop();
    }
  });
});
