// Turns the branches of a model trace into its result tree: decides for every branch whether it
// reached the destination (DESIGN.md §2: output to the port that owns the destination address, or for
// an address no port owns, out of OVN through some other port; for a VIP, any backend reached), picks
// the branch to show, lists output ports and adds the warnings the branches imply.

import { formatIp, parseIp } from '../../../ovn/net/addr.ts';
import type { TraceTree } from '../../result/tree.ts';
import type { ResolvedRequest, TraceRequest } from '../../types.ts';
import type { CompiledNetwork } from '../compile/network.ts';
import { dstKey, type IpKey, ipKey } from '../packet.ts';
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

function computeReached(ctx: TraceContext, b: Branch): boolean {
  if (b.output === null) return false;
  if (b.answeredBy) return b.output === ctx.sourcePort;
  const owner = ownerOf(ctx.net, b);
  return owner === null ? b.output !== ctx.sourcePort : b.output === owner;
}

/** Backends no branch through them reached, when some other backend was reached (else none). */
function missedBackends(branches: readonly Branch[]): string[] {
  const reached = new Set<string>();
  const all: string[] = [];
  for (const b of branches) {
    if (!b.backend) continue;
    if (!all.includes(b.backend)) all.push(b.backend);
    if (b.reached) reached.add(b.backend);
  }
  return reached.size === 0 ? [] : all.filter((x) => !reached.has(x));
}

function warningsOf(r: ResolvedRequest, ctx: TraceContext, hasBackends: boolean): string[] {
  const warnings = r.warnings.slice();
  for (const w of ctx.warnings) warnings.push(w);
  const missed = hasBackends ? missedBackends(ctx.branches) : [];
  if (missed.length > 0)
    warnings.push(`Only some load-balancer backends are reached: ${missed.join(', ')} not reached`);
  return warnings;
}

export function buildTree(request: TraceRequest, r: ResolvedRequest, ctx: TraceContext): TraceTree {
  const outputPorts: string[] = [];
  let reachedBranch: Branch | undefined;
  let outputBranch: Branch | undefined;
  let hasBackends = false;
  for (const b of ctx.branches) {
    b.reached = computeReached(ctx, b);
    if (b.reached) reachedBranch ??= b;
    if (b.backend) hasBackends = true;
    if (b.output) {
      outputBranch ??= b;
      if (!outputPorts.includes(b.output)) outputPorts.push(b.output);
    }
  }
  // Shown: the first branch that reached the destination, else the first output, else the first.
  const shown = reachedBranch ?? outputBranch ?? ctx.branches[0]!;
  return {
    engine: 'model',
    request,
    from: r.sourcePort,
    to: formatIp(r.dstIp),
    branches: ctx.branches,
    shown,
    reached: reachedBranch !== undefined,
    outputPorts,
    visited: ctx.visited,
    warnings: warningsOf(r, ctx, hasBackends),
    acl: ctx.acl,
    truncated: ctx.truncated,
  };
}
