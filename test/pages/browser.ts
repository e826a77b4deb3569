// Debian's Chromium driven by playwright-core for the page tests: one browser per test file, the same
// skip rule as OVN (skipped locally without it, a failure under CI), screenshots kept as test artifacts
// under test-artifacts/pages/ (gitignored), and a log of every URL the pages asked for (the pages must
// work offline: nothing may leave the daemon's host).

import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.OVNCP_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../test-artifacts/pages/', import.meta.url);

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** For `describe.skipIf(skipWithoutChromium())`: under CI a missing Chromium fails the run. */
export function skipWithoutChromium(): boolean {
  if (chromiumAvailable()) return false;
  if (process.env.CI)
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; CI must install it (apt-get install chromium)`,
    );
  return true;
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: tests run as root in containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL requested, in order. */
  readonly requests: string[];
  /** Errors thrown by page scripts. */
  readonly errors: string[];
}

export async function openTab(browser: Browser, opts: { javaScriptEnabled?: boolean } = {}): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, requests, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
}
