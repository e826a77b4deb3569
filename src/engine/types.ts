// The engine interface: one trace request and the network to trace it on in, one result tree out
// (result/tree.ts), whatever engine answers; TraceResult is the API's rendering of that tree, with
// the field names of the API contract (shared/seed/ovn-flow-tracing.md) plus the additions of
// DESIGN.md §2 (dropped_at, engine, warnings, output_ports). Drops, missing routes, TTL expiry and
// port-security violations are results, never exceptions; only a request the topology cannot
// answer (unknown port, …) throws an OvncpError.

import type { IpAddr } from '../ovn/net/addr.ts';
import type { Topology } from '../ovn/topology/types.ts';
import type { TraceTree } from './result/tree.ts';

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
  /** 1..100, default 50. */
  max_hops?: number | undefined;
}

/** A request with every field the pipeline needs filled in (by the user or from the topology). */
export interface ResolvedRequest {
  readonly sourcePort: string;
  /** The logical switch of the source port: the datapath the trace starts in. */
  readonly datapath: string;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly srcIp: IpAddr;
  readonly dstIp: IpAddr;
  readonly protocol: Protocol;
  readonly srcPortNum: number;
  readonly dstPortNum: number;
  readonly maxHops: number;
  readonly verbose: boolean;
  /** Names of the request fields that were auto-filled, with a sentence each. */
  readonly warnings: readonly string[];
  /** The logical port that owns destination_ip, when one does. */
  readonly destinationPort: string | null;
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

export interface AclMatch {
  acl_name: string | null;
  priority: number;
  /** 'ingress' for from-lport ACLs, 'egress' for to-lport ones. */
  direction: 'ingress' | 'egress';
  action: string;
  match: string;
  /** Where the ACL is attached (switch or port group name). */
  owner?: string;
  uuid?: string;
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

export type EngineName = 'model' | 'ovn-trace';

export interface BackendOutcome {
  backend: string;
  reached: boolean;
  output_ports: string[];
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
}

export interface TraceOptions {
  /**
   * The topology to trace on. Callers take it once (e.g. from the store after checking readiness) and
   * pass the same object to every trace that must agree; a derived topology (what-if) is just another
   * object. Engines keep nothing bound to one topology.
   */
  readonly network: Topology;
  readonly signal?: AbortSignal;
  /**
   * 'full' (default): every hop with its description. 'outcome': the model engine may skip building
   * intermediate hops (the shown branch then holds only the hop it was dropped at, if any) but the tree
   * still has the verdict, outputs, warnings, backends, visited, ACL decisions, a complete dropped hop
   * and the last hop's type. The ovn-trace engine ignores it.
   */
  readonly detail?: 'full' | 'outcome';
}

/** What every engine implements. */
export interface TraceEngine {
  readonly name: EngineName;
  trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree>;
  close?(): Promise<void>;
}
