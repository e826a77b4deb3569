// Compiles an annotated expression into a tree of closures, once per match, so evaluating a packet is
// a few property reads and comparisons. Sets are hashed: exact values in one Set, masked entries (CIDRs,
// arbitrary masks) in one Set per distinct mask, so a 10k-entry address set costs a handful of lookups.

import type { AExpr, AIntEq, AIntRange, AStr } from './annotate.ts';
import type { Flow } from './flow.ts';

export type Predicate = (f: Flow) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

export interface CompileOptions {
  /** Value of `is_chassis_resident(...)`; OVN evaluates it per chassis, a logical trace assumes true. */
  readonly chassisResident?: (port: string) => boolean;
  /** Accept fields of later OVN releases too (see ParseOptions). */
  readonly laterSymbols?: boolean;
}

export function compile(a: AExpr, opts: CompileOptions = {}): Predicate {
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
          .map((s) => compile(s, opts)),
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

function entriesKey(
  entries: readonly { value: bigint; mask: bigint }[],
  conv: (v: bigint) => unknown,
): string {
  let h = 0x811c9dc5;
  for (const e of entries) {
    h = Math.imul(h ^ Number(BigInt.asUintN(32, e.value)), 16777619);
    h = Math.imul(h ^ Number(BigInt.asUintN(16, e.mask)), 16777619);
  }
  return `${conv === Number ? 'n' : 'b'}:${entries.length}:${h >>> 0}`;
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
  const key = entriesKey(entries, conv);
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
  const read = (a.field.reader as { read: (f: Flow) => bigint }).read;
  const want = a.relop === '==';
  const groups = groupByMask(a.entries, (v) => v);
  if (groups.length === 1 && groups[0]!.values.size === 1) {
    const mask = groups[0]!.mask;
    const value = [...groups[0]!.values][0]!;
    return (f) => ((read(f) & mask) === value) === want;
  }
  return (f) => {
    const x = read(f);
    for (const g of groups) if (g.values.has(x & g.mask)) return want;
    return !want;
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
