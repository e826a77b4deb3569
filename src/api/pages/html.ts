// The small HTML toolkit every page shares: escaping, the page frame (style, nav, the served script,
// a no-JS self-refresh), status badges and relative times. Pages are server-rendered and readable
// without JavaScript; the one served script (assets/pages.js) only adds the token header, a refresh
// that keeps the query string, live relative times and the trace diagram.

import { PATH_STATUSES, type PathStatus } from '../../monitor/path-status.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where the daemon serves its page assets (open without a token: library code and our script, no data). */
export const ASSETS_PREFIX = '/pages/assets/';

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:6px 14px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a{color:#cfd8dc;text-decoration:none}header b{font-size:1.1em}
main{padding:10px 16px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eceff1}
.ok{color:#1b5e20}.unmet{color:#b71c1c}.error{color:#e65100}.no_checks{color:#6a1b9a}.pending{color:#546e7a}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-weight:bold;white-space:nowrap}
.badge.ok{background:#c8e6c9}.badge.unmet{background:#ffcdd2}.badge.error{background:#ffe0b2}
.badge.no_checks{background:#e1bee7}.badge.pending{background:#cfd8dc}
.counts{display:flex;gap:10px;margin:8px 0}.counts a{text-decoration:none;border:1px solid #ccc;border-radius:4px;padding:6px 12px;background:#fff}
.counts .n{font-size:1.6em;font-weight:bold;display:block}
.banner{padding:8px 12px;margin:6px 0;border-radius:4px;border:1px solid;white-space:pre-line}
.banner.bad{background:#ffebee;border-color:#e57373}.banner.warn{background:#fff8e1;border-color:#ffb74d}
.facts{color:#455a64;font-size:.9em}time{white-space:nowrap}
form.filters{margin:8px 0;display:flex;gap:8px;align-items:end;flex-wrap:wrap}
.matrix td{text-align:center;min-width:70px}.matrix td a{color:inherit;text-decoration:none;display:block}
.cell-ok{background:#c8e6c9}.cell-unmet{background:#ef9a9a}.cell-error{background:#ffcc80}.cell-pending{background:#eceff1}
#diagram{width:100%;height:420px;border:1px solid #ccc;background:#fff;margin:8px 0}
.drop td{background:#ffebee}.muted{color:#78909c}code{font-size:.92em}
`;

export interface PageOptions {
  /** Seconds between refreshes (JS: swaps #live in place; without JS: a meta refresh of the same URL). */
  readonly refreshSeconds?: number;
  /** Extra scripts to load before ours (e.g. cytoscape on trace pages). */
  readonly scripts?: readonly string[];
}

/** One page: the frame, navigation and `body`; everything dynamic sits inside `<div id="live">`. */
export function page(title: string, body: string, o: PageOptions = {}): string {
  const refresh = o.refreshSeconds
    ? `<noscript><meta http-equiv="refresh" content="${o.refreshSeconds}"></noscript>`
    : '';
  const scripts = [...(o.scripts ?? []), `${ASSETS_PREFIX}pages.js`]
    .map((s) => `<script src="${esc(s)}" defer></script>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · ovncp-monitor</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<style>${STYLE}</style>${scripts}
</head><body${o.refreshSeconds ? ` data-refresh="${o.refreshSeconds}"` : ''}>
<header><b>ovncp-monitor</b><a href="/">Paths</a><a href="/trace">Trace</a><a href="/docs">API docs</a><a href="/metrics">Metrics</a><span id="auth-user"></span></header>
<main><div id="live">
${body}
</div></main>
</body></html>
`;
}

export function badge(status: string): string {
  return `<span class="badge ${esc(status)}">${esc(status.replace('_', ' '))}</span>`;
}

/** "3 min ago" for a past time, from `now`. */
export function relative(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A relative time with the ISO time in its title (pages.js keeps the text current). */
export function timeTag(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return '<span class="muted">never</span>';
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}" title="${iso}">${relative(ms, now)}</time>`;
}

export function isPathStatus(s: unknown): s is PathStatus {
  return typeof s === 'string' && (PATH_STATUSES as readonly string[]).includes(s);
}

/** A table of ready-made cell HTML; `rowClass` may give a row a class (e.g. the hop that dropped). */
export function table(
  head: readonly string[],
  rows: readonly string[][],
  cls = '',
  rowClass: (i: number) => string | null = () => null,
): string {
  const h = head.map((x) => `<th>${x}</th>`).join('');
  const tr = (i: number) => (rowClass(i) ? `<tr class="${rowClass(i)}">` : '<tr>');
  const r = rows.map((cells, i) => `${tr(i)}${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${h}</tr></thead><tbody>\n${r}\n</tbody></table>`;
}
