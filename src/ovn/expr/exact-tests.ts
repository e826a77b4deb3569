// The equality tests every packet a match accepts must pass, read from the annotated match (predicates
// expanded, prerequisites added): its top-level conjuncts that compare an integer field with `==`. Such a
// test is a necessary condition, so an index may hash on it and leave the match to decide; the lflow
// engine's flow index does (src/engine/lflow/flow-keys.ts). Beyond plain `==`:
// - a one-bit `!=` is the `==` of the other bit value (`!ct.est` is ct_state[est] == 0);
// - a disjunction keeps the fields every disjunct tests, with the entries of all (`ip`: eth.type 0x800 or
//   0x86dd; `nd || nd_ra`: eth.type 0x86dd, ip.proto 58, and the ICMPv6 types);
// - the one-entry tests of one field combine into one entry (`ct.trk && !ct.est`: two bits of ct_state).

import type { AExpr, AIntEq } from './annotate.ts';
import type { FieldSymbol } from './symbols.ts';

export interface ExactEntry {
  readonly value: bigint;
  readonly mask: bigint;
}

/** A base field whose value, under one entry's mask, must equal that entry's value for some entry. */
export interface ExactTest {
  readonly field: FieldSymbol;
  readonly entries: readonly ExactEntry[];
}

/** More entries than this are not returned (a big set is keyed from its tokens, shared between flows). */
const MAX_ENTRIES = 16;

const singleBit = (m: bigint) => m !== 0n && (m & (m - 1n)) === 0n;

type Tests = Map<FieldSymbol, ExactEntry[]>;

/** The tests of one comparison: `==` as is, a one-bit `!=` as the `==` of the other value. */
function intTests(a: AIntEq): Tests {
  const out: Tests = new Map();
  if (a.field.reader.kind === 'str' || a.entries.length > MAX_ENTRIES) return out;
  if (a.relop === '==')
    out.set(
      a.field,
      a.entries.map((e) => ({ value: e.value & e.mask, mask: e.mask })),
    );
  else if (a.entries.length === 1 && singleBit(a.entries[0]!.mask)) {
    const { value, mask } = a.entries[0]!;
    out.set(a.field, [{ value: (value ^ mask) & mask, mask }]);
  }
  return out;
}

/** Two one-entry tests of a field as one, or null when they disagree on a shared bit (never true). */
function combine(a: ExactEntry, b: ExactEntry): ExactEntry | null {
  const shared = a.mask & b.mask;
  if ((a.value & shared) !== (b.value & shared)) return null;
  return { value: (a.value | b.value) & (a.mask | b.mask), mask: a.mask | b.mask };
}

/** A conjunct's test of a field added to those known: one-entry tests narrow the other (see the header). */
function andInto(known: Tests, field: FieldSymbol, entries: ExactEntry[]): void {
  const had = known.get(field);
  if (!had) known.set(field, entries);
  else if (had.length === 1 || entries.length === 1) {
    const [one, many] = had.length === 1 ? [had[0]!, entries] : [entries[0]!, had];
    const narrowed = many.map((e) => combine(e, one)).filter((e): e is ExactEntry => e !== null);
    // Nothing agrees: the match never holds; the test known stays a necessary condition.
    if (narrowed.length > 0) known.set(field, narrowed);
  }
}

/** The tests of an annotated (sub)expression: conjunctions narrow, disjunctions keep the fields all test. */
function testsOf(a: AExpr): Tests {
  switch (a.k) {
    case 'int':
      return intTests(a);
    case 'and': {
      const out: Tests = new Map();
      for (const sub of a.subs) for (const [field, entries] of testsOf(sub)) andInto(out, field, entries);
      return out;
    }
    case 'or': {
      // A disjunct that is constant false adds nothing; any other without a test of a field drops it.
      const subs = a.subs.filter((x) => !(x.k === 'bool' && !x.value)).map(testsOf);
      if (subs.length === 0) return new Map();
      const out: Tests = new Map();
      for (const [field, entries] of subs[0]!) {
        const all = [...entries];
        for (const other of subs.slice(1)) {
          const more = other.get(field);
          if (!more) break;
          all.push(...more);
        }
        const unique = [...new Map(all.map((e) => [`${e.value}/${e.mask}`, e])).values()];
        if (subs.every((x) => x.has(field)) && unique.length <= MAX_ENTRIES) out.set(field, unique);
      }
      return out;
    }
    default:
      return new Map();
  }
}

/** The match's exact tests, one per base field (the most selective found), in first-seen order. */
export function exactTests(a: AExpr): ExactTest[] {
  return [...testsOf(a)].map(([field, entries]) => ({ field, entries }));
}
