// The operator's pages in a real browser (Debian's Chromium via playwright-core) against a real daemon
// following a real, throwaway OVN NB loaded with the demo network: the headline counts, the filters (with
// and without JS, kept by the self-refresh), a path turning red after `ovn-nbctl acl-add` without a
// reload, the trace view naming that ACL, the matrix of a group path, the trace form, the NB banner
// when its ovsdb-server is killed and gone when it returns, and /docs working offline.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveDaemon, startLiveDaemon } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { launchBrowser, openTab, screenshot, skipWithoutChromium, type Tab } from './browser.ts';

// The callbacks given to page.evaluate run in the browser; tsconfig has no DOM lib for the Node side.
// biome-ignore lint/suspicious/noExplicitAny: browser globals, typed loosely on purpose
declare const document: any, window: any, getComputedStyle: any;

// One path per status: ok ×3, unmet (web → app 8080 is closed in the demo), error (no such port),
// no_checks (pg_app has one member: only a self-pair), and a group path for the matrix.
const PATHS = `defaults:
  interval: 1h   # only change-driven runs can explain a flip within the test
paths:
  - name: vm1-to-vm2-http
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
    labels: { team: a }
  - name: vm1-to-vm2-ssh
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 22
    expect: blocked
    labels: { team: a }
  - name: violated
    source_port: web-server-port
    destination: app-server-port
    protocol: tcp
    port: 8080
    labels: { team: b }
  - name: typo-port
    source_port: vm1-port
    destination: vm9-port
    protocol: tcp
    port: 80
  - name: self-only
    source_group: pg_app
    destination_group: pg_app
    protocol: tcp
    port: 8080
  - name: web-peers
    source_group: pg_web
    destination_group: pg_web
    protocols: [tcp]
    ports: [80, 443]
    labels: { tier: web }
`;
const ACL = 'block-http-pages';

