// The state of one model trace: the packet as it is now, the hops recorded so far, and the branches
// that ended (delivered or dropped). A load balancer or a flood forks the walk; each fork is a branch.
// With detail 'outcome' a walk only counts the hops it passes (no objects, no description strings)
// and builds just the hop it is dropped at, so a verdict costs less than a full explanation.

import type { Flow } from '../../../ovn/expr/index.ts';
import type { AclDecision, TraceBranch } from '../../result/tree.ts';
import type { Hop, HopType } from '../../types.ts';
import type { CompiledNetwork, CompiledVip } from '../compile/network.ts';
import { copyFlow } from '../packet.ts';

export type HopInput = Omit<Hop, 'index'>;

const NO_OUTPUTS: readonly string[] = Object.freeze([]);

/** One path through the network that ended: output to a port, or dropped at a hop (a tree branch). */
export interface Branch extends TraceBranch {
  /** Every hop (detail 'full'); with 'outcome' only the hop it was dropped at, if any. */
  readonly hops: Hop[];
  /** The logical port the packet was output to, or null when it was dropped (or stopped by max_hops). */
  readonly output: string | null;
  /** The switch that output it. */
  readonly outputSwitch: string | null;
  /** The packet at the end (after NAT/LB), used to tell who owns its destination address. */
  readonly flow: Flow;
  /** Whether the branch reached the destination (result.ts fills it in once). */
  reached: boolean;
}

/**
 * Where a walk goes when it leaves a datapath. The switch and router pipelines hand packets to each
 * other through this table (index.ts fills it) instead of importing each other.
 */
export interface Handoff {
  switchIngress(w: Walk, switchName: string, inport: string): void;
  routerIngress(w: Walk, routerPort: string): void;
}

export interface TraceContext {
  readonly net: CompiledNetwork;
  readonly handoff: Handoff;
  readonly maxHops: number;
  readonly sourcePort: string;
  /** False with detail 'outcome': hops are counted, not built. */
  readonly full: boolean;
  readonly branches: Branch[];
  readonly warnings: Set<string>;
  /** Every datapath (switch or router) a packet entered, in order, each once. */
  readonly visited: string[];
  /** Records why an ACL was not applied (adds to warnings). */
  readonly ignored: (why: string) => void;
  /** What every ACL stage passed decided, in order (over all branches). */
  readonly acl: AclDecision[];
  /** Set when a walk ran out of max_hops. */
  truncated: boolean;
}

export class Walk {
  backend: string | null = null;
  /** The VIP whose load balancer DNATed the packet last (with `backend`). */
  lbVip: CompiledVip | null = null;
  /** The ECMP members (routes or reroute next hops) this walk took, when a router split it. */
  member: string | null = null;
  /** Set when a router answered the packet (a ping to its address): the walk now carries the reply. */
  answeredBy: string | null = null;
  /** Hops taken so far (hops.length when they are built). */
  count: number;
  /** True once the walk ended (output or dropped). */
  ended = false;
  readonly full: boolean;
  constructor(
    readonly ctx: TraceContext,
    public flow: Flow,
    readonly hops: Hop[] = [],
  ) {
    this.count = hops.length;
    this.full = ctx.full;
  }

  /** Notes that this walk follows ECMP member `id` (nested splits are joined with ' > '). */
  takeMember(id: string): void {
    this.member = this.member === null ? id : `${this.member} > ${id}`;
  }

  fork(): Walk {
    const w = new Walk(this.ctx, copyFlow(this.flow), this.full ? this.hops.slice() : []);
    w.count = this.count;
    w.backend = this.backend;
    w.lbVip = this.lbVip;
    w.member = this.member;
    w.answeredBy = this.answeredBy;
    return w;
  }

  /** Notes entering a datapath (for TraceResult.visited). */
  enter(datapath: string): void {
    const v = this.ctx.visited;
    if (!v.includes(datapath)) v.push(datapath);
  }

  /**
   * Records a hop (the caller builds it only when `full`; pass null otherwise, the hop is counted).
   * Returns false (after ending the walk as stopped, see stop) when max_hops is exhausted. The hop's
   * `index` is set here; callers put `index: 0` first so every hop has the same shape and key order.
   */
  add(hop: Hop | null): boolean {
    if (this.count >= this.ctx.maxHops) {
      this.stop();
      return false;
    }
    if (hop) {
      hop.index = this.count;
      this.hops.push(hop);
    }
    this.count++;
    return true;
  }

  /**
   * Ends the walk because max_hops is used up (hop-stages.ts): no verdict from what was not traced, so
   * not a drop; the branch says `truncated`.
   */
  private stop(): void {
    this.ctx.truncated = true;
    this.end(null, null, null, null, true);
  }

  /** Ends the walk as a drop at `hop` (always built, whatever the detail), unless out of hops. */
  drop(hop: Hop): void {
    if (this.count >= this.ctx.maxHops) {
      this.stop();
      return;
    }
    hop.index = this.count;
    hop.action = 'drop';
    this.hops.push(hop);
    this.count++;
    this.end(null, null, hop, hop.type);
  }

  /** Ends the walk as output to `port`; `lastType` is the type of the hop that output it. */
  output(port: string, switchName: string, lastType: HopType): void {
    this.end(port, switchName, null, lastType);
  }

  private end(
    output: string | null,
    outputSwitch: string | null,
    dropped: Hop | null,
    lastType: HopType | null,
    truncated = false,
  ): void {
    this.ended = true;
    this.ctx.branches.push({
      hops: this.hops,
      count: this.count,
      output,
      outputs: output === null ? NO_OUTPUTS : [output],
      outputSwitch,
      dropped,
      lastType,
      flow: this.flow,
      backend: this.backend,
      member: this.member,
      answeredBy: this.answeredBy,
      reached: false,
      truncated,
    });
  }
}
