// Turns the branches of a model trace into the API's TraceResult: picks the branch to show, decides
// reaches_destination (DESIGN.md §2: output to the port that owns the destination address, or for an
// address no port owns, out of OVN through some other port; for a VIP, any backend reached), lists
// output ports and backends, and writes the one-line summary.

import { formatIp, parseIp } from '../../ovn/net/addr.ts';
import type { BackendOutcome, ResolvedRequest, TraceRequest, TraceResult } from '../types.ts';
import type { CompiledNetwork } from './compile.ts';
import { dstKey, type IpKey, ipKey } from './packet.ts';
import type { Branch, TraceContext } from './walk.ts';

/** Port names by address key (the topology's portsByIp, keyed without formatting per lookup). */
function ownersByKey(net: CompiledNetwork): Map<IpKey, readonly string[]> {
  let m = net.caches.ownersByKey;
  if (!m) {
    m = new Map();
    for (const [text, ports] of net.topology.index.portsByIp) {
      const ip = parseIp(text);
      if (ip) m.set(ipKey(ip), ports);
    }
    net.caches.ownersByKey = m;
  }
  return m;
}

function ownerOf(net: CompiledNetwork, b: Branch): string | null {
  const owners = ownersByKey(net).get(dstKey(b.flow));
  if (!owners || owners.length === 0) return null;
  if (owners.length === 1) return owners[0]!;
  const t = net.topology;
  return owners.find((p) => t.ports.get(p)?.switchName === b.outputSwitch) ?? owners[0]!;
}

export function branchReached(ctx: TraceContext, b: Branch): boolean {
  if (b.reached === undefined) b.reached = computeReached(ctx, b);
  return b.reached;
}

function computeReached(ctx: TraceContext, b: Branch): boolean {
  if (b.output === null) return false;
  if (b.answeredBy) return b.output === ctx.sourcePort;
  const owner = ownerOf(ctx.net, b);
  return owner === null ? b.output !== ctx.sourcePort : b.output === owner;
}

function backendsOf(ctx: TraceContext): BackendOutcome[] | undefined {
  let byBackend: Map<string, BackendOutcome> | undefined;
  for (const b of ctx.branches) {
    if (!b.backend) continue;
    byBackend ??= new Map();
    let o = byBackend.get(b.backend);
    if (!o) byBackend.set(b.backend, (o = { backend: b.backend, reached: false, output_ports: [] }));
    if (branchReached(ctx, b)) o.reached = true;
    if (b.output && !o.output_ports.includes(b.output)) o.output_ports.push(b.output);
  }
  return byBackend ? [...byBackend.values()] : undefined;
}

function summaryOf(r: ResolvedRequest, res: Omit<TraceResult, 'summary'>, shown: Branch): string {
  const to = formatIp(r.dstIp);
  const n = shown.count;
  if (shown.answeredBy && res.reaches_destination)
    return `Ping from ${r.sourcePort} to ${to} answered by router ${shown.answeredBy}; the reply reached ${r.sourcePort} after ${n} hops`;
  if (res.reaches_destination)
    return `Packet successfully traced from ${r.sourcePort} to ${to} through ${n} hops`;
  if (res.dropped_at)
    return `Packet from ${r.sourcePort} to ${to} dropped at hop ${res.dropped_at.index} (${res.dropped_at.type}): ${res.dropped_at.description}`;
  return `Packet from ${r.sourcePort} to ${to} was delivered to ${res.output_ports.join(', ')}, not to the owner of ${to}`;
}

/** The branch to show: the first that reached the destination, else the first output, else the first. */
function shownBranch(ctx: TraceContext): { shown: Branch; reached: boolean } {
  let output: Branch | undefined;
  for (const b of ctx.branches) {
    if (branchReached(ctx, b)) return { shown: b, reached: true };
    if (b.output && !output) output = b;
  }
  return { shown: output ?? ctx.branches[0]!, reached: false };
}

function warningsOf(r: ResolvedRequest, ctx: TraceContext, backends: BackendOutcome[] | undefined) {
  const warnings = r.warnings.slice();
  for (const w of ctx.warnings) warnings.push(w);
  if (backends?.some((b) => b.reached) && backends.some((b) => !b.reached)) {
    warnings.push(
      `Only some load-balancer backends are reached: ${backends
        .filter((b) => !b.reached)
        .map((b) => b.backend)
        .join(', ')} not reached`,
    );
  }
  return warnings;
}

export function buildResult(request: TraceRequest, r: ResolvedRequest, ctx: TraceContext): TraceResult {
  const { shown, reached } = shownBranch(ctx);
  const output_ports: string[] = [];
  for (const b of ctx.branches) if (b.output && !output_ports.includes(b.output)) output_ports.push(b.output);
  const backends = backendsOf(ctx);
  // Built field by field (not spread) in the order the API shows them: this runs once per trace.
  const result = {
    request,
    success: true,
    reaches_destination: reached,
    hops: shown.hops,
    dropped_at: reached ? null : shown.droppedAt,
    output_ports,
    warnings: warningsOf(r, ctx, backends),
    engine: 'model',
  } as TraceResult;
  if (backends) result.backends = backends;
  result.summary = summaryOf(r, result, shown);
  // Not enumerable: for the monitor only, so no serialization (HTTP API, CLI JSON, paths API) shows it.
  Object.defineProperty(result, 'visited', { value: ctx.visited, writable: true, configurable: true });
  return result;
}
