// Reads grafana/ovncp-paths.json for the tests: every panel query and variable query, and the
// expansion of Grafana's template variables into plain PromQL that Prometheus can run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_FILE = join(import.meta.dirname, '../../grafana/ovncp-paths.json');

export interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
  format?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { type?: string; uid?: string };
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  __inputs?: unknown;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, with the panels nested in collapsed rows. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every query of every panel, named after its panel. */
export function panelQueries(d: Dashboard): { panel: string; target: Target }[] {
  return allPanels(d).flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, target })));
}

export function variableQuery(v: Variable): string {
  return typeof v.query === 'string' ? v.query : v.query.query;
}

/**
 * Replaces Grafana's variables the way Grafana would with every selector on "All" (regex `.*`) and the
 * built-in intervals set to `interval`.
 */
export function expandVariables(expr: string, interval = '1m'): string {
  return expr
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$__range', interval)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, () => '.*');
}

/** `label_values(SELECTOR, LABEL)` → its parts; null for other variable queries. */
export function parseLabelValues(query: string): { selector: string; label: string } | null {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  return m ? { selector: m[1]!, label: m[2]! } : null;
}
