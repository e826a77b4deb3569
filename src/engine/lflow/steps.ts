// What a trace leaves behind for the result builders: each table the packet went through (a Step) and
// each end of a path (a Leaf), plus the name OVN gives port key 0.

import type { Pipeline } from './actions.ts';
import type { CDatapath, CFlow } from './compile.ts';
import type { HopInfo } from './flow-index.ts';

/** Port key 0 by name: OVN resolves the name "none" to no port (`outport == "none"` after get_fdb). */
export const NO_PORT = 'none';

/** One table the packet went through: the flow that matched (null: no match, an implicit drop). */
export interface Step {
  readonly dp: CDatapath;
  readonly pipeline: Pipeline;
  readonly table: number;
  readonly stage: string;
  readonly flow: CFlow | null;
  /** What the hop rule reads of running `flow` here (hop-info.ts). */
  readonly info: HopInfo;
  /**
   * What the actions did, one line each, in ovn-trace's words (for `raw` and verbose hops); null when the
   * trace shows neither, so no line is written (`notes?.push(…)` does not build its argument then).
   */
  readonly notes: string[] | null;
  /** The ACL name a `log(name=…)` action gave, if any. */
  logName: string | null;
}

export type LeafKind = 'delivered' | 'dropped' | 'omitted' | 'limit';

/** Where one path of the packet ended. */
export interface Leaf {
  readonly kind: LeafKind;
  /** Tables from the first to the last, shared with other leaves that forked later. */
  readonly steps: readonly Step[];
  /** The port a delivered packet left OVN by. */
  readonly port: string | null;
  /** True when the packet is one OVN generated (a reply to the source), not the traced one. */
  readonly reply: boolean;
  readonly reason: string;
  /** Load-balancer backend / select() member ids this path chose, outermost first. */
  readonly choices: readonly string[];
}
