/**
 * The web console in a real browser (Debian's chromium through playwright-core) against a real server:
 * one browser and one page for the file, each test working on operations of its own. Waiting is
 * playwright's (locators that wait for a state, with a timeout), never a sleep.
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, operationRow, UI_TIMEOUT, waitForText } from '../helpers/chromium.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface Operation {
  name: string;
  done?: boolean;
  metadata: { state: string; kind: string };
}

describe.skipIf(!chromiumAvailable())('the web console', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const requests: Request[] = [];
  const pageErrors: string[] = [];
  let maxOpenWatches = 0;

  async function post(path: string, body: unknown): Promise<Operation> {
    const res = await fetch(`${t.http}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    return (await res.json()) as Operation;
  }

  const waitDone = (name: string) => post(`/v1/${name}:wait`, { timeout: '10s' });

  /** Starts an operation with the console's form; resolves with what the server answered. */
  async function startFromForm(kind: string, input: object, labels = ''): Promise<Operation> {
    await page.getByTestId('start-kind').selectOption(`kinds/${kind}`);
    await page.getByTestId('start-input').fill(JSON.stringify(input));
    await page.getByTestId('start-labels').fill(labels);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/v1/kinds/${kind}:start`)),
      page.getByTestId('start-submit').click(),
    ]);
    expect(response.status()).toBe(200);
    return (await response.json()) as Operation;
  }

  /** There is at least one row, and every row's `cell` reads `value`. */
  async function everyRowShows(cell: string, value: string): Promise<void> {
    const texts = await page.locator(`[data-testid="operation-row"] ${cell}`).allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    expect(new Set(texts)).toEqual(new Set([value]));
  }

  beforeAll(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // How many :watch streams were open at once, at most.
    const openWatches = new Set<Request>();
    const closed = (r: Request) => openWatches.delete(r);
    page.on('request', (r) => {
      if (r.url().endsWith(':watch')) openWatches.add(r);
      maxOpenWatches = Math.max(maxOpenWatches, openWatches.size);
    });
    page.on('requestfinished', closed);
    page.on('requestfailed', closed);
    await page.goto(`${t.http}/console`);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads and lists the operations there are, writing user data as text only', async () => {
    // A label value that would run script if the console wrote it as HTML.
    const xss = '<img src=x onerror="window.__xss=1">';
    const existing = await post('/v1/kinds/demo.sleep:start', { input: { seconds: 0.05, steps: 1 }, labels: { note: xss } });
    await waitDone(existing.name);

    await page.reload();
    const row = operationRow(page, existing.name);
    await waitForText(row.getByTestId('operation-state'), 'SUCCEEDED');
    await expect(row.getByTestId('operation-progress').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(row.locator('.chip').textContent()).resolves.toBe(`note=${xss}`);
    expect(await row.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
    // The kind select is filled from ListKinds.
    expect(await page.getByTestId('start-kind').locator('option').allTextContents()).toEqual(['demo.fail', 'demo.hash', 'demo.purge', 'demo.sleep']);
    // Only the public API: every call the page made is the page itself or /v1/….
    const paths = requests.map((r) => new URL(r.url()).pathname);
    expect(paths.filter((p) => !p.startsWith('/console') && !p.startsWith('/v1/'))).toEqual([]);
    expect(await row.getByTestId('error-reason').count()).toBe(0);

    // A failed one: its reason in the row; its code, message and reason in the detail view.
    const failed = await post('/v1/kinds/demo.fail:start', { input: { code: 5, message: 'no such <bucket>' } });
    await waitDone(failed.name);
    await page.getByTestId('filter-apply').click(); // lists now, rather than at the next poll
    const failedRow = operationRow(page, failed.name);
    await waitForText(failedRow.getByTestId('operation-state'), 'FAILED');
    await waitForText(failedRow.getByTestId('error-reason'), 'DEMO_FAILURE');
    await failedRow.getByTestId('operation-state').click();
    await page.getByTestId('detail').filter({ hasText: 'no such <bucket>' }).waitFor({ timeout: UI_TIMEOUT });
    const detail = await page.getByTestId('detail').textContent();
    expect(detail).toContain('5 NOT_FOUND');
    expect(detail).toContain('DEMO_FAILURE');
    expect(pageErrors).toEqual([]);
  });

  it('starts demo.sleep from the form: a row appears whose state and progress update live (over :watch)', async () => {
    await page.evaluate(() => ((globalThis as any).__same = true));
    const started = await startFromForm('demo.sleep', { seconds: 2, steps: 4 }, 'team=ui');
    const row = operationRow(page, started.name);
    await row.waitFor({ timeout: UI_TIMEOUT });
    await waitForText(row.getByTestId('operation-state'), 'RUNNING');
    // A progress between the ends: shown while it runs, not only at the end.
    await page.waitForFunction(
      (name) => {
        const bar = (globalThis as any).document.querySelector(`[data-testid="operation-row"][data-name="${name}"] [data-testid="operation-progress"]`);
        const value = Number(bar?.getAttribute('aria-valuenow'));
        return value > 0 && value < 100;
      },
      started.name,
      { timeout: UI_TIMEOUT },
    );
    await waitForText(row.getByTestId('operation-state'), 'SUCCEEDED');
    await row.locator('[data-testid="operation-progress"][aria-valuenow="100"]').waitFor({ timeout: UI_TIMEOUT });
    // The detail view (opened by the start) shows the result.
    await page.getByTestId('detail-result').filter({ hasText: '"slept"' }).waitFor({ timeout: UI_TIMEOUT });
    // Same page, no reload; and the updates came over the operation's watch stream.
    expect(await page.evaluate(() => (globalThis as any).__same)).toBe(true);
    const id = started.name.slice('operations/'.length);
    expect(requests.some((r) => r.url().endsWith(`/v1/operations/${id}:watch`))).toBe(true);
  });

  it('Cancel on a running demo.sleep ends it CANCELLED and shows the reason CANCELLED_WHILE_RUNNING', async () => {
    const started = await startFromForm('demo.sleep', { seconds: 60, steps: 60 });
    const row = operationRow(page, started.name);
    await waitForText(row.getByTestId('operation-state'), 'RUNNING');
    await row.getByTestId('cancel-button').click();
    await waitForText(row.getByTestId('operation-state'), 'CANCELLED');
    await waitForText(row.getByTestId('error-reason'), 'CANCELLED_WHILE_RUNNING');
    await row.locator('[data-testid="cancel-button"]:disabled').waitFor({ timeout: UI_TIMEOUT });
    await row.locator('[data-testid="delete-button"]:enabled').waitFor({ timeout: UI_TIMEOUT });
    const stored = (await (await fetch(`${t.http}/v1/${started.name}`)).json()) as Operation & { error: { code: number } };
    expect(stored.metadata.state).toBe('CANCELLED');
    expect(stored.error.code).toBe(1);
  });

  it('disables Cancel for demo.purge, saying why', async () => {
    const started = await startFromForm('demo.purge', { seconds: 0.5 });
    const cancel = operationRow(page, started.name).getByTestId('cancel-button');
    await cancel.and(page.locator(':disabled')).waitFor({ timeout: UI_TIMEOUT });
    expect(await cancel.getAttribute('title')).toContain('cannot be cancelled');
    await waitDone(started.name); // the server's close waits for work that cannot be cancelled
  });

  it('Delete removes a done operation (and is disabled until it is done)', async () => {
    const started = await startFromForm('demo.sleep', { seconds: 0.3, steps: 1 });
    const row = operationRow(page, started.name);
    await waitForText(row.getByTestId('operation-state'), 'SUCCEEDED');
    await row.getByTestId('delete-button').click();
    await row.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect((await fetch(`${t.http}/v1/${started.name}`)).status).toBe(404);

    const running = await startFromForm('demo.sleep', { seconds: 60, steps: 60 });
    const del = operationRow(page, running.name).getByTestId('delete-button');
    await del.and(page.locator(':disabled')).waitFor({ timeout: UI_TIMEOUT });
    expect(await del.getAttribute('title')).toContain('only a done operation');
    await post(`/v1/${running.name}:cancel`, {});
  });

  it('with more running operations than a browser has connections, the list, the watches and the buttons keep working', async () => {
    // Chromium opens six HTTP/1.1 connections to a server: a watch stream per operation would starve the other calls.
    const many: Operation[] = [];
    for (let i = 0; i < 8; i++) many.push(await post('/v1/kinds/demo.sleep:start', { input: { seconds: 60, steps: 60 }, labels: { batch: 'many' } }));
    await page.getByTestId('filter-label').fill('batch=many');
    await page.getByTestId('filter-apply').click();
    for (const op of many) await waitForText(operationRow(page, op.name).getByTestId('operation-state'), 'RUNNING');
    const oldest = operationRow(page, many[0]!.name);
    await oldest.getByTestId('cancel-button').click();
    await waitForText(oldest.getByTestId('operation-state'), 'CANCELLED');
    await waitForText(oldest.getByTestId('error-reason'), 'CANCELLED_WHILE_RUNNING');
    await post('/v1/operations:batchCancel', { filter: 'metadata.labels.batch = "many"' });
    for (const op of many) await waitForText(operationRow(page, op.name).getByTestId('operation-state'), 'CANCELLED');
    await page.getByTestId('filter-clear').click();
    // Several streams, never one per operation (the count is the browser's view: a stream the page has just
    // aborted for another may still count for a moment, hence not exactly the console's limit of four).
    expect(maxOpenWatches).toBeGreaterThan(1);
    expect(maxOpenWatches).toBeLessThan(many.length);
  });

  it('filters by label, kind and state: the list narrows to the matches (an AIP-160 filter)', async () => {
    const a = await post('/v1/kinds/demo.sleep:start', { input: { seconds: 0.05, steps: 1 }, labels: { shard: 'a "quoted"' } });
    const b = await post('/v1/kinds/demo.sleep:start', { input: { seconds: 0.05, steps: 1 }, labels: { shard: 'b' } });
    const purge = await post('/v1/kinds/demo.purge:start', { input: { seconds: 0.05 } });
    const cancelled = await post('/v1/kinds/demo.sleep:start', { input: { seconds: 60, steps: 60 } });
    await post(`/v1/${cancelled.name}:cancel`, {});
    await Promise.all([a, b, purge, cancelled].map((op) => waitDone(op.name)));
    // Both listed before narrowing (Apply lists at once; the list is also polled).
    await page.getByTestId('filter-apply').click();
    await operationRow(page, a.name).waitFor({ timeout: UI_TIMEOUT });
    await operationRow(page, b.name).waitFor({ timeout: UI_TIMEOUT });

    await page.getByTestId('filter-label').fill('shard=a "quoted"');
    await page.getByTestId('filter-apply').click();
    await operationRow(page, b.name).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await waitForText(page.getByTestId('filter-text'), 'metadata.labels.shard = "a \\"quoted\\""');
    expect(await page.getByTestId('operation-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))).toEqual([a.name]);

    await page.getByTestId('filter-clear').click();
    await operationRow(page, b.name).waitFor({ timeout: UI_TIMEOUT });

    await page.getByTestId('filter-kind').selectOption('kinds/demo.purge');
    await waitForText(page.getByTestId('filter-text'), 'metadata.kind = "kinds/demo.purge"');
    await operationRow(page, a.name).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await operationRow(page, purge.name).waitFor({ timeout: UI_TIMEOUT });
    await everyRowShows('td.kind', 'demo.purge');

    await page.getByTestId('filter-kind').selectOption('');
    await page.getByTestId('filter-state').selectOption('CANCELLED');
    await waitForText(page.getByTestId('filter-text'), 'metadata.state = "CANCELLED"');
    await operationRow(page, a.name).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await operationRow(page, cancelled.name).waitFor({ timeout: UI_TIMEOUT });
    await everyRowShows('[data-testid="operation-state"]', 'CANCELLED');
    // The filters are in the URL: a reload keeps them.
    expect(new URL(page.url()).searchParams.get('state')).toBe('CANCELLED');
    await page.reload();
    await waitForText(page.getByTestId('filter-text'), 'metadata.state = "CANCELLED"');
    await page.getByTestId('operation-row').first().waitFor({ timeout: UI_TIMEOUT });
    await everyRowShows('[data-testid="operation-state"]', 'CANCELLED');

    await page.getByTestId('filter-clear').click();
    await operationRow(page, a.name).waitFor({ timeout: UI_TIMEOUT });
    expect(pageErrors).toEqual([]);
  });
});
