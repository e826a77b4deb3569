// The transport-port constants a match compares against (`tcp.dst == 80`, `udp.dst == {53, 123}`,
// `1024 <= tcp.dst <= 2048`, `tcp.dst == 0x400/0xfc00`), read from the parse tree so that negation,
// constant-first comparisons and masks mean what they mean to OVN. Used to choose which services to
// trace and, later, to split the port space into ranges that behave alike.

import type { CmpNode, Expr } from './ast.ts';
import { ExprSyntaxError, parseMatch } from './parser.ts';
import type { RefResolver } from './refs.ts';

export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** One port range a match tests: `lo..hi` inclusive (lo === hi for a single port). */
export interface L4Constant {
  readonly protocol: L4Protocol;
  readonly side: 'src' | 'dst';
  readonly lo: number;
  readonly hi: number;
  /** True when the match requires the port to be outside the range (`!=`, or under `!`). */
  readonly negated: boolean;
}

const L4_FIELDS: ReadonlyMap<string, readonly [L4Protocol, 'src' | 'dst']> = new Map(
  (['tcp', 'udp', 'sctp'] as const).flatMap((p) =>
    (['src', 'dst'] as const).map((s) => [`${p}.${s}`, [p, s]] as const),
  ),
);

const MAX_PORT = 0xffff;

/** A resolver that knows every `$set` and `@group` as empty: enough to read the L4 tests of a match. */
const EMPTY_REFS: RefResolver = {
  addressSet: () => [],
  portGroup: () => [],
  portGroupAddresses: () => [],
};

/**
 * The L4 port ranges a match compares against, in source order. Ordering comparisons become ranges,
 * and a conjunction of single ranges on one field becomes their intersection. Constants under a mask
 * that is not a prefix (e.g. odd ports) are skipped: they are no range. A match that does not parse
 * gives []: OVN ignores its flow. `refs` resolves `$sets` of port numbers; without it they are empty.
 */
export function l4Constants(match: string, refs: RefResolver = EMPTY_REFS): L4Constant[] {
  let e: Expr;
  try {
    e = parseMatch(match, refs);
  } catch (err) {
    if (err instanceof ExprSyntaxError) return [];
    throw err;
  }
  return collect(e);
}

function collect(e: Expr): L4Constant[] {
  switch (e.t) {
    case 'bool':
    case 'cond':
      return [];
    case 'cmp':
      return cmpRanges(e);
    case 'or':
      return e.subs.flatMap(collect);
    case 'and':
      return intersectAnd(e.subs);
  }
}

/** Children of an AND: single positive ranges on the same field are intersected into one. */
function intersectAnd(subs: readonly Expr[]): L4Constant[] {
  const out: L4Constant[] = [];
  const single = new Map<string, number>();
  for (const s of subs) {
    const found = collect(s);
    const only = found.length === 1 && s.t === 'cmp' ? found[0]! : undefined;
    const key = only && !only.negated ? `${only.protocol}.${only.side}` : undefined;
    const at = key === undefined ? undefined : single.get(key);
    if (only && key !== undefined && at !== undefined) {
      const prev = out[at]!;
      out[at] = { ...prev, lo: Math.max(prev.lo, only.lo), hi: Math.min(prev.hi, only.hi) };
      continue;
    }
    if (key !== undefined) single.set(key, out.length);
    out.push(...found);
  }
  return out.filter((c) => c.lo <= c.hi);
}

function cmpRanges(e: CmpNode): L4Constant[] {
  const f = L4_FIELDS.get(e.sym.name);
  if (!f || e.ofs !== 0 || e.nbits !== 16) return [];
  const [protocol, side] = f;
  const make = (lo: number, hi: number, negated: boolean): L4Constant => ({
    protocol,
    side,
    lo,
    hi,
    negated,
  });
  if (e.relop === '==' || e.relop === '!=') {
    const out: L4Constant[] = [];
    for (const c of e.ints) {
      const r = maskedRange(Number(c.value), c.mask === undefined ? MAX_PORT : Number(c.mask));
      if (r) out.push(make(r[0], r[1], e.relop === '!='));
    }
    return out;
  }
  // An ordering test against several constants (a set written without braces) must hold for each.
  let lo = 0;
  let hi = MAX_PORT;
  for (const c of e.ints) {
    const v = Number(c.value);
    if (e.relop === '<') hi = Math.min(hi, v - 1);
    else if (e.relop === '<=') hi = Math.min(hi, v);
    else if (e.relop === '>') lo = Math.max(lo, v + 1);
    else lo = Math.max(lo, v);
  }
  return lo <= hi ? [make(lo, hi, false)] : [];
}

/** The range `value/mask` covers when the mask is a prefix of the 16 bits; null otherwise. */
function maskedRange(value: number, mask: number): [number, number] | null {
  const free = ~mask & MAX_PORT;
  if ((free & (free + 1)) !== 0) return null;
  return [value & mask, (value & mask) | free];
}

/**
 * Where a match's truth may change along one L4 port field: every port `p` such that the match can
 * treat `p - 1` and `p` differently when nothing but that field changes. Between two cuts (and with
 * every other field fixed) each comparison on the field, and so the whole match, has one value.
 */
export interface L4Cuts {
  readonly protocol: L4Protocol;
  readonly side: 'src' | 'dst';
  /** Cut points in 1..65535, ascending, each once. */
  readonly cuts: readonly number[];
}

