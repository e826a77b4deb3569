// Compiles an annotated expression into a tree of closures, once per match, so evaluating a packet is
// a few property reads and comparisons. Sets are hashed: exact values in one Set, masked entries (CIDRs,
// arbitrary masks) in one Set per distinct mask, so a 10k-entry address set costs a handful of lookups.

import type { AExpr, AIntEq, AIntRange, AStr } from './annotate.ts';
import type { Flow } from './flow.ts';
import type { Reader } from './symbols.ts';

export type Predicate = (f: Flow) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

export interface CompileOptions {
  /** Value of `is_chassis_resident(...)`; OVN evaluates it per chassis, a logical trace assumes true. */
  readonly chassisResident?: (port: string) => boolean;
  /** Accept fields of later OVN releases too (see ParseOptions). */
  readonly laterSymbols?: boolean;
}

/**
 * The match as one generated JS function: every test inlined (field reads, masks, hashed sets), the
 * constants passed in an array, so matches of the same shape share one compiled function body (75
 * bodies for the 57,662 flows of the bench's L Southbound) and a trace evaluates straight-line code
 * instead of a tree of closure calls. Tests with no inline form (ranges, multi-mask sets) call their closure from compileTree.
 */
export function compile(a: AExpr, opts: CompileOptions = {}): Predicate {
  const consts: unknown[] = [];
  const expr = gen(a, opts, consts);
  const match = factory<Predicate>(`return function match(f) { return ${expr}; };`)(consts);
  sources.set(match, { expr, consts });
  return match;
}

/** The generated function of `body`, made once per distinct body. */
function factory<T>(body: string): (k: unknown[]) => T {
  let made = factories.get(body);
  if (!made) {
    // The body is built from our own templates and field expressions only: match text never reaches it
    // (every value of the match is a constant in K).
    made = new Function('K', body) as (k: unknown[]) => unknown;
    if (factories.size >= FACTORIES_MAX) factories.clear();
    factories.set(body, made);
  }
  return made as (k: unknown[]) => T;
}

/** Generated bodies by source (distinct shapes; the bound keeps a stream of odd matches from growing it). */
const factories = new Map<string, (k: unknown[]) => unknown>();
const FACTORIES_MAX = 20_000;

/** The expression and constants of each predicate compile() generated (compileFirst inlines them). */
const sources = new WeakMap<Predicate, { readonly expr: string; readonly consts: readonly unknown[] }>();

/** The first of a list of predicates that holds, among the first `n` (-1: none). */
export type FirstMatch = (f: Flow, n: number) => number;

/**
 * Several predicates as one generated function returning the index of the first that holds among the
 * first `n` of them: their expressions inlined one after another (constants renumbered into one array),
 * so a scan of a few matches is one call over one constant array instead of a call per match. A
 * predicate compile() did not make is called from the array. Lists of the same shapes share one body.
 */
export function compileFirst(preds: readonly Predicate[]): FirstMatch {
  const consts: unknown[] = [];
  const tests = preds.map((p, i) => {
    const src = sources.get(p);
    let expr: string;
    if (src) {
      const base = consts.length;
      consts.push(...src.consts);
      expr = src.expr.replace(/K\[(\d+)\]/g, (_, j: string) => `K[${base + Number(j)}]`);
    } else expr = `${k(consts, p)}(f)`;
    return `if (n > ${i} && ${expr}) return ${i};`;
  });
  return factory<FirstMatch>(`return function first(f, n) { ${tests.join(' ')} return -1; };`)(consts);
}

/** JS source of one test: reads `f`, constants as K[i]. */
function gen(a: AExpr, opts: CompileOptions, consts: unknown[]): string {
  switch (a.k) {
    case 'bool':
      return a.value ? 'true' : 'false';
    case 'cond':
      return (opts.chassisResident?.(a.port) ?? true) !== a.not ? 'true' : 'false';
    case 'and':
    case 'or': {
      const subs = flatten(a.k, a.subs).sort((x, y) => cost(x) - cost(y));
      if (subs.length === 0) return a.k === 'and' ? 'true' : 'false';
      return `(${subs.map((x) => gen(x, opts, consts)).join(a.k === 'and' ? ' && ' : ' || ')})`;
    }
    case 'str': {
      const r = a.field.reader;
      const read = r.expr ? `(${r.expr})` : `${k(consts, r.read)}(f)`;
      if (a.values.length === 1)
        return `(${read} ${a.relop === '==' ? '===' : '!=='} ${k(consts, a.values[0])})`;
      return `(${a.relop === '==' ? '' : '!'}${k(consts, new Set(a.values))}.has(${read}))`;
    }
    case 'int':
      return genInt(a, consts) ?? `${k(consts, compileTree(a, opts))}(f)`;
    case 'range':
      return `${k(consts, compileTree(a, opts))}(f)`;
  }
}

