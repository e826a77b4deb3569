// The landing page `/`: the truth at a glance. Banners first (NB/SB down, refused reload, engine
// trouble), then one line of facts (topology source and age, OVN version, engine), the count of paths
// per status (each a filter link), the filter form (status, label, text: plain query string, so it
// works without JS and a refresh keeps it), and the paths, unmet and erroring first with their reason.

import type { Monitor } from '../../monitor/monitor.ts';
import {
  countByStatus,
  PATH_STATUSES,
  type PathStatus,
  type PathStatusInfo,
} from '../../monitor/path-status.ts';
import type { PathSpec } from '../../monitor/paths-config.ts';
import { type CheckState, expectationMet } from '../../monitor/results.ts';
import { causeText } from './history-view.ts';
import { badge, esc, isPathStatus, page, table, timeTag } from './html.ts';
import { bannersOf, type DaemonStatusView, renderBanners, renderFacts } from './status-view.ts';
import { ownerText } from './trace-view.ts';

/** Rows listed at most (a 100k-check daemon must still answer this page quickly). */
export const MAX_ROWS = 1000;
export const REFRESH_SECONDS = 10;

/** Worst first: what someone opening the page is looking for. */
const STATUS_RANK: Record<PathStatus, number> = { unmet: 0, error: 1, no_checks: 2, pending: 3, ok: 4 };

export interface LandingFilter {
  readonly status: PathStatus | null;
  /** `key=value` (exact) or `key` (present). */
  readonly label: string;
  /** Case-insensitive text in the name, description, source or destination. */
  readonly text: string;
  /** `refresh=N`: seconds between refreshes (2..3600), kept like the filters; null = REFRESH_SECONDS. */
  readonly refresh: number | null;
}

export function filterOf(q: Record<string, unknown>): LandingFilter {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 200) : '');
  const n = Number(str(q.refresh));
  const refresh = Number.isInteger(n) && n >= 2 && n <= 3600 ? n : null;
  return { status: isPathStatus(q.status) ? q.status : null, label: str(q.label), text: str(q.q), refresh };
}

