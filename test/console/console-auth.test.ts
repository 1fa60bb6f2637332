/**
 * The console with `--auth jwt`: the page loads without a token and asks for one at the first 401; a token
 * that is refused makes it ask again with the server's reason; a valid one is kept in sessionStorage and
 * sent as `Authorization: Bearer` with every call, the `:watch` streams included (read with fetch, since
 * EventSource cannot send headers).
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, operationRow, UI_TIMEOUT, waitForText } from '../helpers/chromium.js';
import { READ, WRITE, hsToken, startAuthServer, type AuthServer } from '../security/auth-fixtures.js';

describe.skipIf(!chromiumAvailable())('the web console with auth on', () => {
  let t: AuthServer;
  let browser: Browser;
  let page: Page;
  const requests: Request[] = [];

  async function enterToken(token: string): Promise<void> {
    await page.getByTestId('token-dialog').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-submit').click();
  }

  beforeAll(async () => {
    t = await startAuthServer();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r));
    await page.goto(`${t.http}/console`);
  });

  /** The page as it loads with this token already in the tab's sessionStorage. */
  async function reloadWith(token: string): Promise<void> {
    await page.evaluate((value) => (globalThis as any).sessionStorage.setItem('lro.console.token', value), token);
    await page.reload();
  }

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a token, asks again when it is refused, and works with a valid one (watch streams included)', async () => {
    await waitForText(page.getByTestId('token-why'), 'This server needs a bearer token.');

    await enterToken('not.a-valid.token');
    await page.getByTestId('token-why').filter({ hasText: 'The token was refused: The bearer token is not valid' }).waitFor({ timeout: UI_TIMEOUT });

    const token = await hsToken({ sub: 'console-user', scope: WRITE });
    await enterToken(token);
    await page.getByTestId('token-dialog').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.getByTestId('start-kind').locator('option[value="kinds/demo.sleep"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT });
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('lro.console.token'))).toBe(token);

    await page.getByTestId('start-kind').selectOption('kinds/demo.sleep');
    await page.getByTestId('start-input').fill('{"seconds": 1, "steps": 2}');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/kinds/demo.sleep:start')),
      page.getByTestId('start-submit').click(),
    ]);
    const { name } = (await response.json()) as { name: string };
    const row = operationRow(page, name);
    await waitForText(row.getByTestId('operation-state'), 'SUCCEEDED');

    const id = name.slice('operations/'.length);
    const watches = requests.filter((r) => r.url().endsWith(`/v1/operations/${id}:watch`));
    expect(watches.length).toBeGreaterThan(0);
    for (const r of watches) expect(await r.headerValue('authorization')).toBe(`Bearer ${token}`);
    // Every API call after the token was given carried it.
    const afterToken = requests.slice(requests.findIndex((r) => r.url().endsWith(':start')));
    for (const r of afterToken.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'))) {
      expect(await r.headerValue('authorization')).toBe(`Bearer ${token}`);
    }
  });

  it('a token that stops working (expired) makes it ask again, with the reason', async () => {
    const expired = await hsToken({ sub: 'console-user', scope: WRITE, expiresIn: -3600 });
    await reloadWith(expired);
    await page.getByTestId('token-why').filter({ hasText: 'The bearer token has expired.' }).waitFor({ timeout: UI_TIMEOUT });
    await enterToken(await hsToken({ sub: 'console-user', scope: WRITE }));
    // The same principal's operations are listed again.
    await page.getByTestId('operation-row').first().waitFor({ timeout: UI_TIMEOUT });
  });

  it('a read-only token lists, but a start shows the refusal (PERMISSION_DENIED) instead of asking again', async () => {
    await reloadWith(await hsToken({ sub: 'console-user', scope: WRITE }));
    await page.getByTestId('change-token').click();
    await enterToken(await hsToken({ sub: 'console-user', scope: READ }));
    await page.getByTestId('token-dialog').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.getByTestId('start-input').fill('{}');
    await page.getByTestId('start-submit').click();
    await page.getByTestId('start-error').filter({ hasText: 'PERMISSION_DENIED' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('token-dialog').isVisible()).toBe(false);
  });
});
