// The flows of one pipeline of one datapath, by table, each table in priority order (highest first, as
// ovn-trace sorts them; equal priorities keep insertion order). Lookup returns the first flow whose match
// holds. A table is indexed as a small decision tree over the exact tests its flows make (flow-keys.ts:
// `outport == "p"`, `ip4.dst == 10.0.0.0/24`, `arp.tpa == A`, `reg0 == X`, `ip4.src == $set`, …): a node
// splits its flows on the field most of them test, hashing each (value, mask) to a child node (one hash
// per distinct mask, so prefixes of every length are found); flows without that test go on to the node's
// `rest`, split again on another field. A lookup visits only the children the packet's value selects and
// evaluates each leaf's flows in table order, skipping every flow, child or leaf that cannot come before
// the best match found so far (positions in the sorted table are the ovn-trace order); a leaf's matches
// run as one generated function (compileFirst: one call, one constant array per leaf). Keys are
// necessary conditions only, so the compiled match still decides every flow that is evaluated.
// A whole-SB compile builds every table (sharing the trees of tables holding the same flows, IndexShare);
// after a change a table is rebuilt lazily, on its next lookup, so an apply costs one rebuild per table.

import { compileFirst, type FirstMatch, type Flow } from '../../ovn/expr/index.ts';
import type { LogicalFlow } from '../../ovn/sb/types.ts';
import type { HopStage } from '../result/hop-stages.ts';
import type { Action } from './actions.ts';
import { type FlowKeys, type KeyEntry, type KeyReader, type KeyValue, keyReader } from './flow-keys.ts';
import type { IdlOrder } from './idl-order.ts';

/** One logical flow ready to run on one datapath. */
export interface CFlow {
  readonly flow: LogicalFlow;
  /** uuidHash of the flow's UUID: where ovn-trace's row map puts it among equal priorities (idl-order.ts). */
  readonly rowHash: number;
  readonly stage: string;
  readonly evaluate: (f: Flow) => boolean;
  readonly actions: readonly Action[];
  /** Exact top-level tests of the match, by field: a packet must have one of these values. */
  readonly keys: FlowKeys;
  /**
   * The flow is `1` with `next;` to the following table: ovn-trace skips its table (execute.ts). Set by
   * the compile, so a trace does not read the flow's text on every table.
   */
  readonly omit: boolean;
  /** What the hop rule reads of this flow, filled on its first run (hop-info.ts). */
  hopInfo: HopInfo | null;
}

/** A flow's answers to the hop rule (result/hop-stages.ts): the same for every trace that runs it. */
export interface HopInfo {
  readonly hop: HopStage;
  /** The flow's stage chooses an ACL (its verdict is named from the NB). */
  readonly aclDecision: boolean;
  /** A router policy that is not northd's default. */
  readonly policy: boolean;
  /** The actions rewrite the packet's addresses. */
  readonly changed: boolean;
  /** The actions load-balance (ct_lb with backends). */
  readonly loadBalances: boolean;
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
  /** Leaf: the matches of `scan`'s flows as one function (compileFirst); null on split nodes. */
  readonly first: FirstMatch | null;
  readonly reader: KeyReader | null;
  readonly exact: Map<KeyValue, Node> | null;
  readonly masked: readonly MaskGroup[];
  readonly rest: Node | null;
}

/** Counters for the benchmarks (bench/lflow.bench.ts, sb-sync): lookups, leaf scans, tree builds. */
export const indexStats = { lookups: 0, scans: 0, builds: 0 };

