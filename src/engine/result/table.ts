// The CLI's readable rendering of a trace: a verdict line, the summary, one row per hop, then backends,
// what let it through each ACL stage, warnings and raw ovn-trace text. It reads the API form (TraceResult) because `trace --url` gets only
// that from a daemon; a local trace renders its tree to that form first (api.ts).

import type { Hop, TraceResult } from '../vocabulary.ts';
import { blockedOwnerOf, ownerLabel } from './outcome.ts';

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
}

export function renderTrace(r: TraceResult): string {
  // DATAPATH: two hops of the same kind on different switches (e.g. both egress ACLs) must tell apart.
  const head = ['#', 'DATAPATH', 'TYPE', 'ACTION', 'COMPONENT', 'DESCRIPTION'];
  const rows = r.hops.map((h: Hop) => [
    String(h.index),
    h.datapath ?? '-',
    h.type,
    h.action,
    h.component,
    h.description,
  ]);
  const widths = head.map((_, i) => Math.max(head[i]!.length, ...rows.map((x) => x[i]!.length)));
  // A trace max_hops cut has no verdict: it is neither reached nor blocked (absent from older daemons).
  const verdict = r.reaches_destination
    ? `REACHED ${r.output_ports.join(', ') || 'destination'}`
    : r.truncated
      ? `TRUNCATED at ${r.hops.length} hops (max_hops)`
      : `BLOCKED${r.dropped_at ? ` at hop ${r.dropped_at.index} (${r.dropped_at.type})` : ''}`;
  const lines = [`${verdict} [engine ${r.engine}]`, r.summary];
  // Who owns the rule that stopped it (an ovn-kubernetes policy, a Neutron security group, the ACL), or
  // which default did. A truncated trace was stopped by nobody.
  if (!r.reaches_destination && !r.truncated) {
    const o = blockedOwnerOf(r.dropped_at);
    lines.push(`blocked by ${o.kind} ${ownerLabel(o)}${o.id && o.id !== o.name ? ` (id ${o.id})` : ''}`);
  }
  lines.push('', row(head, widths), ...rows.map((x) => row(x, widths)));
  if (r.backends?.length) {
    lines.push(
      '',
      ...r.backends.map((b) => `backend ${b.backend}: ${b.reached ? 'reached' : 'not reached'}`),
    );
  }
  // Why open: what let the packet through each ACL stage (absent from a daemon older than the field).
  if (r.allowed_by?.length)
    lines.push('', ...r.allowed_by.map((a) => `allowed by ${a.datapath} ${a.stage}: ${a.reason}`));
  if (r.warnings.length) lines.push('', ...r.warnings.map((w) => `warning: ${w}`));
  if (r.raw) lines.push('', r.raw.trimEnd());
  return `${lines.join('\n')}\n`;
}
