// The state of one model trace: the packet as it is now, the hops recorded so far, and the branches
// that ended (delivered or dropped). A load balancer or a flood forks the walk; each fork is a branch.

import { cloneFlow, type Flow } from '../../ovn/expr/index.ts';
import type { Hop } from '../types.ts';
import type { CompiledNetwork } from './compile.ts';

export type HopInput = Omit<Hop, 'index'>;

/** One path through the network that ended: output to a port, or dropped at a hop. */
export interface Branch {
  readonly hops: Hop[];
  /** The logical port the packet was output to, or null when it was dropped. */
  readonly output: string | null;
  /** The switch that output it. */
  readonly outputSwitch: string | null;
  readonly droppedAt: Hop | null;
  /** The packet at the end (after NAT/LB), used to tell who owns its destination address. */
  readonly flow: Flow;
  /** The LB backend this branch follows, when a VIP forked the trace. */
  readonly backend: string | null;
  /** The router that answered the packet itself (a ping to its address); the branch is the reply. */
  readonly answeredBy: string | null;
}

export interface TraceContext {
  readonly net: CompiledNetwork;
  readonly maxHops: number;
  readonly sourcePort: string;
  readonly branches: Branch[];
  readonly warnings: Set<string>;
  /** Records why an ACL was not applied (adds to warnings). */
  readonly ignored: (why: string) => void;
}

export class Walk {
  backend: string | null = null;
  /** Set when a router answered the packet (a ping to its address): the walk now carries the reply. */
  answeredBy: string | null = null;
  constructor(
    readonly ctx: TraceContext,
    public flow: Flow,
    readonly hops: Hop[] = [],
  ) {}

  fork(): Walk {
    const w = new Walk(this.ctx, cloneFlow(this.flow), this.hops.slice());
    w.backend = this.backend;
    w.answeredBy = this.answeredBy;
    return w;
  }

  /** Records a hop; returns false (after ending the walk as a drop) when max_hops is exhausted. */
  add(hop: HopInput): boolean {
    if (this.hops.length >= this.ctx.maxHops) {
      this.drop({
        type: 'flow',
        component: 'trace limit',
        action: 'drop',
        description: `Trace stopped: max_hops (${this.ctx.maxHops}) reached, possibly a forwarding loop`,
      });
      return false;
    }
    this.hops.push({ index: this.hops.length, ...hop });
    return true;
  }

  drop(hop: HopInput): void {
    const h: Hop = { index: this.hops.length, ...hop, action: 'drop' };
    this.hops.push(h);
    this.end(null, null, h);
  }

  output(port: string, switchName: string): void {
    this.end(port, switchName, null);
  }

  private end(output: string | null, outputSwitch: string | null, droppedAt: Hop | null): void {
    this.ctx.branches.push({
      hops: this.hops,
      output,
      outputSwitch,
      droppedAt,
      flow: this.flow,
      backend: this.backend,
      answeredBy: this.answeredBy,
    });
  }
}