const leaf = (list: readonly CFlow[], pos: readonly number[]): Node => ({
  min: pos[0] ?? Number.POSITIVE_INFINITY,
  scan: pos,
  first: compileFirst(pos.map((p) => list[p]!.evaluate)),
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
 * values, a port group's members) share one subtree. Keyed by a hash of the positions (checked
 * position by position), not by their text: at L the text keys were a third of the index build.
 */
type Shared = Map<string, { readonly pos: readonly number[]; readonly node: Node }[]>;

/** Fields used on the way to a node, and their key in `Shared`. */
interface Used {
  readonly fields: ReadonlySet<string>;
  readonly key: string;
}

const NO_FIELDS: Used = { fields: new Set(), key: '' };

function build(
  list: readonly CFlow[],
  pos: readonly number[],
  used: Used,
  root: boolean,
  shared: Shared,
): Node {
  let h = 0x811c9dc5;
  for (const p of pos) h = Math.imul(h ^ p, 0x01000193);
  const id = `${used.key}|${pos.length}|${h >>> 0}`;
  let known = shared.get(id);
  for (const k of known ?? []) if (samePositions(k.pos, pos)) return k.node;
  const node = buildNode(list, pos, used, root, shared);
  if (!known) shared.set(id, (known = []));
  known.push({ pos, node });
  return node;
}

function samePositions(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A node's flows split on one field: the positions under each value (per mask) and the rest. */
interface Split {
  readonly reader: KeyReader;
  /** The fields used below this node. */
  readonly inner: Used;
  readonly exact: Map<KeyValue, number[]>;
  readonly masked: Map<number | bigint, Map<KeyValue, number[]>>;
  readonly rest: number[];
}

/** How `pos` splits, or null when it stays a leaf. */
function splitNode(list: readonly CFlow[], pos: readonly number[], used: Used, root: boolean): Split | null {
  if (pos.length <= LEAF_MAX) return null;
  const field = splitField(list, pos, used.fields, root);
  const reader = field === null ? null : keyReader(field);
  if (field === null || !reader) return null;
  const rest: number[] = [];
  const exact = new Map<KeyValue, number[]>();
  const masked = new Map<number | bigint, Map<KeyValue, number[]>>();
  for (const p of pos) {
    const values = list[p]!.keys.get(field);
    if (!values || (!root && values.length > NESTED_VALUES_MAX)) rest.push(p);
    else for (const e of values) place(exact, masked, e, p);
  }
  const inner = { fields: new Set(used.fields).add(field), key: `${used.key} ${field}` };
  return { reader, inner, exact, masked, rest };
}

/** The node of a split whose buckets' subtrees `child` gives. */
function assemble(s: Split, min: number, child: (pos: number[]) => Node): Node {
  const sub = (m: Map<KeyValue, number[]>) => {
    const out = new Map<KeyValue, Node>();
    for (const [v, ps] of m) out.set(v, child(ps));
    return out;
  };
  return {
    min,
    scan: [],
    first: null,
    reader: s.reader,
    exact: sub(s.exact),
    masked: [...s.masked].map(([mask, m]) => ({ mask, children: sub(m) })),
    rest: s.rest.length > 0 ? child(s.rest) : null,
  };
}

function buildNode(
  list: readonly CFlow[],
  pos: readonly number[],
  used: Used,
  root: boolean,
  shared: Shared,
): Node {
  const s = splitNode(list, pos, used, root);
  return s ? assemble(s, pos[0]!, (ps) => build(list, ps, s.inner, false, shared)) : leaf(list, pos);
}

/** Positions of subtrees built between two steps of a table's build (a few ms). */
const STEP_POSITIONS = 1024;

/** A whole table's tree, built in steps: the root's subtrees one after another (big tables: ~100 ms at L). */
function* buildSteps(list: readonly CFlow[]): Generator<void, Node> {
  const pos = list.map((_, i) => i);
  const s = splitNode(list, pos, NO_FIELDS, true);
  if (!s) return leaf(list, pos);
  const shared: Shared = new Map();
  const built = new Map<number[], Node>();
  let n = 0;
  for (const ps of [...s.exact.values(), ...[...s.masked.values()].flatMap((m) => [...m.values()]), s.rest]) {
    if (ps.length === 0) continue;
    built.set(ps, build(list, ps, s.inner, false, shared));
    n += ps.length;
    if (n >= STEP_POSITIONS) {
      n = 0;
      yield;
    }
  }
  return assemble(s, pos[0]!, (ps) => built.get(ps)!);
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
function find(list: readonly CFlow[], node: Node, flow: Flow, limit: number): number {
  // The `rest` chain is walked in this loop; only the children a value selects recurse.
  for (let n: Node | null = node; n !== null && n.min < limit; n = n.rest) {
    const r = n.reader;
    if (r === null) {
      // The leaf's flows before `limit` (positions ascend), evaluated in order by one call.
      const scan = n.scan;
      let k = scan.length;
      while (k > 0 && scan[k - 1]! >= limit) k--;
      indexStats.scans++;
      const i = n.first!(flow, k);
      return i < 0 ? limit : scan[i]!;
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
  }
  return limit;
}

/**
 * A table's built index: its flows in table order, the tree over them and, when the first flow's match is
 * `1`, that flow (every packet gets it, no walk: 44 % of the lookups at L are on such tables, most of
 * them one `1, next;` flow). Never changed once built, so datapaths holding the same flows share one
 * (IndexShare): a lookup then touches objects other datapaths' traces keep in the CPU's caches.
 */
interface Built {
  readonly list: readonly CFlow[];
  readonly root: Node;
  readonly always: CFlow | null;
}

/**
 * Built indexes of one bulk build (a whole-SB compile), by the exact sorted flow sequence of a table:
 * the tree depends on nothing else, and datapaths placed through the same datapath groups hold the same
 * flows, so most tables can share one (at L: 669 distinct flow lists in 3,729 tables, 60k of 374k
 * placed flows). A table changed later builds its own again.
 */
export class IndexShare {
  private readonly ids = new Map<CFlow, number>();
  private readonly trees = new Map<string, Built[]>();

  /** The index of a table holding exactly `list` (same flows, same order), if one was built. */
  get(list: readonly CFlow[]): Built | null {
    for (const t of this.trees.get(this.key(list)) ?? []) if (sameFlows(t.list, list)) return t;
    return null;
  }

  put(built: Built): void {
    const k = this.key(built.list);
    let ts = this.trees.get(k);
    if (!ts) this.trees.set(k, (ts = []));
    ts.push(built);
  }

  private key(list: readonly CFlow[]): string {
    let h = 0x811c9dc5;
    for (const f of list) {
      let id = this.ids.get(f);
      if (id === undefined) this.ids.set(f, (id = this.ids.size));
      h = Math.imul(h ^ id, 0x01000193);
    }
    return `${list.length}:${h >>> 0}`;
  }
}

function sameFlows(a: readonly CFlow[], b: readonly CFlow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for the match text that matches every packet, as northd writes it. */
const matchesAll = (f: CFlow | undefined) => f !== undefined && f.flow.match.trim() === '1';

export class FlowIndex {
  /**
   * `shareOf`: the share for tables built on lookup (after a change), so datapaths whose tables hold
   * the same flows again (one flow changed on a datapath group) build one tree between them.
   */
  constructor(
    private readonly shareOf?: () => IndexShare | undefined,
    /** ovn-trace's order among equal priorities (idl-order.ts); without it, the order flows were added. */
    private readonly order?: IdlOrder,
  ) {}

  /** Per table id: its flows, in the order they were added until a build sorts them. */
  private readonly tables: CFlow[][] = [];
  /** Per table id: its built index; null (or a hole) until built and after every change. */
  private readonly built: (Built | null)[] = [];
  /**
   * Per table id: 1 when its built index sends every packet through a `1, next;` flow (ovn-trace skips
   * such a table). A trace steps over them here without touching their index or flow (memory reads
   * dominate a lookup); 0 for every other table and for any table not built since its last change.
   */
  private skips = new Uint8Array(32);

  add(table: number, f: CFlow): void {
    let t = this.tables[table];
    if (!t) this.tables[table] = t = [];
    t.push(f);
    this.unbuild(table);
  }

  remove(table: number, f: CFlow): void {
    const t = this.tables[table];
    const i = t ? t.indexOf(f) : -1;
    if (i < 0) return;
    t!.splice(i, 1);
    this.unbuild(table);
  }

  /** Every table unbuilt (the tie order changed): each is rebuilt on its next lookup. */
  unbuildAll(): void {
    for (let t = 0; t < this.tables.length; t++) if (this.tables[t]) this.unbuild(t);
  }

  private unbuild(table: number): void {
    this.built[table] = null;
    if (table < this.skips.length) this.skips[table] = 0;
  }

  private setBuilt(table: number, b: Built): void {
    this.built[table] = b;
    if (table >= this.skips.length) {
      const grown = new Uint8Array(Math.max(table + 1, this.skips.length * 2));
      grown.set(this.skips);
      this.skips = grown;
    }
    this.skips[table] = b.always?.omit ? 1 : 0;
  }

  /** The first table from `table` on that a trace does not skip (tables not built yet are not skipped). */
  firstActive(table: number): number {
    const s = this.skips;
    while (table < s.length && s[table] === 1) table++;
    return table;
  }

  /**
   * Builds the index of `table` if a change left it unbuilt (a compile builds them all ahead of the
   * first traces; lookup builds one on first use otherwise); true when there was work to do.
   */
  build(table: number, share?: IndexShare): boolean {
    const steps = this.buildSteps(table, share);
    let r = steps.next();
    while (!r.done) r = steps.next();
    return r.value;
  }

  /** `build` in steps of a few ms (a daemon's compile runs them in slices of the event loop). */
  *buildSteps(table: number, share?: IndexShare): Generator<void, boolean> {
    const t = this.tables[table];
    if (!t || this.built[table]) return false;
    // Highest priority first; equal priorities as ovn-trace meets them (idl-order.ts), else in the
    // order they were added (Array.prototype.sort is stable).
    const order = this.order;
    t.sort(
      order
        ? (a, b) => b.flow.priority - a.flow.priority || order.compare(a, b)
        : (a, b) => b.flow.priority - a.flow.priority,
    );
    const known = share?.get(t);
    if (known) {
      this.setBuilt(table, known);
      return true;
    }
    const list = [...t];
    indexStats.builds++;
    const root = yield* buildSteps(list);
    const built: Built = { list, root, always: matchesAll(list[0]) ? list[0]! : null };
    // The table may have changed while its steps ran: then it stays unbuilt (the next lookup builds it).
    if (sameFlows(list, t)) this.setBuilt(table, built);
    share?.put(built);
    return true;
  }

  /** The highest-priority flow of `table` matching `flow`, or null. */
  lookup(table: number, flow: Flow): CFlow | null {
    indexStats.lookups++;
    let b = this.built[table];
    if (!b) {
      if (!this.tables[table]) return null;
      this.build(table, this.shareOf?.());
      b = this.built[table]!;
    }
    if (b.always !== null) return b.always;
    const p = find(b.list, b.root, flow, b.list.length);
    return p < b.list.length ? b.list[p]! : null;
  }

  /** The highest-priority flow of `table` matching `flow` by evaluating every flow in order (tests). */
  scan(table: number, flow: Flow): CFlow | null {
    if (!this.tables[table]) return null;
    this.build(table);
    for (const f of this.built[table]!.list) if (f.evaluate(flow)) return f;
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
}
