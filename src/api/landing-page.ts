// The landing page at `/`: plain server-rendered HTML (no scripts, no build step), in the spirit of
// blackbox_exporter's: links to the endpoints, then every path with its state and a link to its last
// trace. Long tables are cut so the page stays light on a 100k-check daemon. It names no file on disk:
// a reader learns the network's state, not the host's layout (and with tokens the page needs one).

import type { Monitor } from '../monitor/monitor.ts';
import { countByStatus, PATH_STATUSES, type PathStatus } from '../monitor/path-status.ts';
import { type CheckState, expectationMet, verdictOf } from '../monitor/results.ts';
import { VERSION } from '../version.ts';

const MAX_ROWS = 1000;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function row(s: CheckState): string {
  const c = s.check;
  const met = expectationMet(s);
  const state = met === null ? (s.last?.error ? 'error' : 'pending') : met ? 'ok' : 'UNMET';
  const cells = [
    `<a href="/api/v1/paths/${encodeURIComponent(c.path.name)}">${esc(c.path.name)}</a>`,
    esc(c.sourcePort),
    esc(c.destination),
    `${c.protocol}${c.port !== null ? `/${c.port}` : ''}`,
    c.path.expect,
    esc(verdictOf(s.last) ?? 'pending'),
    `<b class="${state}">${state}</b>`,
    esc(s.last?.blockedBy ?? s.last?.error?.message ?? ''),
    esc(s.last?.allowedBy ?? ''),
    s.last ? new Date(s.last.at).toISOString() : '',
    s.lastChange ? new Date(s.lastChange).toISOString() : '',
  ];
  return `<tr>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
}

/** Worst first: what someone opening the page is looking for. */
const STATUS_RANK: Record<PathStatus, number> = { error: 0, unmet: 1, no_checks: 2, pending: 3, ok: 4 };

/** One row per configured path with its one status: a path without checks still shows here. */
function pathRows(m: Monitor): { headline: string; table: string } {
  const paths = m.currentConfig().paths.map((p) => ({ p, st: m.pathStatus(p.name) }));
  const counts = countByStatus(paths.map((x) => x.st.status));
  const headline = PATH_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ');
  paths.sort((a, b) => STATUS_RANK[a.st.status] - STATUS_RANK[b.st.status]);
  const rows = paths.slice(0, MAX_ROWS).map(({ p, st }) => {
    const cells = [
      `<a href="/api/v1/paths/${encodeURIComponent(p.name)}">${esc(p.name)}</a>`,
      `<b class="${st.status}">${st.status}</b>`,
      String(st.checks),
      esc(st.message ?? ''),
    ];
    return `<tr>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
  });
  const table = `<table>
<tr><th>Path</th><th>Status</th><th>Checks</th><th>Why</th></tr>
${rows.join('\n')}
</table>`;
  return { headline: `Paths: ${paths.length} configured: ${headline}`, table };
}

export function renderLandingPage(m: Monitor): string {
  const states = [...m.results.all()];
  // Unmet and erroring checks first: that is what someone opening the page is looking for.
  const rank = (s: CheckState) => (expectationMet(s) === false ? 0 : s.last?.error ? 1 : 2);
  states.sort((a, b) => rank(a) - rank(b));
  const shown = states.slice(0, MAX_ROWS);
  const unmet = states.filter((s) => expectationMet(s) === false).length;
  const paths = pathRows(m);
  const shard = m.shardInfo();
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ovncp-monitor</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}.UNMET,.unmet{color:#b00}.error{color:#b60}.ok{color:#070}</style>
</head><body>
<h1>ovncp-monitor</h1>
<p>Version ${esc(VERSION)}. Shard ${shard.shard} of ${shard.total}.</p>
<ul>
<li><a href="/metrics">Metrics</a></li>
<li><a href="/api/v1/paths">Paths (JSON)</a></li>
<li><a href="/-/ready">Readiness</a> · <a href="/-/healthy">Health</a></li>
<li><a href="/openapi.json">OpenAPI</a></li>
</ul>
<h2>${esc(paths.headline)}</h2>
${paths.table}
<h2>Checks: ${states.length}, ${unmet} unmet</h2>
${states.length > MAX_ROWS ? `<p>Showing the first ${MAX_ROWS} checks (unmet and erroring first).</p>` : ''}
<table>
<tr><th>Path</th><th>Source port</th><th>Destination</th><th>Protocol</th><th>Expect</th><th>Verdict</th><th>State</th><th>Blocked by / error</th><th>Allowed by</th><th>Last check</th><th>Last change</th></tr>
${shown.map(row).join('\n')}
</table>
</body></html>
`;
}
