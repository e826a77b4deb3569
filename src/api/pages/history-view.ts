// Why a verdict flipped, on the pages (issue 19 item 4): the path page lists the path's last transitions
// (the monitor's VerdictHistory, newest first) with what re-ran the check — the NB rows whose change did,
// a schedule, a reload — and the landing page shows the newest one's cause beside "Last change".

import type { Transition } from '../../monitor/verdict-history.ts';
import { esc, table, timeTag } from './html.ts';

/** What caused a transition, in one line: the changed NB rows (first three), or the trigger. */
export function causeText(t: Transition): string {
  if (t.trigger !== 'topology' || !t.rows?.length) return esc(t.trigger);
  const rows = t.rows.slice(0, 3).map((r) => {
    const what = `${r.table} ${r.change}${r.name ? ` ${r.name}` : ''}`;
    return `${esc(what)}${r.match ? ` <code>${esc(r.match)}</code>` : ''}${r.owner ? ` on ${esc(r.owner)}` : ''}`;
  });
  const more = t.rows.length - 3 + t.more_rows;
  return `NB change: ${rows.join('; ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

function check(t: Transition): string {
  const svc = t.port !== null ? `${t.protocol}/${t.port}` : t.protocol;
  return `${esc(t.source_port)} → ${esc(t.destination)} ${esc(svc)}`;
}

/** The path page's history section; empty when the path never flipped. */
export function renderHistory(history: readonly Transition[], now: number): string {
  if (history.length === 0)
    return '<h2>Verdict history</h2><p class="muted">No verdict change since the daemon started.</p>';
  const rows = history.map((t) => [
    timeTag(t.at, now),
    check(t),
    `${esc(t.from ?? '—')} → <b>${esc(t.to)}</b>`,
    t.blocked_by ? esc(t.blocked_by) : '',
    causeText(t),
  ]);
  return `<h2>Verdict history</h2>${table(['When', 'Check', 'Verdict', 'Blocked by', 'Cause'], rows, 'history')}`;
}
