// The reduced forms of a result tree: the monitor's outcome (reachable, what blocked it, the type of
// the hop it ended at, the datapaths it went through) and the delivery two engines must agree on. One
// rule names the ACL that decided a dropping hop: the seed's highest-priority deny among its matches.

import type { AclMatch, AllowedBy, Hop, HopType, RuleOwner } from '../vocabulary.ts';
import { summaryOf } from './summary.ts';
import type { AclDecision, TraceTree } from './tree.ts';

const DENY = new Set(['drop', 'reject']);

/** The deciding ACL of a hop: the highest-priority deny among its matches, else the highest overall. */
export function decidingAcl(matches: readonly AclMatch[] | undefined): AclMatch | null {
  if (!matches || matches.length === 0) return null;
  if (matches.length === 1) return matches[0]!;
  const byPriority = [...matches].sort((a, b) => b.priority - a.priority);
  return byPriority.find((m) => DENY.has(m.action)) ?? byPriority[0]!;
}

/** What stopped the packet, for the monitor's `blocked_by` label: ACL name (else uuid, else match), or where. */
function blockedLabel(hop: Hop): string {
  const acl = decidingAcl(hop.acl_matches);
  if (acl) return aclLabel(acl);
  const where = [hop.datapath, hop.stage].filter(Boolean).join('/');
  return where || hop.component;
}

/**
 * Who owns what stopped the packet, for ovncp_path_blocked_info{owner_kind, owner}: the deciding ACL's
 * owner (ovn-kubernetes policy, Neutron security group, else the ACL), else which default dropped it:
 * kind `default` with `default_acl_drop`, `port_security` or `no_route`; kind `router_policy` (the
 * router); `load_balancer` (the hop); else kind `pipeline` and the hop type. Bounded: one per ACL,
 * router or hop type.
 */
export function blockedOwnerOf(hop: Hop | null): RuleOwner {
  if (!hop) return { kind: 'pipeline', name: 'not_delivered' };
  const acl = decidingAcl(hop.acl_matches);
  if (acl?.owner) return acl.owner;
  if (acl) return { kind: 'acl', name: aclLabel(acl) };
  if (hop.type === 'acl') return { kind: 'default', name: 'default_acl_drop' };
  if (hop.type === 'port_security') return { kind: 'default', name: 'port_security' };
  if (hop.type === 'l3_routing' && hop.stage === 'lr_in_policy')
    return { kind: 'router_policy', name: hop.datapath ?? hop.component };
  if (hop.type === 'l3_routing' && hop.stage === 'lr_in_ip_routing')
    return { kind: 'default', name: 'no_route' };
  if (hop.type === 'load_balancer') return { kind: 'load_balancer', name: hop.component };
  return { kind: 'pipeline', name: hop.type };
}

/** One short text for an owner: `namespace/name`, or the name. */
export function ownerLabel(o: RuleOwner): string {
  return o.namespace && o.namespace !== o.name ? `${o.namespace}/${o.name}` : o.name;
}

export interface TraceOutcome {
  readonly reachable: boolean;
  /** Null when reached; `not_delivered` when output elsewhere without a drop. */
  readonly blockedBy: string | null;
  /** Null when reached: who owns what stopped it (blockedOwnerOf). */
  readonly blockedOwner: RuleOwner | null;
  /** The dropping hop's type, else the last hop's type, for a packet that did not arrive. */
  readonly hopType: HopType | null;
  readonly summary: string;
  /**
   * Why it was let through each ACL stage it passed, one short line (allowedByLabel); null when it met
   * no ACL stage. A string, not the decisions: checks keep it (10k checks, memory matters).
   */
  readonly allowedBy: string | null;
  /** Datapaths the trace went through; null when unknown (the check then re-runs on every change). */
  readonly visited: readonly string[] | null;
  /**
   * True when max_hops stopped the trace and no path reached the destination: the trace gave no
   * verdict (the monitor reports the check as an error, not as blocked).
   */
  readonly truncated: boolean;
}

/** The ACL stages that let the packet through, in order. */
export function allowedByOf(t: TraceTree): AclDecision[] {
  return t.acl.filter((d) => d.verdict === 'allow');
}

/** Said of a stage where no ACL matched and the switch's default let the packet pass. */
export const DEFAULT_ALLOW = 'no ACL matched: default allow';