/**
 * The cut points of every comparison on a TCP/UDP/SCTP port field of a match (see L4Cuts), whatever
 * `!`, `&&` or `||` surround it: a cut too many only costs a trace, a cut missing would be a wrong
 * answer, so nothing is intersected here. Masks that are not prefixes (`tcp.dst == 1/1`, odd ports) and
 * subfields (`tcp.dst[0..7] == 5`) are followed bit by bit over the whole field. A match that does not
 * parse gives [] (OVN ignores its flow). `refs` resolves `$sets`; without it they are empty.
 */
export function l4Cuts(match: string, refs: RefResolver = EMPTY_REFS): L4Cuts[] {
  let e: Expr;
  try {
    e = parseMatch(match, refs);
  } catch (err) {
    if (err instanceof ExprSyntaxError) return [];
    throw err;
  }
  const byField = new Map<string, Set<number>>();
  collectCuts(e, new Map(), (key, p) => {
    let set = byField.get(key);
    if (!set) byField.set(key, (set = new Set()));
    set.add(p);
  });
  return [...byField].map(([key, set]) => {
    const [protocol, side] = L4_FIELDS.get(key)!;
    return { protocol, side, cuts: [...set].sort((a, b) => a - b) };
  });
}

/** field -> the interval a surrounding conjunction already confines it to. */
type Windows = ReadonlyMap<string, readonly [number, number]>;

/**
 * Adds the cut points of every comparison under `e`. Inside a conjunction that confines a field to one
 * interval `lo..hi` the conjunction is false outside it, so its other comparisons on that field only
 * matter at cuts in lo..hi+1 (without this, `tcp.dst[0..3] == 5 && tcp.dst < 200` would cut the whole
 * field into 8,192 pieces).
 */
function collectCuts(e: Expr, windows: Windows, add: (key: string, p: number) => void): void {
  if (e.t === 'cmp') {
    const f = L4_FIELDS.get(e.sym.name);
    if (!f) return;
    const key = `${f[0]}.${f[1]}`;
    const [lo, hi] = windows.get(key) ?? [0, MAX_PORT];
    for (const p of cmpCuts(e)) if (p > 0 && p <= MAX_PORT && p >= lo && p <= hi + 1) add(key, p);
    return;
  }
  if (e.t === 'or') for (const s of e.subs) collectCuts(s, windows, add);
  if (e.t !== 'and') return;
  const inner = new Map(windows);
  for (const s of e.subs) {
    const w = s.t === 'cmp' ? intervalOf(s) : null;
    if (!w) continue;
    const [lo, hi] = inner.get(w.key) ?? [0, MAX_PORT];
    inner.set(w.key, [Math.max(lo, w.lo), Math.min(hi, w.hi)]);
  }
  for (const s of e.subs) collectCuts(s, inner, add);
}

/** The one interval a whole-field comparison confines its field to, or null when it is no interval. */
function intervalOf(e: CmpNode): { key: string; lo: number; hi: number } | null {
  const f = L4_FIELDS.get(e.sym.name);
  if (!f || e.ofs !== 0 || e.nbits !== 16 || e.relop === '!=') return null;
  if (e.relop === '==' && e.ints.length !== 1) return null;
  const r = cmpRanges(e);
  return r.length === 1 ? { key: `${f[0]}.${f[1]}`, lo: r[0]!.lo, hi: r[0]!.hi } : null;
}

/** Cut points of one comparison: range ends for whole-field tests, a bit-by-bit sweep otherwise. */
function cmpCuts(e: CmpNode): number[] {
  if (e.ofs === 0 && e.nbits === 16) {
    const out: number[] = [];
    let sweep = false;
    for (const c of e.ints) {
      const v = Number(c.value);
      if (e.relop === '==' || e.relop === '!=') {
        const r = maskedRange(v, c.mask === undefined ? MAX_PORT : Number(c.mask));
        if (r) out.push(r[0], r[1] + 1);
        else sweep = true;
      } else if (e.relop === '<' || e.relop === '>=') out.push(v);
      else out.push(v + 1);
    }
    if (!sweep) return out;
  }
  return sweepCuts(e);
}

/**
 * Every port where one constant's test flips, found by testing all 65,536 values (each constant alone:
 * the points where an any-of or none-of over several constants flips are among theirs).
 */
function sweepCuts(e: CmpNode): number[] {
  const fieldMask = (2 ** e.nbits - 1) * 2 ** e.ofs;
  const out = new Set<number>();
  for (const c of e.ints) {
    const test = constTest(
      e.relop,
      Number(c.value),
      c.mask === undefined ? 2 ** e.nbits - 1 : Number(c.mask),
    );
    const sub = (p: number) => Math.floor((p & fieldMask) / 2 ** e.ofs);
    let prev = test(sub(0));
    for (let p = 1; p <= MAX_PORT; p++) {
      const cur = test(sub(p));
      if (cur !== prev) out.add(p);
      prev = cur;
    }
  }
  return [...out];
}

function constTest(relop: CmpNode['relop'], v: number, m: number): (x: number) => boolean {
  if (relop === '<') return (x) => x < v;
  if (relop === '<=') return (x) => x <= v;
  if (relop === '>') return (x) => x > v;
  if (relop === '>=') return (x) => x >= v;
  return (x) => (x & m) === (v & m);
}
