// Turns the branches of a model trace into the API's TraceResult: picks the branch to show, decides
// reaches_destination (DESIGN.md §2: output to the port that owns the destination address, or for an
// address no port owns, out of OVN through some other port; for a VIP, any backend reached), lists
// output ports and backends, and writes the one-line summary.

import { formatIp } from '../../ovn/net/addr.ts';
import type { Topology } from '../../ovn/topology/types.ts';
import type { BackendOutcome, ResolvedRequest, TraceRequest, TraceResult } from '../types.ts';
import { dstIp } from './packet.ts';
import type { Branch, TraceContext } from './walk.ts';

function ownerOf(t: Topology, b: Branch): string | null {
  const owners = t.index.portsByIp.get(formatIp(dstIp(b.flow))) ?? [];
  if (owners.length === 0) return null;
  return owners.find((p) => t.ports.get(p)?.switchName === b.outputSwitch) ?? owners[0]!;
}

const reachedCache = new WeakMap<Branch, boolean>();

export function branchReached(t: Topology, ctx: TraceContext, b: Branch): boolean {
  let r = reachedCache.get(b);
  if (r === undefined) reachedCache.set(b, (r = computeReached(t, ctx, b)));
  return r;
}

function computeReached(t: Topology, ctx: TraceContext, b: Branch): boolean {
  if (b.output === null) return false;
  if (b.answeredBy) return b.output === ctx.sourcePort;
  const owner = ownerOf(t, b);
  return owner === null ? b.output !== ctx.sourcePort : b.output === owner;
}

function backendsOf(t: Topology, ctx: TraceContext): BackendOutcome[] | undefined {
  const byBackend = new Map<string, BackendOutcome>();
  for (const b of ctx.branches) {
    if (!b.backend) continue;
    let o = byBackend.get(b.backend);
    if (!o) byBackend.set(b.backend, (o = { backend: b.backend, reached: false, output_ports: [] }));
    if (branchReached(t, ctx, b)) o.reached = true;
    if (b.output && !o.output_ports.includes(b.output)) o.output_ports.push(b.output);
  }
  return byBackend.size > 0 ? [...byBackend.values()] : undefined;
}

function summaryOf(r: ResolvedRequest, res: Omit<TraceResult, 'summary'>, shown: Branch): string {
  const to = formatIp(r.dstIp);
  const n = res.hops.length;
  if (shown.answeredBy && res.reaches_destination)
    return `Ping from ${r.sourcePort} to ${to} answered by router ${shown.answeredBy}; the reply reached ${r.sourcePort} after ${n} hops`;
  if (res.reaches_destination)
    return `Packet successfully traced from ${r.sourcePort} to ${to} through ${n} hops`;
  if (res.dropped_at)
    return `Packet from ${r.sourcePort} to ${to} dropped at hop ${res.dropped_at.index} (${res.dropped_at.type}): ${res.dropped_at.description}`;
  return `Packet from ${r.sourcePort} to ${to} was delivered to ${res.output_ports.join(', ')}, not to the owner of ${to}`;
}

export function buildResult(
  t: Topology,
  request: TraceRequest,
  r: ResolvedRequest,
  ctx: TraceContext,
): TraceResult {
  const reached = ctx.branches.filter((b) => branchReached(t, ctx, b));
  const shown = reached[0] ?? ctx.branches.find((b) => b.output) ?? ctx.branches[0]!;
  const output_ports = [...new Set(ctx.branches.map((b) => b.output).filter((p): p is string => !!p))];
  const backends = backendsOf(t, ctx);
  const warnings = [...r.warnings, ...ctx.warnings];
  if (backends?.some((b) => b.reached) && backends.some((b) => !b.reached)) {
    warnings.push(
      `Only some load-balancer backends are reached: ${backends
        .filter((b) => !b.reached)
        .map((b) => b.backend)
        .join(', ')} not reached`,
    );
  }
  const base = {
    request,
    success: true,
    reaches_destination: reached.length > 0,
    hops: shown.hops,
    dropped_at: reached.length > 0 ? null : shown.droppedAt,
    output_ports,
    warnings,
    engine: 'model' as const,
    ...(backends ? { backends } : {}),
  };
  return { ...base, summary: summaryOf(r, base, shown) };
}
