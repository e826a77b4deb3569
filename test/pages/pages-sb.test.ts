// The landing page with a live Southbound (issue 20 item 1): while the SB ovsdb-server is down the page
// says so, and says that the engine answering traces (lflow, reading the SB) works from what it last read;
// both banners go when the SB is back. Plain HTTP (the banners are server-rendered), real OVN.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveDaemon, startLiveDaemon, until } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';

const PATHS = `paths:
  - name: web
    source_port: vm1-port
    destination: web-server-port
    protocol: tcp
    ports: [80]
`;

async function landing(base: string): Promise<string> {
  const r = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
  expect(r.status).toBe(200);
  return r.text();
}

describe.skipIf(skipWithoutOvn())('landing page with a live Southbound', () => {
  let live: LiveDaemon;
  let base: string;

  beforeAll(async () => {
    live = await startLiveDaemon({ paths: PATHS, sb: true });
    base = live.base;
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('shows the SB and engine banners while the SB is down, and drops them when it returns', async () => {
    const before = await landing(base);
    expect(before).not.toContain('banner-sb-disconnected');
    expect(before).not.toContain('banner-engine-stale');
    live.killDb('sb', 'SIGKILL');
    await until(
      'SB banner',
      async () => (await landing(base)).includes('banner-sb-disconnected'),
      15_000,
      100,
    );
    const down = await landing(base);
    expect(down).toContain('Southbound DB disconnected');
    expect(down).toMatch(/banner-engine-stale[\s\S]*the lflow engine traces on the Southbound it last read/);
    await live.restartDb('sb');
    await until(
      'no SB banner',
      async () => !(await landing(base)).includes('banner-sb-disconnected'),
      25_000,
      100,
    );
    expect(await landing(base)).not.toContain('banner-engine-stale');
  }, 60_000);
});
