// With tokens, the pages follow the API's access rules in a real browser: a page without a token is a
// 401 with a login form; the token typed there is kept in sessionStorage and sent as a header (never
// in a URL), so the pages, their links, the trace form and /docs work; a wrong token is refused; with
// JavaScript off the 401 page explains itself. Static assets stay open (a <script src> has no header).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { launchBrowser, openTab, screenshot, skipWithoutChromium } from './browser.ts';

// biome-ignore lint/suspicious/noExplicitAny: browser globals for page.evaluate callbacks
declare const sessionStorage: any, document: any;

const TOKEN = 'pages-test-token-0123456789';
const PATHS = `paths:
  - name: vm1-to-vm2-http
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
`;

describe('pages with tokens configured (HTTP)', () => {
  let d: Daemon;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovncp-pages-auth-'));
    writeFileSync(join(dir, 'paths.yaml'), PATHS);
    writeFileSync(join(dir, 'ovncp.yaml'), `web:\n  tokens_file: tokens.yaml\n`);
    writeFileSync(join(dir, 'tokens.yaml'), `tokens:\n  - { user: alice, token: ${TOKEN} }\n`);
    const settings = resolveSettings(
      {
        'config.file': join(dir, 'ovncp.yaml'),
        'paths.file': join(dir, 'paths.yaml'),
        'web.listen-address': '127.0.0.1:0',
      },
      {},
    );
    d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    await d.start();
    base = `http://${d.address()}`;
  });

  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await d?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers a page without a token 401: HTML for a browser, the API error body for a script', async () => {
    for (const url of ['/', '/paths/vm1-to-vm2-http', '/trace', '/docs', '/docs/json']) {
      const html = await fetch(base + url, { headers: { accept: 'text/html' } });
      expect(html.status, url).toBe(401);
      expect(await html.text()).toContain('id="login-form"');
      const json = await fetch(base + url);
      expect(json.status, url).toBe(401);
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('OVNCP_ERR_UNAUTHORIZED');
    }
    const ok = await fetch(`${base}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    // Assets carry no data and a <script src> cannot send a header: open. Unknown asset URLs still need a token.
    for (const [url, status] of [
      ['/pages/assets/pages.js', 200],
      ['/pages/assets/cytoscape.min.js', 200],
      ['/docs/static/swagger-ui-bundle.js', 200],
      ['/pages/assets/nope.js', 401],
    ] as const) {
      const res = await fetch(base + url);
      await res.arrayBuffer(); // read it all: an unread big body keeps the connection busy at shutdown
      expect(res.status, url).toBe(status);
    }
  });

  describe.skipIf(skipWithoutChromium())('in Chromium', () => {
    const chromium = async (): Promise<Browser> => (browser ??= await launchBrowser());

    it('signs in with a token kept in sessionStorage and sent as a header, never in a URL', async () => {
      const tab = await openTab(await chromium());
      const { page } = tab;
      const res = await page.goto(`${base}/`);
      expect(res?.status()).toBe(401);
      await page.waitForSelector('#login-form:not([hidden])');
      await screenshot(page, 'login');
      await page.fill('#login-token', 'wrong-token-wrong-token');
      await page.click('#login-submit');
      await page.waitForFunction(() => document.getElementById('login-error')?.textContent !== '');
      await expect(page.locator('#login-error').textContent()).resolves.toBe('That token was refused.');
      await page.fill('#login-token', TOKEN);
      await page.click('#login-submit');
      await page.waitForSelector('#headline');
      await expect(page.locator('#headline').textContent()).resolves.toContain('Paths: 1 configured');
      expect(await page.evaluate(() => sessionStorage.getItem('ovncp-token'))).toBe(TOKEN);
      // Links work: each page is fetched again with the header.
      await page.click('a[href="/paths/vm1-to-vm2-http"]');
      await page.waitForSelector('#verdict');
      await expect(page.locator('#verdict').textContent()).resolves.toBe('Reached vm2-port');
      await page.goto(
        `${base}/trace?source_port=vm1-port&destination_ip=10.0.0.2&protocol=tcp&destination_port_num=22`,
      );
      await page.waitForSelector('#verdict');
      await expect(page.locator('#verdict').textContent()).resolves.toMatch(/^Blocked/);
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock', { timeout: 15_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
      expect(tab.requests.filter((u) => u.includes(TOKEN))).toEqual([]);
      expect(tab.requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([]);
      expect(tab.errors).toEqual([]);
      await tab.context.close();
    });

    it('explains the 401 without JavaScript', async () => {
      const tab = await openTab(await chromium(), { javaScriptEnabled: false });
      await tab.page.goto(`${base}/`);
      const text = await tab.page.locator('#noscript-401').textContent();
      expect(text).toContain('401: this ovncp-monitor needs an API token');
      expect(text).toContain('Authorization: Bearer TOKEN');
      expect(await tab.page.locator('#login-form').isVisible()).toBe(false);
      await screenshot(tab.page, 'login-no-js');
      await tab.context.close();
    });
  });
});
