// The one internal result of a trace, whatever engine made it: the branches the packet took (one per
// load-balancer backend, ECMP member or flood target that ended separately), each with its hop events,
// plus what the trace learnt on the way (datapaths visited, the decision of every ACL stage passed).
// The API JSON, the monitor's outcome, the summary sentence and the CLI table are renderings of it
// (api.ts, outcome.ts, summary.ts, table.ts); nothing re-traces to learn more about the same packet.

import type { AclMatch, EngineName, Hop, HopType, TraceRequest } from '../vocabulary.ts';

/**
 * One step of a pipeline: its type, the OVN stage id (`ls_in_acl`, `lr_in_ip_routing`), the datapath,
 * the action and a description, with the ACL that decided an ACL stage and verbose details. Engines
 * record hop events in the shape the API shows a hop, so the API renderer passes them through without
 * copying (the model engine builds tens of thousands of traces per CPU second).
 */
export type HopEvent = Hop;

/** One path of the packet that ended: output (to one or more ports) or dropped. */
export interface TraceBranch {
  /** Hop events in order (model detail 'outcome': only the hop it was dropped at, if any). */
  readonly hops: readonly HopEvent[];
  /** How many hops the path took (hops.length unless hops were skipped for detail 'outcome'). */
  readonly count: number;
  /**
   * Logical ports the packet was delivered to on this path (model: at most one, a flood forks; an
   * ovn-trace run prints every port it outputs to, so one run can deliver to several).
   */
  readonly outputs: readonly string[];
  /** The hop the packet died at when this path did not reach the destination, else null. */
  readonly dropped: HopEvent | null;
  /**
   * The type of the path's last hop, known even when hops were not built; null for a path max_hops
   * stopped (its last hop is not where it ended).
   */
  readonly lastType: HopType | null;
  /** The LB backend this path follows (as the VIP lists it), when a VIP split the trace. */
  readonly backend: string | null;
  /** The ECMP member id this path follows, when the engine traced members separately. */
  readonly member: string | null;
  /** The router that answered the packet itself (a ping to its address): the path is the reply. */
  readonly answeredBy: string | null;
  /** Whether this path reached the destination (DESIGN.md §2). */
  readonly reached: boolean;
  /**
   * True when max_hops stopped this path before it was delivered or dropped (result/hop-stages.ts):
   * then it has exactly max_hops hops, no output, no drop and did not reach the destination.
   */
  readonly truncated: boolean;
}

export type AclVerdict = 'allow' | 'drop';

/**
 * What one ACL stage decided for the packet. `acl` is the ACL whose match decided, or null when none
 * matched (the switch's default: allow, or drop with default_acl_drop).
 */
export interface AclDecision {
  /** OVN stage id: ls_in_acl, ls_in_acl_after_lb, ls_out_acl (23.06+: *_acl_eval). */
  readonly stage: string;
  readonly datapath: string;
  readonly direction: 'ingress' | 'egress';
  readonly verdict: AclVerdict;
  readonly acl: AclMatch | null;
}

export interface TraceTree {
  readonly engine: EngineName;
  /** The request as the caller sent it (echoed by the API). */
  readonly request: TraceRequest;
  /** Resolved source port and destination address, as the summary names them. */
  readonly from: string;
  readonly to: string;
  readonly branches: readonly TraceBranch[];
  /** The branch renderers show: the engine's choice among `branches` (one of them). */
  readonly shown: TraceBranch;
  /** True when any branch reached the destination. */
  readonly reached: boolean;
  /** Ports the packet was delivered to over every branch, each once, in branch order. */
  readonly outputPorts: readonly string[];
  /** Every datapath the packet entered over every branch, each once; null when the engine cannot tell. */
  readonly visited: readonly string[] | null;
  /** Auto-filled fields, ignored matches, partial LB/ECMP reach, … in the order the API lists them. */
  readonly warnings: readonly string[];
  /** Every ACL stage passed, in the order passed (allowed and dropped). */
  readonly acl: readonly AclDecision[];
  /** True when max_hops stopped some branch of the trace (TraceBranch.truncated). */
  readonly truncated: boolean;
  /** Raw ovn-trace text (ovn-trace engine, verbose only). */
  readonly raw?: string;
}
