// The flows of one pipeline of one datapath, by table, each table in priority order (highest first, as
// ovn-trace sorts them; equal priorities keep insertion order). Lookup returns the first flow whose match
// holds. A table is indexed as a small decision tree over the exact tests its flows make (flow-keys.ts:
// `outport == "p"`, `ip4.dst == 10.0.0.0/24`, `arp.tpa == A`, `reg0 == X`, `ip4.src == $set`, …): a node
// splits its flows on the field most of them test, hashing each (value, mask) to a child node (one hash
// per distinct mask, so prefixes of every length are found); flows without that test go on to the node's
// `rest`, split again on another field. A lookup visits only the children the packet's value selects and
// evaluates each leaf's flows in table order, skipping every flow, child or leaf that cannot come before
// the best match found so far (positions in the sorted table are the ovn-trace order). Keys are
// necessary conditions only, so the compiled match still decides every flow that is evaluated.
// Building happens lazily, on the first lookup after a change, so a bulk load or an apply costs one rebuild.

import type { Flow } from '../../ovn/expr/index.ts';
import type { LogicalFlow } from '../../ovn/sb/types.ts';
import type { Action } from './actions.ts';
import { type FlowKeys, type KeyEntry, type KeyReader, type KeyValue, keyReader } from './flow-keys.ts';

/** One logical flow ready to run on one datapath. */
export interface CFlow {
  readonly flow: LogicalFlow;
  readonly stage: string;
  readonly evaluate: (f: Flow) => boolean;
  readonly actions: readonly Action[];
  /** Exact top-level tests of the match, by field: a packet must have one of these values. */
  readonly keys: FlowKeys;
}

/** Nodes with fewer flows are scanned. */
const LEAF_MAX = 6;
/** A field splits a node only when at least this many of its flows test it. */
const SPLIT_MIN = 3;
/** Below the root, a flow testing more values than this is not hashed on the field (memory bound). */
const NESTED_VALUES_MAX = 64;

interface MaskGroup {
  readonly mask: number | bigint;
  readonly children: Map<KeyValue, Node>;
}

interface Node {
  /** Smallest position under this node: nothing here can beat a match at or before it. */
  readonly min: number;
  /** Leaf: positions to evaluate, ascending. Split nodes have none. */
  readonly scan: readonly number[];
  readonly reader: KeyReader | null;
  readonly exact: Map<KeyValue, Node> | null;
  readonly masked: readonly MaskGroup[];
  readonly rest: Node | null;
}

/** Counters for the benchmark (bench/lflow.bench.ts): table lookups and match evaluations so far. */
export const indexStats = { lookups: 0, evaluations: 0 };

const leaf = (pos: readonly number[]): Node => ({
  min: pos[0] ?? Number.POSITIVE_INFINITY,
  scan: pos,
  reader: null,
  exact: null,
  masked: [],
  rest: null,
});

/** The field to split `pos` on: the one most flows test (ties: the first seen), or null. */
function splitField(
  list: readonly CFlow[],
  pos: readonly number[],
  used: ReadonlySet<string>,
  root: boolean,
) {
  const counts = new Map<string, number>();
  for (const p of pos)
    for (const [field, values] of list[p]!.keys)
      if (!used.has(field) && (root || values.length <= NESTED_VALUES_MAX))
        counts.set(field, (counts.get(field) ?? 0) + 1);
  let best: string | null = null;
  let n = SPLIT_MIN - 1;
  for (const [field, c] of counts) if (c > n) [best, n] = [field, c];
  return best;
}

/**
 * Nodes of one table's build by fields used and positions: buckets holding the same flows (a big set's
 * values, a port group's members) share one subtree.
 */
type Shared = Map<string, Node>;

function build(
  list: readonly CFlow[],
  pos: readonly number[],
  used: ReadonlySet<string>,
  root: boolean,
  shared: Shared,
): Node {
  const id = `${[...used].join(' ')}|${pos.join(',')}`;
  let n = shared.get(id);
  if (!n) shared.set(id, (n = buildNode(list, pos, used, root, shared)));
  return n;
}

