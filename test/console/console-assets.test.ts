/**
 * What the server sends for the console, without a browser: the page and its two files with their content
 * types and a strict Content-Security-Policy (no inline script to allow), `/console/` sent to `/console`,
 * anything else under /console the API's own 404, and the page public even with auth on (it holds no data:
 * the API calls it makes are what need a token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startAuthServer } from '../security/auth-fixtures.js';

describe('the console files', () => {
  let t: TestServer;
  let authed: TestServer;
  beforeAll(async () => {
    [t, authed] = await Promise.all([startTestServer(), startAuthServer()]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), authed?.close()]);
  });

  it.each([
    ['/console', 'text/html; charset=utf-8'],
    ['/console/console.js', 'text/javascript; charset=utf-8'],
    ['/console/console.css', 'text/css; charset=utf-8'],
  ])('%s is %s, with a strict CSP', async (path, type) => {
    const res = await fetch(`${t.http}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await res.text()).length).toBeGreaterThan(100);
  });

  it('the page has no inline script or event handler attribute (the CSP would block them)', async () => {
    const html = await (await fetch(`${t.http}/console`)).text();
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="/);
    expect(html).not.toMatch(/<script\b[^>]*>\s*[^<\s]/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  it('HEAD works; /console/ redirects to /console; other paths under /console are the API 404', async () => {
    const head = await fetch(`${t.http}/console`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const slash = await fetch(`${t.http}/console/`, { redirect: 'manual' });
    expect(slash.status).toBe(308);
    expect(new URL(slash.headers.get('location')!, `${t.http}/console/`).pathname).toBe('/console');
    const followed = await fetch(`${t.http}/console/`);
    expect(followed.url).toBe(`${t.http}/console`);
    const missing = await fetch(`${t.http}/console/secret.txt`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
  });

  it('with auth on, the page and its files are public while the API asks for a token', async () => {
    for (const path of ['/console', '/console/console.js', '/console/console.css']) {
      expect((await fetch(`${authed.http}${path}`)).status).toBe(200);
    }
    const kinds = await fetch(`${authed.http}/v1/kinds`);
    expect(kinds.status).toBe(401);
    expect(kinds.headers.get('www-authenticate')).toBe('Bearer');
  });
});