/** Adds a constant; its reference in generated code. */
function k(consts: unknown[], v: unknown): string {
  return `K[${consts.push(v) - 1}]`;
}

/** An equality test inline: one (value, mask) of a field, or of register words; null: use the closure. */
function genInt(a: AIntEq, c: unknown[]): string | null {
  const eq = a.relop === '==' ? '===' : '!==';
  const r = a.field.reader;
  if (r.kind === 'big' && r.regs) {
    const per = a.entries.map((e) => regWords(e, r.regs!));
    if (per.length !== 1) return null;
    const words = per[0]!;
    if (words.length === 0) return a.relop === '==' ? 'true' : 'false';
    const all = words.map(([i, mask, value]) => `((f.regs[${i}] & ${k(c, mask)}) >>> 0) === ${k(c, value)}`);
    return a.relop === '==' ? `(${all.join(' && ')})` : `!(${all.join(' && ')})`;
  }
  if (!r.expr || a.entries.length !== 1) return null;
  const { value, mask } = a.entries[0]!;
  const read = `(${r.expr})`;
  if (r.kind === 'num') return `(((${read} & ${k(c, Number(mask))}) >>> 0) ${eq} ${k(c, Number(value))})`;
  if (r.kind !== 'big') return null;
  if (mask === (1n << BigInt(a.field.width)) - 1n) return `(${read} ${eq} ${k(c, value)})`;
  return `((${read} & ${k(c, mask)}) ${eq} ${k(c, value)})`;
}

/** The same match as a tree of closures (the parts gen() does not inline; tests compare the two). */
export function compileTree(a: AExpr, opts: CompileOptions = {}): Predicate {
  switch (a.k) {
    case 'bool':
      return a.value ? TRUE : FALSE;
    case 'cond': {
      const v = (opts.chassisResident?.(a.port) ?? true) !== a.not;
      return v ? TRUE : FALSE;
    }
    case 'and':
    case 'or':
      return compileAndOr(
        a.k,
        flatten(a.k, a.subs)
          .sort((x, y) => cost(x) - cost(y))
          .map((s) => compileTree(s, opts)),
      );
    case 'str':
      return compileStr(a);
    case 'int':
      return a.field.reader.kind === 'num' ? compileIntNum(a) : compileIntBig(a);
    case 'range':
      return compileRange(a);
  }
}

/** Rough evaluation cost, so cheap tests (eth.type, one compare) run before set lookups (pure terms). */
function cost(a: AExpr): number {
  switch (a.k) {
    case 'and':
    case 'or':
      return a.subs.reduce((n, s) => n + cost(s), 0);
    case 'int':
      return a.entries.length > 1 || a.field.reader.kind === 'big' ? 3 : 1;
    case 'str':
      return a.values.length > 1 ? 2 : 1;
    case 'range':
      return a.field.reader.kind === 'num' ? 1 : 3;
    default:
      return 0;
  }
}

/**
 * Flattens nested lists of the same kind and drops repeated terms: prerequisite expansions are shared
 * objects, so `ip4.src == X && ip4.dst == Y` would otherwise test `eth.type` twice.
 */
