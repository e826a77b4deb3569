// The Grafana dashboard's structure: a current schema, the data source as a template variable (so file
// provisioning works without import-time inputs), the panels the operations kit promises, path-label
// variables, and well-formed queries. That every query runs is proven against a real Prometheus in
// prometheus-e2e.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allPanels, DASHBOARD_FILE, loadDashboard, panelQueries, variableQuery } from './dashboard.ts';

const dash = loadDashboard();
// Grafana's own variable syntax, not a JS template placeholder.
const DS_VAR = ['$', '{datasource}'].join('');
// Grafana's data-link syntax: the daemon URL variable and the cell value, percent-encoded.
const DAEMON_LINK = ['$', '{ovncp_url}/api/v1/paths/', '$', '{__value.raw:percentencode}'].join('');
const GRAFANA = join(import.meta.dirname, '../../grafana');

describe('grafana/ovncp-paths.json', () => {
  it('uses a current schema version and has a stable uid', () => {
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dash.uid).toBe('ovncp-paths');
  });

  it('takes its data source from the `datasource` variable, never from import inputs', () => {
    expect(dash.__inputs).toBeUndefined();
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).not.toContain(['$', '{DS_'].join(''));
    const dsVar = dash.templating.list.find((v) => v.name === 'datasource');
    expect(dsVar?.type).toBe('datasource');
    expect(dsVar?.query).toBe('prometheus');
    for (const p of allPanels(dash).filter((x) => x.type !== 'row')) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DS_VAR });
      for (const t of p.targets ?? []) expect(t.datasource?.uid, `${p.title} ${t.refId}`).toBe(DS_VAR);
    }
    for (const v of dash.templating.list.filter((x) => x.type === 'query'))
      expect(v.datasource?.uid, v.name).toBe(DS_VAR);
  });

  it('has variables for the path labels, multi-valued with an All that matches everything', () => {
    const vars = new Map(dash.templating.list.map((v) => [v.name, v]));
    for (const name of ['job', 'instance', 'path', 'source_port', 'destination', 'protocol']) {
      const v = vars.get(name);
      expect(v?.type, name).toBe('query');
      expect(v!.multi && v!.includeAll, name).toBe(true);
      expect(v!.allValue).toBe('.*');
      expect(variableQuery(v!)).toMatch(/^label_values\(/);
    }
  });

  it('has the promised panels', () => {
    const byTitle = new Map(allPanels(dash).map((p) => [p.title, p]));
    const want: [string, string][] = [
      ['Paths OK', 'stat'],
      ['Paths violated', 'stat'],
      ['Paths errored / no checks', 'stat'],
      ['Paths by status', 'timeseries'],
      ['Path status', 'table'],
      ['Unexpected open services', 'table'],
      ['Paths', 'table'],
      ['Reachability per path', 'state-timeline'],
      ['Check duration (p50 / p95 by engine)', 'timeseries'],
      ['Check errors by reason', 'timeseries'],
      ['Topology age', 'stat'],
      ['OVSDB connection', 'state-timeline'],
    ];
    for (const [title, type] of want) expect(byTitle.get(title)?.type, title).toBe(type);
    const table = byTitle.get('Paths')!;
    const exprs = (table.targets ?? []).map((t) => t.expr).join('\n');
    for (const m of [
      'ovncp_path_reachable',
      'ovncp_path_expected_reachable',
      'ovncp_path_blocked_info',
      'ovncp_path_last_change_timestamp_seconds',
    ])
      expect(exprs, `Paths table shows ${m}`).toContain(m);
    const services = byTitle.get('Unexpected open services')!.targets![0]!.expr;
    expect(services).toContain('ovncp_path_unexpected_services{');
    expect(services).toContain('path=~"$path"');
  });

  it('gives every panel a unique id and a place on the grid, and filters path queries by the variables', () => {
    const panels = allPanels(dash);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.w, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
    for (const { panel, target } of panelQueries(dash)) {
      expect(target.expr, panel).toMatch(/\S/);
      if (/ovncp_path_(reachable|expectation_met|blocked_info)\{/.test(target.expr))
        expect(target.expr, panel).toContain('path=~"$path"');
    }
  });
});

describe('paths in one unit, linked to the daemon', () => {
  const byTitle = new Map(allPanels(dash).map((p) => [p.title, p]));
  it('counts paths (not checks) by status in every path stat', () => {
    for (const [title, status] of [
      ['Paths OK', 'status="ok"'],
      ['Paths violated', 'status="unmet"'],
      ['Paths errored / no checks', 'status=~"error|no_checks"'],
    ]) {
      const expr = byTitle.get(title!)!.targets![0]!.expr;
      expect(expr, title).toContain('ovncp_path_status{');
      expect(expr, title).toContain(status);
    }
    expect(byTitle.get('Paths configured')!.targets![0]!.expr).toContain('ovncp_paths_configured');
  });

  it('links path names to the daemon through the ovncp_url variable', () => {
    const v = dash.templating.list.find((x) => x.name === 'ovncp_url');
    expect(v?.type).toBe('textbox');
    for (const title of ['Path status', 'Paths']) {
      const p = byTitle.get(title) as unknown as { fieldConfig: { overrides: { properties: unknown[] }[] } };
      expect(JSON.stringify(p.fieldConfig.overrides), title).toContain(DAEMON_LINK);
    }
  });
});

describe('grafana/provisioning', () => {
  it('has a Prometheus data source and a file dashboard provider', () => {
    const ds = parse(readFileSync(join(GRAFANA, 'provisioning/datasources/ovncp-prometheus.yaml'), 'utf8'));
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources[0].type).toBe('prometheus');
    const prov = parse(readFileSync(join(GRAFANA, 'provisioning/dashboards/ovncp.yaml'), 'utf8'));
    expect(prov.apiVersion).toBe(1);
    expect(prov.providers[0].type).toBe('file');
    expect(prov.providers[0].options.path).toMatch(/^\//);
  });
});
