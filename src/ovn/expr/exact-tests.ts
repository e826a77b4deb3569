// The equality tests every packet a match accepts must pass, read from the annotated match (predicates
// expanded, prerequisites added): its top-level conjuncts that compare an integer field with `==`. Such a
// test is a necessary condition, so an index may hash on it and leave the match to decide; the lflow
// engine's flow index does (src/engine/lflow/flow-keys.ts). Beyond plain `==`:
// - a one-bit `!=` is the `==` of the other bit value (`!ct.est` is ct_state[est] == 0);
// - a disjunction of `==` tests of one field is one test with every entry (`ip`: eth.type 0x800 or 0x86dd);
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

/** The entries of one conjunct, when it is an equality test of `field`'s value (see the header). */
function entriesOf(a: AExpr): { field: FieldSymbol; entries: ExactEntry[] } | null {
  if (a.k === 'int') return intEntries(a);
  if (a.k !== 'or') return null;
  let field: FieldSymbol | null = null;
  const entries: ExactEntry[] = [];
  for (const s of a.subs) {
    const e = entriesOf(s);
    if (!e || (field !== null && e.field !== field)) return null;
    field = e.field;
    entries.push(...e.entries);
  }
  return field ? { field, entries } : null;
}

function intEntries(a: AIntEq): { field: FieldSymbol; entries: ExactEntry[] } | null {
  if (a.field.reader.kind === 'str') return null;
  if (a.relop === '==') return { field: a.field, entries: a.entries.map((e) => ({ ...e })) };
  if (a.entries.length !== 1 || !singleBit(a.entries[0]!.mask)) return null;
  const { value, mask } = a.entries[0]!;
  return { field: a.field, entries: [{ value: (value ^ mask) & mask, mask }] };
}

/** Two one-entry tests of a field as one, or null when they disagree on a shared bit (never true). */
function combine(a: ExactEntry, b: ExactEntry): ExactEntry | null {
  const shared = a.mask & b.mask;
  if ((a.value & shared) !== (b.value & shared)) return null;
  return { value: (a.value | b.value) & (a.mask | b.mask), mask: a.mask | b.mask };
}

/** The match's exact tests, one per base field (the most selective found), in first-seen order. */
export function exactTests(a: AExpr): ExactTest[] {
  const conj: AExpr[] = [];
  const flatten = (x: AExpr): void => {
    if (x.k === 'and') for (const s of x.subs) flatten(s);
    else conj.push(x);
  };
  flatten(a);
  const byField = new Map<FieldSymbol, ExactEntry[]>();
  for (const c of conj) {
    const t = entriesOf(c);
    if (!t || t.entries.length === 0 || t.entries.length > MAX_ENTRIES) continue;
    const known = byField.get(t.field);
    if (!known) byField.set(t.field, t.entries);
    else if (known.length === 1 && t.entries.length === 1) {
      const both = combine(known[0]!, t.entries[0]!);
      if (both) byField.set(t.field, [both]);
    } else if (known.length === 1 || t.entries.length === 1) {
      // One bit pattern every entry must also have: keep the entries that agree with it, narrowed.
      const [one, many] = known.length === 1 ? [known[0]!, t.entries] : [t.entries[0]!, known];
      const narrowed = many.map((e) => combine(e, one)).filter((e): e is ExactEntry => e !== null);
      if (narrowed.length > 0) byField.set(t.field, narrowed);
    }
  }
  return [...byField].map(([field, entries]) => ({ field, entries }));
}
