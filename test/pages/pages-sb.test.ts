// The landing page with a live Southbound (issue 20 item 1): while the SB ovsdb-server is down the page
// says so, and says that the engine answering traces (lflow, reading the SB) works from what it last read;
// both banners go when the SB is back. Plain HTTP (the banners are server-rendered), real OVN.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createLogger } from '../../src/log.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const run = promisify(execFile);

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

async function until(f: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipWithoutOvn())('landing page with a live Southbound', () => {
  let tb: OvnTestbed;
  let d: Daemon;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    tb = await startOvn();
    const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!doc.ok) throw new Error(doc.errors.join('\n'));
    await tb.loadSnapshot(doc.value);
    dir = mkdtempSync(join(tmpdir(), 'ovncp-pages-sb-'));
    writeFileSync(join(dir, 'paths.yaml'), PATHS);
    const settings = resolveSettings(
      {
        'paths.file': join(dir, 'paths.yaml'),
        'ovn.nb-db': tb.nbRemote,
        'ovn.sb-db': tb.sbRemote,
        'web.listen-address': '127.0.0.1:0',
      },
      {},
    );
    d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    await d.start();
    base = `http://${d.address()}`;
    await until(async () => (await fetch(`${base}/-/ready`)).status === 200, 30_000);
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
    await tb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the SB and engine banners while the SB is down, and drops them when it returns', async () => {
    const before = await landing(base);
    expect(before).not.toContain('banner-sb-disconnected');
    expect(before).not.toContain('banner-engine-stale');
    process.kill(Number(readFileSync(join(tb.dir, 'sb.pid'), 'utf8')), 'SIGKILL');
    await until(async () => (await landing(base)).includes('banner-sb-disconnected'), 15_000);
    const down = await landing(base);
    expect(down).toContain('Southbound DB disconnected');
    expect(down).toMatch(/banner-engine-stale[\s\S]*the lflow engine traces on the Southbound it last read/);
    await run('ovsdb-server', [
      ...tb.daemonFlags('sb'),
      `--remote=punix:${tb.sbSock}`,
      join(tb.dir, 'sb.db'),
    ]);
    await until(async () => !(await landing(base)).includes('banner-sb-disconnected'), 25_000);
    expect(await landing(base)).not.toContain('banner-engine-stale');
  }, 60_000);
});
