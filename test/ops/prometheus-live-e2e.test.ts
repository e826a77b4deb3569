// End to end on live OVN: the daemon follows a real (throwaway) NB loaded with the demo network, and a
// real Prometheus scrapes it with the operations kit's rules. Proves that every metric the rules and the
// dashboard use is really exported, that the OVSDB panels have data, and that killing the NB
// ovsdb-server makes OvncpOvsdbDisconnected fire.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { expandVariables, loadDashboard, panelQueries, variableQuery } from './dashboard.ts';
import { hostPort, poll, skipWithout } from './ops-tools.ts';
import { RULES_FILE } from './prometheus-rule-crd.ts';
import { type PrometheusHandle, startPrometheus } from './prometheus-run.ts';

const PATHS = {
  paths: [
    {
      name: 'web-to-app',
      source_port: 'web-server-port',
      destination: 'app-server-port',
      protocol: 'tcp',
      port: 8080,
    },
    { name: 'vm1-to-vm2-http', source_port: 'vm1-port', destination: 'vm2-port', protocol: 'tcp', port: 80 },
    // Exposure monitoring: ovncp_path_unexpected_services exists only for paths with expect_services.
    {
      name: 'web-db-exposure',
      source_port: 'web-server-port',
      destination: 'db-server-port',
      expect_services: ['tcp/3306', 'icmp'],
    },
  ],
};

/**
 * Metrics the rules may use before the daemon exports them: the per-path interval is optional in
 * OvncpPathCheckStale (it falls back to a fixed interval without it).
 */
const NOT_EXPORTED_YET = new Set(['ovncp_path_check_interval_seconds']);

/** Every ovncp_* metric name in the rules and in the dashboard's panel and variable queries. */
function referencedMetrics(): Set<string> {
  const dash = loadDashboard();
  const text = [
    readFileSync(RULES_FILE, 'utf8'),
    ...panelQueries(dash).map((q) => q.target.expr),
    ...dash.templating.list.filter((v) => v.type === 'query').map(variableQuery),
  ].join('\n');
  return new Set(text.match(/\bovncp_[a-z0-9_]+/g));
}

/** Metric names in an exposition text, with the sample names of histograms (_bucket, _sum, _count). */
function exportedMetrics(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

describe.skipIf(skipWithoutOvn() || skipWithout(['prometheus']))(
  'real Prometheus on a daemon following a live NB',
  { timeout: 90_000 },
  () => {
    let tb: OvnTestbed | undefined;
    let dir = '';
    let daemon: ServeHandle | undefined;
    let prom: PrometheusHandle | undefined;

    beforeAll(async () => {
      tb = await startOvn();
      const demo = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
      if (!demo.ok) throw new Error(demo.errors.join('\n'));
      await tb.loadSnapshot(demo.value);
      dir = mkdtempSync(join(tmpdir(), 'ovncp-prom-live-'));
      writeFileSync(join(dir, 'paths.yaml'), stringify(PATHS));
      daemon = await serve([
        '--ovn.nb-db',
        tb.nbRemote,
        '--ovn.sb-db',
        tb.sbRemote,
        '--engine',
        'auto',
        '--paths.file',
        join(dir, 'paths.yaml'),
      ]);
      await poll('the daemon to be ready', async () =>
        (await fetch(`${daemon!.url}/-/ready`)).ok ? true : undefined,
      );
      prom = await startPrometheus(dir, { ovncp: [hostPort(daemon.url)] });
    }, 120_000);

    afterAll(async () => {
      await prom?.stop();
      await daemon?.stop();
      await tb?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('exports every metric that the alert rules and the dashboard use', async () => {
      const exported = exportedMetrics(await (await fetch(`${daemon!.url}/metrics`)).text());
      const missing = [...referencedMetrics()].filter((m) => !exported.has(m) && !NOT_EXPORTED_YET.has(m));
      expect(missing).toEqual([]);
    });

    it('gives the verdicts of the live network to Prometheus, and data to the OVSDB panels', async () => {
      const reach = await poll('two ovncp_path_reachable series', async () => {
        const r = await prom!.query('ovncp_path_reachable{job="ovncp", path=~"web-to-app|vm1-to-vm2-http"}');
        return r.length === 2 ? r : undefined;
      });
      expect(Object.fromEntries(reach.map((s) => [s.metric.path!, s.value[1]]))).toEqual({
        'web-to-app': '0',
        'vm1-to-vm2-http': '1',
      });
      // One series per followed database: the NB (topology) and the SB (lflow's flows).
      const connected = await prom!.query('ovncp_ovsdb_connected{job="ovncp"}');
      expect(Object.fromEntries(connected.map((s) => [s.metric.db!, s.value[1]]))).toEqual({
        nb: '1',
        sb: '1',
      });
      for (const { panel, target } of panelQueries(loadDashboard()).filter((q) =>
        ['Topology age', 'OVSDB connection'].includes(q.panel),
      )) {
        const r = await prom!.query(expandVariables(target.expr));
        expect(r.length, panel).toBeGreaterThan(0);
      }
    });

    it('fires OvncpOvsdbDisconnected when the NB ovsdb-server dies', async () => {
      const pid = Number(readFileSync(join(tb!.dir, 'nb.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      const firing = await poll(
        'OvncpOvsdbDisconnected firing',
        async () => {
          const a = await prom!.alerts('OvncpOvsdbDisconnected');
          return a.some((x) => x.state === 'firing') ? a : undefined;
        },
        60_000,
      );
      expect(firing[0]!.labels).toMatchObject({ severity: 'critical', job: 'ovncp' });
      // The daemon itself keeps serving the last good topology meanwhile.
      expect((await fetch(`${daemon!.url}/-/healthy`)).status).toBe(200);
    });
  },
);