/** An ACL as people name it: its name, else its uuid, else its match. */
export function aclLabel(acl: AclMatch): string {
  return acl.acl_name ?? (acl.uuid ? `acl:${acl.uuid}` : acl.match);
}

/**
 * The `allowed_by` entry of an ACL in one stage of one switch never changes while the ACL object lives
 * (the model builds its AclMatch objects once per compiled ACL), so entries are made once and shared,
 * frozen, by every result that passes that ACL there: a trace then allocates only the list.
 */
const entriesByAcl = new WeakMap<AclMatch, Map<string, AllowedBy>>();

function entryOf(d: AclDecision): AllowedBy {
  const acl = d.acl;
  if (!acl)
    return { datapath: d.datapath, stage: d.stage, direction: d.direction, acl, reason: DEFAULT_ALLOW };
  let byPlace = entriesByAcl.get(acl);
  if (!byPlace) entriesByAcl.set(acl, (byPlace = new Map()));
  const key = `${d.datapath}\n${d.stage}\n${d.direction}`;
  let e = byPlace.get(key);
  if (!e) {
    e = Object.freeze({
      datapath: d.datapath,
      stage: d.stage,
      direction: d.direction,
      acl,
      reason: reasonText(acl),
    });
    byPlace.set(key, e);
  }
  return e;
}

function reasonText(acl: AclMatch): string {
  const name = acl.acl_name !== null ? `ACL "${acl.acl_name}"` : acl.uuid ? `ACL ${acl.uuid}` : 'unnamed ACL';
  return `${name} (priority ${acl.priority}, ${acl.direction}, ${acl.action}): ${acl.match}`;
}

/** The API's `allowed_by`: each allowing stage with its deciding ACL (or the default) and a readable line. */
export function allowedByView(t: TraceTree): AllowedBy[] {
  const out: AllowedBy[] = [];
  for (const d of t.acl) if (d.verdict === 'allow') out.push(entryOf(d));
  return out;
}

/** The monitor's short form: `switch/stage: ACL name` per allowing stage, joined with `; `. */
export function allowedByLabel(t: TraceTree): string | null {
  const allowed = allowedByOf(t);
  if (allowed.length === 0) return null;
  return allowed
    .map((d) => `${d.datapath}/${d.stage}: ${d.acl ? aclLabel(d.acl) : DEFAULT_ALLOW}`)
    .join('; ');
}

/**
 * Datapaths the trace went through: the engine's own list when it gives one, else those named by the
 * shown hops. Those show one branch only, so a trace that split (LB backends, ECMP members, more than
 * one output port) without the engine's list is unknown.
 */
export function visitedOf(t: TraceTree): readonly string[] | null {
  if (t.visited) return t.visited;
  if (t.branches.length > 1 || t.outputPorts.length > 1) return null;
  const out: string[] = [];
  for (const h of t.shown.hops) if (h.datapath && !out.includes(h.datapath)) out.push(h.datapath);
  return out.length > 0 ? out : null;
}

export function outcomeOf(t: TraceTree): TraceOutcome {
  let blockedBy: string | null = null;
  let blockedOwner: RuleOwner | null = null;
  let hopType: HopType | null = null;
  if (!t.reached) {
    const hop = t.shown.dropped;
    blockedBy = hop ? blockedLabel(hop) : 'not_delivered';
    blockedOwner = blockedOwnerOf(hop);
    hopType = hop ? hop.type : t.shown.lastType;
  }
  return {
    reachable: t.reached,
    blockedBy,
    blockedOwner,
    hopType,
    summary: summaryOf(t),
    allowedBy: allowedByLabel(t),
    visited: visitedOf(t),
    truncated: t.truncated && !t.reached,
  };
}

/** The delivery two engines must agree on (cross-checks, conformance): reached, and where to. */
export interface Delivery {
  readonly reaches_destination: boolean;
  readonly output_ports: readonly string[];
}

export function deliveryOf(r: {
  readonly reaches_destination: boolean;
  readonly output_ports: readonly string[];
}): Delivery {
  return { reaches_destination: r.reaches_destination, output_ports: [...r.output_ports].sort() };
}

export function deliveryOfTree(t: TraceTree): Delivery {
  return { reaches_destination: t.reached, output_ports: [...t.outputPorts].sort() };
}

export function sameDelivery(a: Delivery, b: Delivery): boolean {
  return (
    a.reaches_destination === b.reaches_destination && a.output_ports.join('\n') === b.output_ports.join('\n')
  );
}
