// End to end with a real Prometheus: the daemon on the demo network with paths that violate their
// expectation, Prometheus scraping it every second with the operations kit's rules (the `for:` cut to a
// few seconds), then through Prometheus' HTTP API: the ovncp_path_reachable series and their values,
// OvncpPathExpectationViolated going pending/firing with blocked_by, every dashboard query running, and
// OvncpMonitorDown once the daemon stops.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import {
  expandVariables,
  loadDashboard,
  panelQueries,
  parseLabelValues,
  variableQuery,
} from './dashboard.ts';
import { hostPort, poll, skipWithout } from './ops-tools.ts';
import { type PrometheusHandle, startPrometheus } from './prometheus-run.ts';

// The demo network's verdicts (config/demo-network.yaml): web -> db tcp/3306 is open (db-allow-mysql-
// from-web), web -> app tcp/8080 is dropped by app-default-deny, vm1 -> vm2 tcp/80 is open (allow-http).
const PATHS = {
  paths: [
    // Violated: open, but expected blocked.
    {
      name: 'web-to-db',
      source_port: 'web-server-port',
      destination: 'db-server-port',
      protocol: 'tcp',
      port: 3306,
      expect: 'blocked',
      labels: { tier: 'data' },
    },
    // Violated: blocked, but expected reachable.
    {
      name: 'web-to-app',
      source_port: 'web-server-port',
      destination: 'app-server-port',
      protocol: 'tcp',
      port: 8080,
      expect: 'reachable',
    },
    // Met.
    {
      name: 'vm1-to-vm2-http',
      source_port: 'vm1-port',
      destination: 'vm2-port',
      protocol: 'tcp',
      port: 80,
      expect: 'reachable',
    },
  ],
};
const EXPECTED_REACHABLE: Record<string, number> = { 'web-to-db': 1, 'web-to-app': 0, 'vm1-to-vm2-http': 1 };

describe.skipIf(skipWithout(['prometheus']))('real Prometheus end to end', { timeout: 90_000 }, () => {
  let dir = '';
  let daemon: ServeHandle | undefined;
  let prom: PrometheusHandle | undefined;
  const query = (q: string) => prom!.query(q);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovncp-prom-'));
    writeFileSync(join(dir, 'paths.yaml'), stringify(PATHS));
    daemon = await serve(['--paths.file', join(dir, 'paths.yaml'), '--engine', 'model']);
    prom = await startPrometheus(dir, { ovncp: [hostPort(daemon.url)] });
  });

  afterAll(async () => {
    await prom?.stop();
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the daemon', async () => {
    const up = await poll('up{job="ovncp"} == 1', async () => {
      const r = await query('up{job="ovncp"}');
      return r[0]?.value[1] === '1' ? r : undefined;
    });
    expect(up).toHaveLength(1);
  });

  it('has one ovncp_path_reachable series per path, with the demo network verdicts', async () => {
    const series = await poll(
      'three ovncp_path_reachable series',
      async () => {
        const r = await query('ovncp_path_reachable{job="ovncp"}');
        return r.length === 3 ? r : undefined;
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${err}\ndaemon log:\n${daemon?.logs().slice(-3000)}`);
    });
    const got = Object.fromEntries(series.map((s) => [s.metric.path!, Number(s.value[1])]));
    expect(got).toEqual(EXPECTED_REACHABLE);
    const db = series.find((s) => s.metric.path === 'web-to-db')!.metric;
    expect(db).toMatchObject({
      source_port: 'web-server-port',
      destination: 'db-server-port',
      protocol: 'tcp',
      port: '3306',
      tier: 'data',
    });
    const met = await query('ovncp_path_expectation_met{job="ovncp"}');
    expect(Object.fromEntries(met.map((s) => [s.metric.path!, Number(s.value[1])]))).toEqual({
      'web-to-db': 0,
      'web-to-app': 0,
      'vm1-to-vm2-http': 1,
    });
  });

  it('raises OvncpPathExpectationViolated (pending, then firing) for exactly the two violated paths', async () => {
    const seen = new Set<string>();
    const firing = await poll(
      'OvncpPathExpectationViolated firing for two paths',
      async () => {
        const mine = await prom!.alerts('OvncpPathExpectationViolated');
        for (const a of mine) seen.add(a.state);
        return mine.length === 2 && mine.every((a) => a.state === 'firing') ? mine : undefined;
      },
      60_000,
      200,
    );
    expect(seen.has('firing')).toBe(true);
    // Prometheus records the pending phase in its ALERTS series; each violated path went through it.
    const pending = await query(
      'max_over_time(ALERTS{alertname="OvncpPathExpectationViolated",alertstate="pending"}[5m])',
    );
    expect(pending.map((s) => s.metric.path).sort()).toEqual(['web-to-app', 'web-to-db']);
    const byPath = new Map(firing.map((a) => [a.labels.path!, a]));
    expect([...byPath.keys()].sort()).toEqual(['web-to-app', 'web-to-db']);
    const app = byPath.get('web-to-app')!;
    expect(app.labels.severity).toBe('critical');
    expect(app.labels.blocked_by).toMatch(/app-default-deny/);
    expect(app.annotations.description).toContain('web-to-app');
    expect(app.annotations.description).toContain(`is blocked by ${app.labels.blocked_by}`);
    const db = byPath.get('web-to-db')!;
    expect(db.labels.blocked_by).toBeUndefined();
    expect(db.annotations.description).toContain('is reachable but is expected to be blocked');
  });

  it('runs every dashboard panel query and variable query without error', async () => {
    const dash = loadDashboard();
    const empty: string[] = [];
    for (const { panel, target } of panelQueries(dash)) {
      const q = expandVariables(target.expr);
      const result = await query(q).catch((err) => {
        throw new Error(`panel "${panel}" ${target.refId}: ${err}`);
      });
      if (result.length === 0) empty.push(`${panel} ${target.refId}`);
    }
    // Series that exist with a snapshot topology must give data; OVSDB and engine-disagreement series
    // only exist with a live NB / the ovn-trace engine, so their panels may be empty here.
    for (const p of [
      'Paths OK A',
      'Paths violated A',
      'Paths errored / no checks A',
      'Paths by status A',
      'Path status A',
      'Paths A',
      'Paths E',
      'Reachability per path A',
    ])
      expect(empty, p).not.toContain(p);
    for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
      const lv = parseLabelValues(variableQuery(v));
      expect(lv, v.name).not.toBeNull();
      const result = await query(expandVariables(lv!.selector));
      expect(
        result.some((s) => s.metric[lv!.label] !== undefined),
        `variable ${v.name} has values`,
      ).toBe(true);
    }
  });

  it('keeps Prometheus free of rule evaluation errors', async () => {
    const { groups } = await prom!.api<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>('rules');
    const bad = groups.flatMap((g) => g.rules).filter((r) => r.health === 'err');
    expect(bad, prom!.logs()).toEqual([]);
  });

  // Last: stops the daemon.
  it('raises OvncpMonitorDown once the daemon is gone', async () => {
    expect(await prom!.alerts('OvncpMonitorDown')).toEqual([]);
    await daemon!.stop();
    const firing = await poll(
      'OvncpMonitorDown firing',
      async () => {
        const a = await prom!.alerts('OvncpMonitorDown');
        return a.some((x) => x.state === 'firing') ? a : undefined;
      },
      60_000,
    );
    expect(firing.map((a) => a.labels.job)).toEqual(['ovncp']);
  });
});