describe.skipIf(skipWithoutOvn() || skipWithoutChromium())(
  'pages in Chromium on a live NB (real OVN)',
  () => {
    let live: LiveDaemon;
    let browser: Browser;
    let tab: Tab;
    let base: string;
    const page = (): Page => tab.page;

    beforeAll(async () => {
      [live, browser] = await Promise.all([startLiveDaemon({ paths: PATHS }), launchBrowser()]);
      base = live.base;
      tab = await openTab(browser);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await live?.stop();
    });

    const counts = () =>
      page().evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll('.counts a')].map((a) => [
            a.id.replace('count-', ''),
            Number(a.querySelector('.n')!.textContent),
          ]),
        ),
      );
    const rows = () => page().locator('table.paths tbody tr td:first-child').allTextContents();
    const statusOf = (name: string) =>
      page().locator(`table.paths tr:has(a[href="/paths/${name}"]) .badge`).textContent({ timeout: 2000 });

    it('shows the count of paths per status in the headline, as the API counts them', async () => {
      await page().goto(`${base}/?refresh=2`);
      expect(await counts()).toEqual({ ok: 3, unmet: 1, error: 1, no_checks: 1, pending: 0 });
      const api = (await (await fetch(`${base}/api/v1/paths`)).json()) as { paths: { status: string }[] };
      expect(api.paths.filter((p) => p.status === 'ok')).toHaveLength(3);
      // Unmet and erroring first, each with its reason.
      expect((await rows()).slice(0, 2)).toEqual(['violated', 'typo-port']);
      await expect(page().locator('tr:has(a[href="/paths/violated"])').textContent()).resolves.toContain(
        'blocked by',
      );
      await expect(page().locator('tr:has(a[href="/paths/typo-port"])').textContent()).resolves.toContain(
        'vm9-port',
      );
      await expect(page().locator('#fact-source').textContent()).resolves.toBe('live Northbound DB');
      await expect(page().locator('#fact-ovn').textContent()).resolves.toMatch(
        /^OVN \S+ \(NB schema \d+\.\d+\.\d+\)$/,
      );
      // ISO time in the title of every relative time.
      const title = await page().locator('table.paths time').first().getAttribute('title');
      expect(title).toMatch(/^\d{4}-\d\d-\d\dT/);
      await screenshot(page(), 'landing');
    });

    it('filters by status, label and text through the query string, and a refresh keeps the filter', async () => {
      await page().goto(`${base}/?refresh=2`);
      await page().selectOption('select[name=status]', 'error');
      await page().click('form.filters button[type=submit]');
      await page().waitForURL(/status=error/);
      expect(new URL(page().url()).searchParams.get('refresh')).toBe('2');
      expect(await rows()).toEqual(['typo-port']);
      await page().goto(`${base}/?label=team%3Db&refresh=2`);
      expect(await rows()).toEqual(['violated']);
      await page().goto(`${base}/?label=team&refresh=2`);
      expect(await rows()).toEqual(['violated', 'vm1-to-vm2-http', 'vm1-to-vm2-ssh']); // unmet first
      await page().goto(`${base}/?q=PEERS&refresh=2`);
      expect(await rows()).toEqual(['web-peers']);
      await page().goto(`${base}/?status=ok&refresh=2`);
      await page().evaluate(() => delete document.body.dataset.refreshed);
      await page().waitForFunction(() => document.body.dataset.refreshed, null, { timeout: 10_000 });
      expect(new URL(page().url()).search).toBe('?status=ok&refresh=2');
      expect((await rows()).sort()).toEqual(['vm1-to-vm2-http', 'vm1-to-vm2-ssh', 'web-peers']);
      // Without JS the same query string filters, and a meta refresh reloads the same URL.
      const plain = await openTab(browser, { javaScriptEnabled: false });
      await plain.page.goto(`${base}/?status=unmet`);
      expect(await plain.page.locator('table.paths tbody tr td:first-child').allTextContents()).toEqual([
        'violated',
      ]);
      expect(await plain.page.locator('meta[http-equiv=refresh]').getAttribute('content')).toBe('10');
      await plain.context.close();
    });

    it('turns a path red after ovn-nbctl acl-add, without a reload of the page', async () => {
      await page().goto(`${base}/?refresh=2`);
      await page().evaluate(() => {
        (window as unknown as { kept: number }).kept = 42;
      });
      expect(await statusOf('vm1-to-vm2-http')).toBe('ok');
      await live.tb.nbctl(`--name=${ACL}`, 'acl-add', 'ls1', 'from-lport', '3000', 'tcp.dst == 80', 'drop');
      await page().waitForFunction(
        () =>
          document.querySelector('tr:has(a[href="/paths/vm1-to-vm2-http"]) .badge')?.textContent === 'unmet',
        null,
        { timeout: 15_000 },
      );
      expect(await page().evaluate(() => (window as unknown as { kept: number }).kept)).toBe(42); // same document
      await expect(
        page().locator('tr:has(a[href="/paths/vm1-to-vm2-http"])').textContent(),
      ).resolves.toContain(`blocked by ${ACL}`);
      // Why it flipped (issue 19 item 4): the newest transition's cause, the ACL row that was added.
      await expect(
        page().locator('tr:has(a[href="/paths/vm1-to-vm2-http"]) .cause').textContent(),
      ).resolves.toMatch(new RegExp(`NB change: ACL added ${ACL} tcp.dst == 80 on (switch )?ls1`));
      expect(await counts()).toMatchObject({ ok: 2, unmet: 2 });
      await screenshot(page(), 'landing-after-acl-add');
    });

    it('draws the trace of the red path and names the ACL that dropped it', async () => {
      await page().click('a[href="/paths/vm1-to-vm2-http"]');
      await page().waitForURL(/\/paths\/vm1-to-vm2-http$/);
      await expect(page().locator('table.history').textContent()).resolves.toMatch(
        new RegExp(`reachable → blocked.*NB change: ACL added ${ACL}`),
      );
      await expect(page().locator('#verdict').textContent()).resolves.toMatch(
        /^Blocked at hop \d+ \(ls1 ls_in_acl/,
      );
      const drop = page().locator('table.hops tr.drop');
      await expect(drop.textContent()).resolves.toContain(ACL);
      await expect(drop.textContent()).resolves.toContain('switch ls1'); // the ACL's owner
      const header = await page().locator('table.hops th').allTextContents();
      expect(header.slice(0, 4)).toEqual(['#', 'Datapath', 'Stage', 'Type']);
      await page().waitForFunction(() => (window as unknown as { cy?: unknown }).cy, null, { timeout: 5000 });
      const graph = await page().evaluate(() => {
        const cy = (
          window as unknown as {
            cy: {
              nodes(s?: string): {
                length: number;
                map(f: (n: { data(k: string): string }) => string): string[];
              };
            };
          }
        ).cy;
        return {
          datapaths: cy.nodes('.datapath').map((n) => n.data('label')),
          drops: cy.nodes('.drop').map((n) => n.data('label')),
        };
      });
      expect(graph.datapaths).toContain('ls1');
      expect(graph.drops.join()).toContain(ACL);
      await screenshot(page(), 'trace-view');
    });

    it('shows a group path as a matrix of coloured cells, each linking to its trace', async () => {
      await page().goto(`${base}/paths/web-peers`);
      const cells = page().locator('#matrix td[data-state]');
      expect(await cells.count()).toBe(2); // pg_web has two members: two ordered pairs
      expect(await cells.evaluateAll((tds) => tds.map((td) => td.getAttribute('data-state')))).toEqual([
        'ok',
        'ok',
      ]);
      expect(await cells.first().evaluate((td) => getComputedStyle(td).backgroundColor)).toBe(
        'rgb(200, 230, 201)',
      );
      await expect(cells.first().textContent()).resolves.toBe('tcp/80 ✓tcp/443 ✓');
      const src = await cells.last().getAttribute('data-src');
      const dst = await cells.last().getAttribute('data-dst');
      await cells.last().locator('a').click();
      await page().waitForURL(/\?check=\d+$/);
      await expect(page().locator('h2:has-text("Trace:")').textContent()).resolves.toBe(
        `Trace: ${src} → ${dst} tcp/80`,
      );
      await expect(page().locator('#verdict').textContent()).resolves.toBe(`Reached ${dst}`);
      await screenshot(page(), 'matrix');
    });

    it('answers the trace form with POST /api/v1/trace/flow, errors included', async () => {
      await page().goto(`${base}/trace`);
      await page().fill('#f-source_port', 'vm1-port');
      await page().fill('#f-destination_ip', '10.0.0.2');
      await page().selectOption('#f-protocol', 'tcp');
      await page().fill('#f-destination_port_num', '80');
      await page().click('#trace-form button[type=submit]');
      await page().waitForURL(/source_port=vm1-port/);
      await expect(page().locator('table.hops tr.drop').textContent()).resolves.toContain(ACL);
      await screenshot(page(), 'trace-form');
      await page().goto(`${base}/trace?source_port=nope&destination_ip=10.0.0.2`);
      await expect(page().locator('#trace-error').textContent()).resolves.toContain(
        'OVNCP_ERR_SOURCE_PORT_NOT_FOUND',
      );
      await page().goto(`${base}/trace?source_port=vm1-port&destination_port_num=70000`);
      await expect(page().locator('#trace-error').textContent()).resolves.toContain('destination_port_num');
    });

    it('shows a banner while the NB ovsdb-server is down, and drops it when it returns', async () => {
      await page().goto(`${base}/?refresh=2`);
      expect(await page().locator('#banner-nb-disconnected').count()).toBe(0);
      live.killDb('nb', 'SIGKILL');
      await page().waitForSelector('#banner-nb-disconnected', { timeout: 15_000 });
      await expect(page().locator('#banner-nb-disconnected').textContent()).resolves.toMatch(
        /Northbound DB disconnected.*last good topology, updated \d+ (s|min) ago/,
      );
      await screenshot(page(), 'landing-nb-down');
      await live.restartDb('nb');
      await page().waitForSelector('#banner-nb-disconnected', { state: 'detached', timeout: 25_000 });
    });

    it('serves interactive API docs at /docs from the same OpenAPI document, offline', async () => {
      await page().goto(`${base}/docs`);
      await page().waitForSelector('.opblock', { timeout: 15_000 });
      const ops = await page().locator('.opblock-summary-path').allTextContents();
      expect(ops).toContain('/api/v1/trace/flow');
      expect(ops).toContain('/api/v1/paths');
    });

    it('asked for nothing outside the daemon and threw no script error', () => {
      const outside = tab.requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
      expect(outside).toEqual([]);
      expect(tab.errors).toEqual([]);
    });
  },
);
