// The flows of one pipeline of one datapath, by table, each table in priority order (highest first, as
// ovn-trace sorts them; equal priorities keep insertion order). Lookup returns the first flow whose match
// holds. Big tables (an ACL per port, a MAC per port in l2_lkup) are also hashed on the one exact test
// most of their flows share (`inport == "p"`, `eth.dst == M`, `ip4.dst == A`, …): a lookup then
// evaluates that bucket and the flows without the test, merged in priority order. Sorting and hashing
// happen lazily, on the first lookup after a change, so a bulk load or an apply costs one rebuild.

import type { Flow } from '../../ovn/expr/index.ts';
import type { LogicalFlow } from '../../ovn/sb/types.ts';
import type { Action } from './actions.ts';

/** One logical flow ready to run on one datapath. */
export interface CFlow {
  readonly flow: LogicalFlow;
  readonly stage: string;
  readonly evaluate: (f: Flow) => boolean;
  readonly actions: readonly Action[];
  /** Exact top-level tests of the match, by key field: a packet must have one of these values. */
  readonly keys: ReadonlyMap<KeyField, readonly string[]>;
}

/** Fields a table may be hashed on, and how to read a packet's value as the key text. */
export const KEY_READERS = {
  inport: (f: Flow) => f.inport,
  outport: (f: Flow) => f.outport,
  'eth.dst': (f: Flow) => String(f.ethDst),
  'eth.src': (f: Flow) => String(f.ethSrc),
  'ip4.dst': (f: Flow) => String(f.ip4Dst >>> 0),
  'ip4.src': (f: Flow) => String(f.ip4Src >>> 0),
  'ip6.dst': (f: Flow) => String(f.ip6Dst),
  'ip6.src': (f: Flow) => String(f.ip6Src),
} as const;
export type KeyField = keyof typeof KEY_READERS;

/** Tables smaller than this are scanned. */
const HASH_MIN = 16;

interface Table {
  list: CFlow[];
  dirty: boolean;
  key: KeyField | null;
  /** Key value -> positions in `list` (ascending, so priority order) of the flows testing it. */
  buckets: Map<string, number[]>;
  /** Positions of the flows without the key test. */
  rest: number[];
}

const EMPTY: number[] = [];

function newTable(): Table {
  return { list: [], dirty: true, key: null, buckets: new Map(), rest: [] };
}

function rebuild(t: Table): void {
  // Array.prototype.sort is stable: equal priorities keep insertion order.
  t.list.sort((a, b) => b.flow.priority - a.flow.priority);
  t.dirty = false;
  t.key = null;
  t.buckets = new Map();
  t.rest = [];
  if (t.list.length < HASH_MIN) return;
  const counts = new Map<KeyField, number>();
  for (const f of t.list) for (const k of f.keys.keys()) counts.set(k, (counts.get(k) ?? 0) + 1);
  let best: KeyField | null = null;
  for (const [k, n] of counts) if (n >= t.list.length / 2 && (!best || n > counts.get(best)!)) best = k;
  if (!best) return;
  t.key = best;
  t.list.forEach((f, i) => {
    const values = f.keys.get(best!);
    if (values === undefined) t.rest.push(i);
    else
      for (const v of new Set(values)) {
        let b = t.buckets.get(v);
        if (!b) t.buckets.set(v, (b = []));
        b.push(i);
      }
  });
}

export class FlowIndex {
  private readonly tables: Table[] = [];

  add(table: number, f: CFlow): void {
    let t = this.tables[table];
    if (!t) this.tables[table] = t = newTable();
    t.list.push(f);
    t.dirty = true;
  }

  remove(table: number, f: CFlow): void {
    const t = this.tables[table];
    const i = t ? t.list.indexOf(f) : -1;
    if (i < 0) return;
    t!.list.splice(i, 1);
    t!.dirty = true;
  }

  /** The highest-priority flow of `table` matching `flow`, or null. */
  lookup(table: number, flow: Flow): CFlow | null {
    const t = this.tables[table];
    if (!t) return null;
    if (t.dirty) rebuild(t);
    if (!t.key) {
      for (const f of t.list) if (f.evaluate(flow)) return f;
      return null;
    }
    const bucket = t.buckets.get(KEY_READERS[t.key](flow)) ?? EMPTY;
    const rest = t.rest;
    const list = t.list;
    let i = 0;
    let j = 0;
    const nb = bucket.length;
    const nr = rest.length;
    while (i < nb || j < nr) {
      const pos = j >= nr || (i < nb && bucket[i]! < rest[j]!) ? bucket[i++]! : rest[j++]!;
      const f = list[pos]!;
      if (f.evaluate(flow)) return f;
    }
    return null;
  }

  /** Number of tables (highest table id + 1). */
  get length(): number {
    return this.tables.length;
  }

  /** The stage name of a table, from any of its flows. */
  stageOf(table: number): string | null {
    return this.tables[table]?.list[0]?.stage ?? null;
  }
}