function flatten(
  kind: 'and' | 'or',
  subs: readonly AExpr[],
  out: AExpr[] = [],
  seen = new Set<AExpr>(),
): AExpr[] {
  for (const s of subs) {
    if (s.k === kind) flatten(kind, s.subs, out, seen);
    else if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

function compileAndOr(kind: 'and' | 'or', subs: Predicate[]): Predicate {
  if (subs.length === 1) return subs[0]!;
  if (kind === 'and') {
    if (subs.length === 2) {
      const [x, y] = subs as [Predicate, Predicate];
      return (f) => x(f) && y(f);
    }
    return (f) => {
      for (const s of subs) if (!s(f)) return false;
      return true;
    };
  }
  if (subs.length === 2) {
    const [x, y] = subs as [Predicate, Predicate];
    return (f) => x(f) || y(f);
  }
  return (f) => {
    for (const s of subs) if (s(f)) return true;
    return false;
  };
}

function compileStr(a: AStr): Predicate {
  const read = (a.field.reader as { read: (f: Flow) => string }).read;
  const want = a.relop === '==';
  if (a.values.length === 1) {
    const v = a.values[0];
    return (f) => (read(f) === v) === want;
  }
  const set = new Set(a.values);
  return (f) => set.has(read(f)) === want;
}

/** Groups entries by mask: masks are few (one per prefix length), values may be many. */
function groupByMask<T>(
  entries: readonly { value: bigint; mask: bigint }[],
  conv: (v: bigint) => T,
): MaskGroup<T>[] {
  if (entries.length >= SHARE_MIN) return sharedGroups(entries, conv);
  return buildGroups(entries, conv);
}

interface MaskGroup<T> {
  readonly mask: T;
  readonly values: Set<T>;
}

function buildGroups<T>(
  entries: readonly { value: bigint; mask: bigint }[],
  conv: (v: bigint) => T,
): MaskGroup<T>[] {
  const groups = new Map<bigint, Set<T>>();
  for (const e of entries) {
    let g = groups.get(e.mask);
    if (!g) groups.set(e.mask, (g = new Set()));
    g.add(conv(e.value));
  }
  return [...groups].map(([mask, values]) => ({ mask: conv(mask), values }));
}

// Many ACLs name the same big address set (ovn-kubernetes: every namespace's ACLs refer to cluster-wide
// sets). Their hashed groups are shared instead of built once per ACL: identical entry lists (checked
// entry by entry, not trusted to the hash) get the same groups. Entries are held weakly, so the cache
// empties itself when the topologies whose compiled ACLs used them are gone.
const SHARE_MIN = 64;
interface SharedEntry {
  readonly entries: readonly { value: bigint; mask: bigint }[];
  readonly groups: MaskGroup<unknown>[];
}
const shared = new Map<string, WeakRef<SharedEntry>>();
const sharedGone = new FinalizationRegistry<string>((key) => {
  if (shared.get(key)?.deref() === undefined) shared.delete(key);
});

function entriesKey(entries: readonly { value: bigint; mask: bigint }[], numbers: boolean): string {
  // An index loop and plain arguments: this runs once per big set per compile, on entry arrays of
  // several shapes, and a for-of over them (or a function argument) made V8 re-optimise it hundreds of times.
  let h = 0x811c9dc5;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    h = Math.imul(h ^ Number(BigInt.asUintN(32, e.value)), 16777619);
    h = Math.imul(h ^ Number(BigInt.asUintN(16, e.mask)), 16777619);
  }
  return `${numbers ? 'n' : 'b'}:${entries.length}:${h >>> 0}`;
}

function sameEntries(
  a: readonly { value: bigint; mask: bigint }[],
  b: readonly { value: bigint; mask: bigint }[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i]!.value !== b[i]!.value || a[i]!.mask !== b[i]!.mask) return false;
  return true;
}

function sharedGroups<T>(
  entries: readonly { value: bigint; mask: bigint }[],
  conv: (v: bigint) => T,
): MaskGroup<T>[] {
  const key = entriesKey(entries, (conv as unknown) === Number);
  const hit = shared.get(key)?.deref();
  if (hit && sameEntries(hit.entries, entries)) return hit.groups as MaskGroup<T>[];
  const groups = buildGroups(entries, conv);
  if (!hit) {
    const entry: SharedEntry = { entries, groups };
    shared.set(key, new WeakRef(entry));
    sharedGone.register(entry, key);
    // The compiled predicate holds `groups`; keep the cache entry alive exactly as long as the groups are.
    keepAlive.set(groups, entry);
  }
  return groups;
}
const keepAlive = new WeakMap<object, SharedEntry>();

function compileIntNum(a: AIntEq): Predicate {
  const read = (a.field.reader as { read: (f: Flow) => number }).read;
  const want = a.relop === '==';
  const groups = groupByMask(a.entries, Number);
  if (groups.length === 1 && groups[0]!.values.size === 1) {
    const mask = groups[0]!.mask;
    const value = [...groups[0]!.values][0]!;
    return (f) => ((read(f) & mask) >>> 0 === value) === want;
  }
  return (f) => {
    const x = read(f);
    for (const g of groups) if (g.values.has((x & g.mask) >>> 0)) return want;
    return !want;
  };
}