function queryOf(f: LandingFilter, status: PathStatus | null): string {
  const p = new URLSearchParams();
  if (status) p.set('status', status);
  if (f.label) p.set('label', f.label);
  if (f.text) p.set('q', f.text);
  if (f.refresh) p.set('refresh', String(f.refresh));
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

function matches(f: LandingFilter, p: PathSpec, st: PathStatusInfo): boolean {
  if (f.status && st.status !== f.status) return false;
  if (f.label) {
    const [k, ...rest] = f.label.split('=');
    const v = rest.join('=');
    const has = Object.hasOwn(p.labels, k!.trim());
    if (!has || (rest.length > 0 && p.labels[k!.trim()] !== v.trim())) return false;
  }
  if (f.text) {
    const hay = [p.name, p.description ?? '', p.source.name, p.destination.name].join('\n').toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

/** Why a path is in its state, in one line: the error, or what blocked / let through the first unmet check. */
function reasonOf(st: PathStatusInfo, checks: readonly CheckState[]): string {
  if (st.message) return esc(st.message);
  if (st.status !== 'unmet') return '';
  const s = checks.find((c) => expectationMet(c) === false);
  const o = s?.last;
  if (!s || !o) return '';
  const what = `${esc(s.check.sourcePort)} → ${esc(s.check.destination)} ${s.check.protocol}${s.check.port !== null ? `/${s.check.port}` : ''}`;
  // With rule owners, an outcome also names who owns what blocked it (read structurally: optional).
  const owner = ownerText((o as { blockedOwner?: unknown }).blockedOwner);
  const why = o.reachable
    ? `reachable, allowed by ${esc(o.allowedBy ?? 'default (no ACL)')}`
    : `blocked by <b>${esc(o.blockedBy ?? 'unknown')}</b>${o.hopType ? ` (${esc(o.hopType)})` : ''}${owner ? `, owner ${esc(owner)}` : ''}`;
  const more = st.unmet > 1 ? ` <span class="muted">(+${st.unmet - 1} more)</span>` : '';
  return `${what}: ${why}${more}`;
}

function services(p: PathSpec): string {
  return p.protocols
    .flatMap((proto) =>
      proto === 'icmp' || p.ports.length === 0 ? [proto] : p.ports.map((n) => `${proto}/${n}`),
    )
    .join(' ');
}

function endpoint(e: { kind: string; name: string }): string {
  return e.kind === 'group' ? `<span title="port group">@${esc(e.name)}</span>` : esc(e.name);
}

function lastOf(
  checks: readonly CheckState[],
  pick: (s: CheckState) => number | null | undefined,
): number | null {
  let best: number | null = null;
  for (const s of checks) {
    const v = pick(s);
    if (v && (best === null || v > best)) best = v;
  }
  return best;
}

/** When the verdict last changed, and what caused the newest flip (the verdict history), if any. */
function lastChangeCell(m: Monitor, p: PathSpec, checks: readonly CheckState[], now: number): string {
  const when = timeTag(
    lastOf(checks, (s) => s.lastChange),
    now,
  );
  const flip = m.history.of(p.name)[0];
  return flip ? `${when}<br><small class="muted cause">${causeText(flip)}</small>` : when;
}

function pathRow(m: Monitor, p: PathSpec, st: PathStatusInfo, now: number): string[] {
  const checks = m.statesOf(p.name);
  const labels = Object.entries(p.labels).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`);
  return [
    `<a href="/paths/${encodeURIComponent(p.name)}">${esc(p.name)}</a>`,
    badge(st.status),
    `${endpoint(p.source)} → ${endpoint(p.destination)}`,
    esc(services(p)),
    p.expect,
    `${st.checks}`,
    reasonOf(st, checks),
    labels.join(' '),
    timeTag(
      lastOf(checks, (s) => s.last?.at),
      now,
    ),
    lastChangeCell(m, p, checks, now),
  ];
}

function countsHtml(counts: Record<PathStatus, number>, f: LandingFilter): string {
  const cells = PATH_STATUSES.map(
    (s) =>
      `<a href="${esc(queryOf(f, f.status === s ? null : s))}" class="${s}" id="count-${s}"><span class="n">${counts[s]}</span>${s.replace('_', ' ')}</a>`,
  );
  return `<div class="counts">${cells.join('')}</div>`;
}

function filterForm(f: LandingFilter): string {
  const opts = ['', ...PATH_STATUSES]
    .map(
      (s) =>
        `<option value="${s}"${f.status === s || (!f.status && !s) ? ' selected' : ''}>${s || 'any'}</option>`,
    )
    .join('');
  return `<form class="filters" method="get" action="/">
<label>Status<br><select name="status">${opts}</select></label>
<label>Label<br><input name="label" value="${esc(f.label)}" placeholder="team=web"></label>
<label>Text<br><input name="q" value="${esc(f.text)}" placeholder="name, port, group"></label>
${f.refresh ? `<input type="hidden" name="refresh" value="${f.refresh}">` : ''}
<button type="submit">Filter</button>${f.status || f.label || f.text ? ` <a href="${esc(queryOf({ ...f, label: '', text: '' }, null))}">clear</a>` : ''}
</form>`;
}

export function renderLanding(m: Monitor, v: DaemonStatusView, f: LandingFilter, now = Date.now()): string {
  const all = m.currentConfig().paths.map((p) => ({ p, st: m.pathStatus(p.name) }));
  const counts = countByStatus(all.map((x) => x.st.status));
  const shown = all.filter((x) => matches(f, x.p, x.st));
  shown.sort((a, b) => STATUS_RANK[a.st.status] - STATUS_RANK[b.st.status]);
  const rows = shown.slice(0, MAX_ROWS).map(({ p, st }) => pathRow(m, p, st, now));
  const headline = PATH_STATUSES.map((s) => `${counts[s]} ${s}`).join(', ');
  const body = `${renderBanners(bannersOf(v, m, now))}
${renderFacts(v, m, now)}
<h1 id="headline">Paths: ${all.length} configured: ${headline}</h1>
${countsHtml(counts, f)}
${filterForm(f)}
<p class="muted" id="shown">${shown.length === all.length ? `${all.length} paths` : `${shown.length} of ${all.length} paths match the filter`}${shown.length > MAX_ROWS ? `; the first ${MAX_ROWS} are listed` : ''}.</p>
${table(['Path', 'Status', 'Source → destination', 'Services', 'Expect', 'Checks', 'Why', 'Labels', 'Last check', 'Last change'], rows, 'paths')}`;
  return page('Paths', body, { refreshSeconds: f.refresh ?? REFRESH_SECONDS });
}
