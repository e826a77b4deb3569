// The flows of one pipeline of one datapath, by table, each table in priority order (highest first, as
// ovn-trace sorts them; equal priorities keep insertion order). Lookup returns the first flow whose
// match holds, which is what OVN's flow table does for non-overlapping priorities.

import type { Flow } from '../../ovn/expr/index.ts';
import type { LogicalFlow } from '../../ovn/sb/types.ts';
import type { Action } from './actions.ts';

/** One logical flow ready to run on one datapath. */
export interface CFlow {
  readonly flow: LogicalFlow;
  readonly stage: string;
  readonly evaluate: (f: Flow) => boolean;
  readonly actions: readonly Action[];
}

export class FlowIndex {
  private readonly tables: CFlow[][] = [];

  add(table: number, f: CFlow): void {
    let list = this.tables[table];
    if (!list) this.tables[table] = list = [];
    // Insert after every flow of higher or equal priority.
    let lo = 0;
    let hi = list.length;
    const p = f.flow.priority;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.flow.priority >= p) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, f);
  }

  remove(table: number, f: CFlow): void {
    const list = this.tables[table];
    const i = list ? list.indexOf(f) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** The highest-priority flow of `table` matching `flow`, or null. */
  lookup(table: number, flow: Flow): CFlow | null {
    const list = this.tables[table];
    if (!list) return null;
    for (const f of list) if (f.evaluate(flow)) return f;
    return null;
  }

  /** Number of tables (highest table id + 1). */
  get length(): number {
    return this.tables.length;
  }

  /** The stage name of a table, from any of its flows. */
  stageOf(table: number): string | null {
    return this.tables[table]?.[0]?.stage ?? null;
  }

  /** ovn-trace skips a table whose first match is the catch-all `1` with just `next;`. */
  flowsOf(table: number): readonly CFlow[] {
    return this.tables[table] ?? [];
  }
}