function compileIntBig(a: AIntEq): Predicate {
  const reader = a.field.reader as Extract<Reader, { kind: 'big' }>;
  const read = reader.read;
  const want = a.relop === '==';
  if (reader.regs) {
    const words = compileRegWords(a, reader.regs);
    if (words) return words;
  }
  const groups = groupByMask(a.entries, (v) => v);
  if (groups.length === 1 && groups[0]!.values.size === 1) {
    const mask = groups[0]!.mask;
    const value = [...groups[0]!.values][0]!;
    if (mask === (1n << BigInt(a.field.width)) - 1n) return (f) => (read(f) === value) === want;
    return (f) => ((read(f) & mask) === value) === want;
  }
  return (f) => {
    const x = read(f);
    for (const g of groups) if (g.values.has(x & g.mask)) return want;
    return !want;
  };
}

/** The 32-bit words of a register-backed field an entry tests: [index into Flow.regs, mask, value]. */
function regWords(
  e: { readonly value: bigint; readonly mask: bigint },
  regs: { readonly first: number; readonly count: number },
): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let w = 0; w < regs.count; w++) {
    const shift = BigInt(32 * (regs.count - 1 - w));
    const mask = Number((e.mask >> shift) & 0xffffffffn);
    if (mask !== 0) out.push([regs.first + w, mask, (Number((e.value >> shift) & 0xffffffffn) & mask) >>> 0]);
  }
  return out;
}

/**
 * A test of register bits (`reg0[3] == 1`, `reg9 == {…}`: subfields of xxreg/xreg) on the 32-bit words of
 * Flow.regs instead of the 128-bit value: entries that all fall in one word become a hashed test of that
 * word, a single entry spanning words one test per word. Null: neither shape (the bigint test applies).
 */
function compileRegWords(
  a: AIntEq,
  regs: { readonly first: number; readonly count: number },
): Predicate | null {
  const want = a.relop === '==';
  const per = a.entries.map((e) => regWords(e, regs));
  if (per.length === 0) return null;
  const word = per[0]![0]?.[0];
  if (word !== undefined && per.every((ws) => ws.length === 1 && ws[0]![0] === word)) {
    const byMask = new Map<number, Set<number>>();
    for (const ws of per) {
      const [, mask, value] = ws[0]!;
      let set = byMask.get(mask);
      if (!set) byMask.set(mask, (set = new Set()));
      set.add(value);
    }
    const groups = [...byMask];
    if (groups.length === 1 && groups[0]![1].size === 1) {
      const [mask, set] = groups[0]!;
      const value = [...set][0]!;
      return (f) => ((f.regs[word]! & mask) >>> 0 === value) === want;
    }
    return (f) => {
      const x = f.regs[word]!;
      for (const [mask, set] of groups) if (set.has((x & mask) >>> 0)) return want;
      return !want;
    };
  }
  if (per.length !== 1) return null;
  const tests = per[0]!;
  return (f) => {
    for (const [i, mask, value] of tests) if ((f.regs[i]! & mask) >>> 0 !== value) return !want;
    return want;
  };
}

function compileRange(a: AIntRange): Predicate {
  const reader = a.field.reader;
  if (reader.kind === 'num') {
    const ofs = a.ofs;
    const m = Number((1n << BigInt(a.nbits)) - 1n);
    return relational(a.relop, Number(a.value), (f) => ((reader.read(f) >>> ofs) & m) >>> 0);
  }
  const shift = BigInt(a.ofs);
  const nmask = (1n << BigInt(a.nbits)) - 1n;
  const read = reader.kind === 'big' ? reader.read : () => 0n;
  return relational(a.relop, a.value, (f) => (read(f) >> shift) & nmask);
}

function relational<T extends number | bigint>(
  relop: AIntRange['relop'],
  c: T,
  x: (f: Flow) => T,
): Predicate {
  switch (relop) {
    case '<':
      return (f) => x(f) < c;
    case '<=':
      return (f) => x(f) <= c;
    case '>':
      return (f) => x(f) > c;
    case '>=':
      return (f) => x(f) >= c;
  }
}
