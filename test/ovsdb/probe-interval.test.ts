// ovn.probe_interval reaches the live NB connection: with the NB's ovsdb-server frozen (SIGSTOP: the
// socket stays open, nothing answers), a 1 s probe drops the connection within about two intervals and
// the daemon shows it (ovncp_ovsdb_connected{db="nb"} 0); with the probe off (`0s`) the connection stays
// up however long the server is silent. A real OVN, the real daemon.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LiveDaemon, startLiveDaemon, until } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { parseMetrics, value } from '../monitor/metrics-text.ts';

const PATHS = `paths:
  - name: vm1-to-vm2-http
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
`;

describe.skipIf(skipWithoutOvn())('ovn.probe_interval on a frozen NB (real OVN)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-probe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function frozen(
    interval: string,
    waitMs: number,
  ): Promise<{ connected: number | undefined; ms: number }> {
    const cfg = join(dir, `probe-${interval}.yaml`);
    writeFileSync(cfg, `ovn:\n  probe_interval: ${interval}\n`);
    const live: LiveDaemon = await startLiveDaemon({ paths: PATHS, settings: { 'config.file': cfg } });
    const connected = async () =>
      value(parseMetrics((await live.d.app.inject('/metrics')).body), 'ovncp_ovsdb_connected', { db: 'nb' });
    try {
      expect(await connected()).toBe(1);
      live.killDb('nb', 'SIGSTOP');
      const t0 = Date.now();
      try {
        await until('NB connection dropped', async () => (await connected()) === 0, waitMs, 50);
      } catch {
        // Still connected after waitMs: reported below.
      }
      const ms = Date.now() - t0;
      const state = await connected();
      live.killDb('nb', 'SIGCONT');
      return { connected: state, ms };
    } finally {
      await live.stop();
    }
  }

  it('a 1 s probe drops a connection whose server went silent', async () => {
    const r = await frozen('1s', 10_000);
    expect(r.connected).toBe(0);
    expect(r.ms).toBeLessThan(5_000);
  }, 60_000);

  it('with the probe off the connection stays up', async () => {
    const r = await frozen('0s', 4_000);
    expect(r.connected).toBe(1);
  }, 60_000);
});
