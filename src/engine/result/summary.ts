// The one-line summary of a trace, rendered from its result tree. Each engine keeps the wording it has
// always had (API users read it), so the sentence depends on the engine that traced.

import type { TraceTree } from './tree.ts';

/** A path max_hops stopped: where it was cut, and that nothing beyond was traced. */
function truncatedSummary(t: TraceTree): string {
  const n = t.shown.count;
  return `Trace from ${t.from} to ${t.to} cut at ${n} hops: max_hops (${n}) reached before the packet was delivered or dropped (a longer path, or a forwarding loop)`;
}

function modelSummary(t: TraceTree): string {
  const { shown, from, to } = t;
  const n = shown.count;
  if (shown.truncated) return truncatedSummary(t);
  if (shown.answeredBy && t.reached)
    return `Ping from ${from} to ${to} answered by router ${shown.answeredBy}; the reply reached ${from} after ${n} hops`;
  if (t.reached) return `Packet successfully traced from ${from} to ${to} through ${n} hops`;
  const d = shown.dropped;
  if (d) return `Packet from ${from} to ${to} dropped at hop ${d.index} (${d.type}): ${d.description}`;
  return `Packet from ${from} to ${to} was delivered to ${t.outputPorts.join(', ')}, not to the owner of ${to}`;
}

/** ovn-trace: the sentence of the shown run (one ovn-trace run per LB backend or ECMP member). */
function ovnTraceSummary(t: TraceTree): string {
  const { shown, from, to } = t;
  if (shown.truncated) return truncatedSummary(t);
  if (shown.reached) return `Packet successfully traced from ${from} to ${to} through ${shown.count} hops`;
  const d = shown.dropped;
  if (d) return `Packet from ${from} to ${to} dropped at ${d.stage ?? d.component}: ${d.description}`;
  if (shown.outputs.length > 0)
    return `Packet from ${from} to ${to} delivered to ${shown.outputs.join(', ')}, not to the destination`;
  return `Packet from ${from} to ${to} was not delivered`;
}

export function summaryOf(t: TraceTree): string {
  return t.engine === 'model' ? modelSummary(t) : ovnTraceSummary(t);
}
