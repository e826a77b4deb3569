// The shipped /probe scrape jobs (deploy/prometheus/ovncp-probe-scrape.yaml) in a real Prometheus: the
// daemon on the demo network with the shipped paths file; the jobs' relabelling must turn each target
// into probe parameters, and Prometheus must store probe_success, probe_duration_seconds and
// ovncp_probe_reachable with the verdicts of the demo network (scrape_interval cut to 1s).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { hostPort, poll, skipWithout } from './ops-tools.ts';
import { type PrometheusHandle, startPrometheus } from './prometheus-run.ts';

const EXAMPLE = join(import.meta.dirname, '../../deploy/prometheus/ovncp-probe-scrape.yaml');

/** The example's jobs, pointed at the daemon, scraped every second. */
function probeJobs(address: string): object[] {
  const text = readFileSync(EXAMPLE, 'utf8').replaceAll('OVNCP_ADDRESS', address);
  const doc = parse(text) as { scrape_configs: Record<string, unknown>[] };
  return doc.scrape_configs.map((j) => ({ ...j, scrape_interval: '1s', scrape_timeout: '900ms' }));
}

describe.skipIf(skipWithout(['prometheus']))(
  'shipped /probe scrape jobs in a real Prometheus',
  { timeout: 90_000 },
  () => {
    let dir = '';
    let daemon: ServeHandle | undefined;
    let prom: PrometheusHandle | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ovncp-probe-prom-'));
      daemon = await serve(['--paths.file', 'config/paths.yaml', '--engine', 'model']);
      prom = await startPrometheus(dir, {}, '3s', probeJobs(hostPort(daemon.url)));
    });
    afterAll(async () => {
      await prom?.stop();
      await daemon?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const byLabel = async (q: string, label: string) => {
      const rows = await poll(`${q} to have samples`, async () => {
        const r = await prom!.query(q);
        return r.length >= 3 ? r : undefined;
      });
      return Object.fromEntries(rows.map((s) => [s.metric[label]!, Number(s.value[1])]));
    };

    it('probes configured paths by name: probe_success per path', async () => {
      // web-to-db and vm1-to-vm2-ssh meet their expectations on the demo network; web-to-app expects blocked.
      expect(await byLabel('probe_success{job="ovncp-probe-paths"}', 'path')).toEqual({
        'web-to-db': 1,
        'web-to-app': 1,
        'vm1-to-vm2-ssh': 1,
      });
      const up = await prom!.query('up{job="ovncp-probe-paths"}');
      expect(up.map((s) => s.value[1])).toEqual(['1', '1', '1']);
      const reach = await byLabel('ovncp_probe_reachable{job="ovncp-probe-paths"}', 'path');
      expect(reach).toEqual({ 'web-to-db': 1, 'web-to-app': 0, 'vm1-to-vm2-ssh': 0 });
    });

    it('probes ad-hoc targets through relabelling, with expect and icmp', async () => {
      expect(await byLabel('probe_success{job="ovncp-probe-adhoc"}', 'instance')).toEqual({
        'web-server-port/db-server-port/tcp/3306': 1,
        'web-server-port/app-server-port/tcp/8080/blocked': 1,
        'web-server-port/db-server-port/icmp/': 1,
      });
      const reach = await prom!.query('ovncp_probe_reachable{job="ovncp-probe-adhoc"}');
      expect(
        reach.map((s) => [s.metric.destination, s.metric.protocol, s.metric.port ?? '', s.value[1]]).sort(),
      ).toEqual([
        ['app-server-port', 'tcp', '8080', '0'],
        ['db-server-port', 'icmp', '', '1'],
        ['db-server-port', 'tcp', '3306', '1'],
      ]);
      const duration = await prom!.query('probe_duration_seconds{job="ovncp-probe-adhoc"}');
      expect(duration.every((s) => Number(s.value[1]) > 0)).toBe(true);
    });
  },
);
