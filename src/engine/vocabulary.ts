// The words every engine and renderer share: the seed's trace request, hop types, hops, ACL matches,
// engine names, and the API's TraceResult (shared/seed/ovn-flow-tracing.md plus DESIGN.md §2:
// dropped_at, engine, warnings, output_ports). It imports nothing of the engines, so the result tree
// (result/tree.ts) and its renderers can use it while types.ts builds the engine interface on the tree.

export const PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The seed's flow-trace request. Everything but source_port is optional and auto-filled. */
export interface TraceRequest {
  source_port: string;
  source_mac?: string | undefined;
  source_ip?: string | undefined;
  destination_mac?: string | undefined;
  destination_ip?: string | undefined;
  protocol?: Protocol | undefined;
  source_port_num?: number | undefined;
  destination_port_num?: number | undefined;
  verbose?: boolean | undefined;
  /** 1..100, default 50: at most this many hops are traced (see TraceResult.truncated). */
  max_hops?: number | undefined;
}

export const HOP_TYPES = [
  'port_security',
  'acl',
  'l2_lookup',
  'l3_routing',
  'nat',
  'load_balancer',
  'flow',
] as const;
export type HopType = (typeof HOP_TYPES)[number];
export type HopAction = 'forward' | 'drop' | 'output' | 'modify';

/** Who an ACL was written for, from its NB external_ids (an ovn-kubernetes policy, a Neutron rule, …). */
export type { RuleOwner } from '../ovn/topology/rule-owner.ts';

import type { RuleOwner } from '../ovn/topology/rule-owner.ts';

export interface AclMatch {
  acl_name: string | null;
  priority: number;
  /** 'ingress' for from-lport ACLs, 'egress' for to-lport ones. */
  direction: 'ingress' | 'egress';
  action: string;
  match: string;
  /** Where the ACL is attached: `switch NAME` or `port group NAME`. */
  attached_to?: string;
  /** Who the ACL was written for (absent when the engine could not name the NB ACL). */
  owner?: RuleOwner;
  uuid?: string;
  /** ACL tier (23.06+), when not 0. */
  tier?: number;
}

export interface Hop {
  index: number;
  type: HopType;
  /** e.g. `ingress(dp="ls1", inport="vm1-port")`, `ingress ACL`, `L2 forwarding`. */
  component: string;
  action: HopAction;
  description: string;
  next_hop?: string;
  acl_matches?: AclMatch[];
  /** Datapath (switch/router name) and pipeline stage, when known. */
  datapath?: string;
  stage?: string;
  /** Extra detail shown with `verbose`. */
  details?: Record<string, unknown>;
}

export type EngineName = 'model' | 'ovn-trace' | 'lflow';

export interface BackendOutcome {
  backend: string;
  reached: boolean;
  output_ports: string[];
}

/**
 * One ACL stage the packet passed, and why it was let through: the deciding ACL (the highest-priority
 * match, an allow), or null when no ACL of the stage matched and the switch's default allowed it.
 */
export interface AllowedBy {
  datapath: string;
  /** OVN stage id: ls_in_acl, ls_in_acl_after_lb, ls_out_acl (23.06+: *_acl_eval). */
  stage: string;
  direction: 'ingress' | 'egress';
  acl: AclMatch | null;
  /** One readable line: the ACL (name, priority, direction, action, match), or the default. */
  reason: string;
}

export interface TraceResult {
  request: TraceRequest;
  success: boolean;
  reaches_destination: boolean;
  hops: Hop[];
  summary: string;
  dropped_at: Hop | null;
  output_ports: string[];
  warnings: string[];
  engine: EngineName;
  /** For a load-balancer VIP: which backends were and were not reached. */
  backends?: BackendOutcome[];
  /** Raw ovn-trace text (ovn-trace engine, verbose only). */
  raw?: string;
  /**
   * True when max_hops stopped the trace before the packet was delivered or dropped (the shown path
   * then has exactly max_hops hops, dropped_at is null and the summary says where it was cut).
   */
  truncated: boolean;
  /** Every ACL stage passed that let the packet through, in order (issue 17: why open). */
  allowed_by: AllowedBy[];
}
