/**
 * Debian's chromium, driven by playwright-core, for the console's browser tests (LRO_TEST_CHROMIUM names
 * another binary). When it is missing: under CI (see ci.ts) the tests FAIL — `.ci/run` installs it
 * (`need_apt chromium`), so a CI run never passes by skipping; elsewhere they are skipped with a loud warning.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { isCi } from './ci.js';

export const CHROMIUM = process.env.LRO_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Use as `describe.skipIf(!chromiumAvailable())(…)`; throws under CI when chromium is missing. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `chromium is not at ${CHROMIUM}`;
  if (isCi()) throw new Error(`${message}. CI=${process.env.CI}: the console's browser tests must run, so this is a failure.`);
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING the console's browser tests: ${message}.\n!! Install it (apt-get install chromium) or set LRO_TEST_CHROMIUM.\n${'!'.repeat(78)}\n`,
  );
  return false;
}

/** Headless; as root, chromium runs only without its sandbox. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** How long a browser expectation waits (playwright's auto-waiting), generous for two busy cores. */
export const UI_TIMEOUT = 15_000;

/** The console's row of one operation. */
export const operationRow = (page: Page, name: string): Locator => page.locator(`[data-testid="operation-row"][data-name="${name}"]`);

/** Waits until the locator's text is exactly `text`. */
export function waitForText(locator: Locator, text: string, timeout = UI_TIMEOUT): Promise<void> {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return locator.filter({ hasText: exact }).waitFor({ timeout });
}
