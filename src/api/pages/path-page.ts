// `/paths/NAME`: one path — its status and why, its checks, a matrix when it spans port groups
// (sources × destinations, each cell coloured by verdict against the expectation, with its services,
// linking to that cell's trace), and the trace of one check (`?check=N`; by default the first unmet or
// erroring one) made now on the current topology, as GET /api/v1/paths/NAME makes it.

import type { Monitor } from '../../monitor/monitor.ts';
import type { PathSpec } from '../../monitor/paths-config.ts';
import { type CheckState, expectationMet, verdictOf } from '../../monitor/results.ts';
import { renderHistory } from './history-view.ts';
import { badge, esc, page, table, timeTag } from './html.ts';
import { bannersOf, type DaemonStatusView, renderBanners, renderFacts } from './status-view.ts';
import { CYTOSCAPE_URL, renderTraceResult } from './trace-view.ts';

function service(s: CheckState): string {
  return `${s.check.protocol}${s.check.port !== null ? `/${s.check.port}` : ''}`;
}

type CellState = 'ok' | 'unmet' | 'error' | 'pending';

function stateOf(s: CheckState): CellState {
  if (s.last?.error) return 'error';
  const met = expectationMet(s);
  return met === null ? 'pending' : met ? 'ok' : 'unmet';
}

const WORST: readonly CellState[] = ['error', 'unmet', 'pending', 'ok'];

function link(p: PathSpec, i: number): string {
  return `/paths/${encodeURIComponent(p.name)}?check=${i}`;
}

/** Sources × destinations of a group path; a cell lists its services, coloured by its worst check. */
export function renderMatrix(p: PathSpec, checks: readonly CheckState[]): string {
  const srcs = [...new Set(checks.map((s) => s.check.sourcePort))];
  const dsts = [...new Set(checks.map((s) => s.check.destination))];
  const cells = new Map<string, number[]>();
  checks.forEach((s, i) => {
    const k = `${s.check.sourcePort}\n${s.check.destination}`;
    cells.set(k, [...(cells.get(k) ?? []), i]);
  });
  const head = `<tr><th>source \\ destination</th>${dsts.map((d) => `<th>${esc(d)}</th>`).join('')}</tr>`;
  const rows = srcs.map((src) => {
    const tds = dsts.map((dst) => {
      const idx = cells.get(`${src}\n${dst}`);
      if (!idx) return '<td class="muted">—</td>';
      const states = idx.map((i) => stateOf(checks[i]!));
      const worst = WORST.find((w) => states.includes(w))!;
      const first = idx[states.indexOf(worst)]!;
      const svc = idx
        .map((i) => {
          const st = stateOf(checks[i]!);
          return `${esc(service(checks[i]!))} ${st === 'ok' ? '✓' : st === 'unmet' ? '✗' : st === 'error' ? '!' : '…'}`;
        })
        .join('<br>');
      return `<td class="cell-${worst}" data-state="${worst}" data-src="${esc(src)}" data-dst="${esc(dst)}"><a href="${esc(link(p, first))}" title="${esc(`${src} → ${dst}: ${worst}`)}">${svc}</a></td>`;
    });
    return `<tr><th>${esc(src)}</th>${tds.join('')}</tr>`;
  });
  return `<h2>Matrix</h2><p class="muted">Expect ${p.expect}: green meets it, red does not, orange errored, grey pending. A cell links to its trace.</p>
<table class="matrix" id="matrix"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function checkRow(p: PathSpec, s: CheckState, i: number, selected: number, now: number): string[] {
  const o = s.last;
  const why = o?.error
    ? esc(o.error.message)
    : o?.reachable === false
      ? esc(o.blockedBy ?? '')
      : esc(o?.allowedBy ?? '');
  const name = `${esc(s.check.sourcePort)} → ${esc(s.check.destination)}`;
  return [
    i === selected ? `<b>${name}</b>` : `<a href="${esc(link(p, i))}">${name}</a>`,
    esc(service(s)),
    esc(verdictOf(o) ?? 'pending'),
    badge(stateOf(s)),
    why,
    timeTag(o?.at, now),
    timeTag(s.lastChange, now),
  ];
}

/** The check shown by default: the first unmet, else the first erroring, else the first. */
function defaultCheck(checks: readonly CheckState[]): number {
  const i = checks.findIndex((s) => stateOf(s) === 'unmet');
  if (i >= 0) return i;
  return Math.max(
    0,
    checks.findIndex((s) => stateOf(s) === 'error'),
  );
}

async function traceSection(m: Monitor, s: CheckState | undefined): Promise<string> {
  if (!s) return '<p class="muted">No check to trace.</p>';
  const title = `<h2>Trace: ${esc(s.check.sourcePort)} → ${esc(s.check.destination)} ${esc(service(s))}</h2>`;
  try {
    const r = await m.traceOf(s.check.key);
    return r
      ? `${title}${renderTraceResult(r)}`
      : `${title}<p class="muted">The check is gone (reloaded).</p>`;
  } catch (err) {
    return `${title}<div class="banner bad" id="trace-error">The trace failed: ${esc((err as Error).message)}</div>`;
  }
}

export async function renderPathPage(
  m: Monitor,
  v: DaemonStatusView,
  p: PathSpec,
  checkParam: unknown,
  now = Date.now(),
): Promise<string> {
  const checks = m.statesOf(p.name);
  const st = m.pathStatus(p.name);
  const asked = typeof checkParam === 'string' && /^\d+$/.test(checkParam) ? Number(checkParam) : null;
  const selected = asked !== null && asked < checks.length ? asked : defaultCheck(checks);
  const group = p.source.kind === 'group' || p.destination.kind === 'group';
  const src = p.source.kind === 'group' ? `@${p.source.name}` : p.source.name;
  const dst = p.destination.kind === 'group' ? `@${p.destination.name}` : p.destination.name;
  const body = `${renderBanners(bannersOf(v, m, now))}
${renderFacts(v, m, now)}
<h1>${esc(p.name)} ${badge(st.status)}</h1>
${p.description ? `<p>${esc(p.description)}</p>` : ''}
<p>${esc(src)} → ${esc(dst)}, expect <b>${p.expect}</b>, engine ${esc(p.engine)}. ${st.message ? `<span class="${st.status}">${esc(st.message)}</span>` : ''}
<a href="/api/v1/paths/${encodeURIComponent(p.name)}">JSON</a></p>
${group && checks.length > 0 ? renderMatrix(p, checks) : ''}
<h2>Checks (${checks.length})</h2>
${table(
  ['Check', 'Service', 'Verdict', 'State', 'Blocked by / allowed by / error', 'Last check', 'Last change'],
  checks.slice(0, 1000).map((s, i) => checkRow(p, s, i, selected, now)),
)}
${renderHistory(m.history.of(p.name), now)}
${await traceSection(m, checks[selected])}`;
  return page(p.name, body, { scripts: [CYTOSCAPE_URL] });
}
