// Failure behaviour: the NB ovsdb-server is killed mid-stream and restarted. The daemon (a real `serve`
// process) and an in-process source both survive, keep the last good topology while disconnected,
// report it in metrics, reconnect, and follow changes again.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { until, waitForTopology } from './ovsdb-helpers.ts';

const run = promisify(execFile);

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

describe.skipIf(skipWithoutOvn())('NB ovsdb-server killed and restarted', () => {
  let tb: OvnTestbed | undefined;
  let daemon: ServeHandle | undefined;
  let live: LiveTopology | undefined;
  afterAll(async () => {
    live?.stop();
    await daemon?.stop();
    await tb?.stop();
  });

  it('survives, keeps the last topology, reconnects and follows changes again', async () => {
    tb = await startOvn();
    await tb.nbctl(
      ...['ls-add', 'before', '--', 'lsp-add', 'before', 'p1', '--', 'lsp-set-addresses', 'p1'],
      ...['0a:00:00:00:00:01 10.0.0.1', '--', 'lsp-add', 'before', 'p2', '--', 'lsp-set-addresses', 'p2'],
      '0a:00:00:00:00:02 10.0.0.2',
    );
    daemon = await serve(['--ovn.nb-db', tb.nbRemote]);
    const trace = async () => {
      const r = await fetch(`${url}/api/v1/trace/flow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source_port: 'p1', destination_ip: '10.0.0.2', protocol: 'icmp' }),
      });
      expect(r.status).toBe(200);
      return (await r.json()) as { reaches_destination: boolean; warnings: string[] };
    };
    const url = daemon.url;
    const store = new TopologyStore();
    live = new LiveTopology({
      remote: tb.nbRemote,
      store,
      logger: pino({ level: 'silent' }),
      backoffMinMs: 100,
    });
    live.start();
    await live.synced();
    await until(async () => (await fetch(`${url}/-/ready`)).status === 200);
    expect(await metric(url, 'ovncp_ovsdb_connected{db="nb"}')).toBe(1);
    expect((await trace()).warnings.filter((w) => w.includes('disconnected'))).toEqual([]);
    const lastUpdate = await metric(url, 'ovncp_topology_last_update_timestamp_seconds');
    expect(lastUpdate).toBeGreaterThan(Date.now() / 1000 - 60);

    const pid = Number(readFileSync(join(tb.dir, 'nb.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until(async () => (await metric(url, 'ovncp_ovsdb_connected{db="nb"}')) === 0);
    await until(() => !live!.client.isConnected());
    const kept = store.require();
    expect(kept.switches.has('before')).toBe(true);
    expect((await fetch(`${url}/-/ready`)).status).toBe(200);
    expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
    const stale = await trace();
    expect(stale.reaches_destination).toBe(true);
    expect(stale.warnings).toContainEqual(
      expect.stringMatching(/^NB database disconnected: traced on the last good topology, \d+ s old$/),
    );

    await run('ovsdb-server', [
      ...tb.daemonFlags('nb'),
      `--remote=punix:${tb.nbSock}`,
      join(tb.dir, 'nb.db'),
    ]);
    await until(async () => (await metric(url, 'ovncp_ovsdb_connected{db="nb"}')) === 1, 20_000);
    expect(await metric(url, 'ovncp_ovsdb_reconnects_total{db="nb"}')).toBe(1);
    const seen = waitForTopology(store, (t) => t.switches.has('after'), 3000);
    await tb.nbctl('ls-add', 'after');
    const { topology } = await seen;
    expect(topology.switches.has('before')).toBe(true);
    await until(async () => (await metric(url, 'ovncp_topology_last_update_timestamp_seconds')) > lastUpdate);
    expect((await trace()).warnings.filter((w) => w.includes('disconnected'))).toEqual([]);
    expect(daemon.proc.exitCode).toBeNull();
  });
});

describe.skipIf(skipWithoutOvn())('NB ovsdb-server frozen (SIGSTOP)', () => {
  let tb: OvnTestbed | undefined;
  let pid = 0;
  afterAll(async () => {
    if (pid) process.kill(pid, 'SIGCONT');
    await tb?.stop();
  });

  it('is noticed by our inactivity probe, and followed again once it thaws', async () => {
    tb = await startOvn();
    const store = new TopologyStore();
    const live = new LiveTopology({
      remote: tb.nbTcpRemote,
      store,
      logger: pino({ level: 'silent' }),
      probeIntervalMs: 300,
      backoffMinMs: 100,
    });
    try {
      live.start();
      await live.synced();
      pid = Number(readFileSync(join(tb.dir, 'nb.pid'), 'utf8'));
      process.kill(pid, 'SIGSTOP');
      const frozenAt = Date.now();
      await until(() => !live.client.isConnected(), 5000);
      // Quiet for one interval, then an echo that gets no answer within the next one.
      expect(Date.now() - frozenAt).toBeLessThan(2000);
      process.kill(pid, 'SIGCONT');
      pid = 0;
      await until(() => live.client.isConnected(), 10_000);
      const seen = waitForTopology(store, (t) => t.switches.has('thawed'), 2000);
      await tb.nbctl('ls-add', 'thawed');
      await seen;
    } finally {
      live.stop();
    }
  });
});