function buildNode(
  list: readonly CFlow[],
  pos: readonly number[],
  used: ReadonlySet<string>,
  root: boolean,
  shared: Shared,
): Node {
  if (pos.length <= LEAF_MAX) return leaf(pos);
  const field = splitField(list, pos, used, root);
  const reader = field === null ? null : keyReader(field);
  if (field === null || !reader) return leaf(pos);
  const rest: number[] = [];
  const exact = new Map<KeyValue, number[]>();
  const masked = new Map<number | bigint, Map<KeyValue, number[]>>();
  for (const p of pos) {
    const values = list[p]!.keys.get(field);
    if (!values || (!root && values.length > NESTED_VALUES_MAX)) rest.push(p);
    else for (const e of values) place(exact, masked, e, p);
  }
  const inner = new Set(used).add(field);
  const sub = (m: Map<KeyValue, number[]>) => {
    const out = new Map<KeyValue, Node>();
    for (const [v, ps] of m) out.set(v, build(list, ps, inner, false, shared));
    return out;
  };
  return {
    min: pos[0]!,
    scan: [],
    reader,
    exact: sub(exact),
    masked: [...masked].map(([mask, m]) => ({ mask, children: sub(m) })),
    rest: rest.length > 0 ? build(list, rest, inner, false, shared) : null,
  };
}

/** Adds position `p` under value `e` (once: a set may repeat a value). */
function place(
  exact: Map<KeyValue, number[]>,
  masked: Map<number | bigint, Map<KeyValue, number[]>>,
  e: KeyEntry,
  p: number,
): void {
  let m = exact;
  if (e.mask !== null) {
    let g = masked.get(e.mask);
    if (!g) masked.set(e.mask, (g = new Map()));
    m = g;
  }
  const ps = m.get(e.value);
  if (!ps) m.set(e.value, [p]);
  else if (ps[ps.length - 1] !== p) ps.push(p);
}

/** The smallest position under `n` before `limit` whose flow matches, else `limit`. */
function find(list: readonly CFlow[], n: Node, flow: Flow, limit: number): number {
  if (n.min >= limit) return limit;
  const r = n.reader;
  if (r === null) {
    for (const p of n.scan) {
      if (p >= limit) break;
      indexStats.evaluations++;
      if (list[p]!.evaluate(flow)) return p;
    }
    return limit;
  }
  // Numbers compared unsigned, as the match evaluator does.
  const v = r.kind === 'num' ? (r.read(flow) as number) >>> 0 : r.read(flow);
  const hit = n.exact!.get(v);
  if (hit) limit = find(list, hit, flow, limit);
  for (const g of n.masked) {
    const mv =
      r.kind === 'num' ? ((v as number) & (g.mask as number)) >>> 0 : (v as bigint) & (g.mask as bigint);
    const child = g.children.get(mv);
    if (child) limit = find(list, child, flow, limit);
  }
  return n.rest ? find(list, n.rest, flow, limit) : limit;
}

interface Table {
  list: CFlow[];
  root: Node | null;
  /**
   * The table's first flow when its match is `1`: every packet gets it, no walk needed (44 % of the
   * lookups at L are on such tables, most of them one `1, next;` flow). Set with the root.
   */
  always: CFlow | null;
}

/** True for the match text that matches every packet, as northd writes it. */
const matchesAll = (f: CFlow | undefined) => f !== undefined && f.flow.match.trim() === '1';

export class FlowIndex {
  private readonly tables: Table[] = [];

  add(table: number, f: CFlow): void {
    let t = this.tables[table];
    if (!t) this.tables[table] = t = { list: [], root: null, always: null };
    t.list.push(f);
    t.root = null;
    t.always = null;
  }

  remove(table: number, f: CFlow): void {
    const t = this.tables[table];
    const i = t ? t.list.indexOf(f) : -1;
    if (i < 0) return;
    t!.list.splice(i, 1);
    t!.root = null;
    t!.always = null;
  }

  /** The highest-priority flow of `table` matching `flow`, or null. */
  lookup(table: number, flow: Flow): CFlow | null {
    const t = this.tables[table];
    indexStats.lookups++;
    if (!t) return null;
    if (t.always !== null) return t.always;
    if (t.root === null) {
      // Array.prototype.sort is stable: equal priorities keep insertion order.
      t.list.sort((a, b) => b.flow.priority - a.flow.priority);
      t.root = build(
        t.list,
        t.list.map((_, i) => i),
        new Set(),
        true,
        new Map(),
      );
      if (matchesAll(t.list[0])) return (t.always = t.list[0]!);
    }
    const p = find(t.list, t.root, flow, t.list.length);
    return p < t.list.length ? t.list[p]! : null;
  }

  /** The highest-priority flow of `table` matching `flow` by evaluating every flow in order (tests). */
  scan(table: number, flow: Flow): CFlow | null {
    const t = this.tables[table];
    if (!t) return null;
    if (t.root === null) this.lookup(table, flow);
    for (const f of t.list) if (f.evaluate(flow)) return f;
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
