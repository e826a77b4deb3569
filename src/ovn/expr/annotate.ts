// Annotation, as OVN's expr_annotate(): rewrites the parsed tree so that it only compares base fields.
// Subfield symbols become bit ranges of their parent, predicates are replaced by their (annotated)
// expansion, negated when tested false, and every comparison is ANDed with its symbol's prerequisites.
// Prerequisites are added after `!` was pushed down, so they stay positive: `!(tcp.dst == 80)` still
// requires TCP. A negated predicate negates its expansion including the expansion's own prerequisites.

import type { Expr, Relop } from './ast.ts';
import { parseMatch } from './parser.ts';
import { baseField, type ExprSymbol, type FieldSymbol } from './symbols.ts';

/** An equality test against entries (value/mask in base-field bit positions). */
export interface AIntEq {
  readonly k: 'int';
  readonly field: FieldSymbol;
  /** '==': any entry matches; '!=': no entry matches. */
  readonly relop: '==' | '!=';
  readonly entries: readonly { readonly value: bigint; readonly mask: bigint }[];
}

/** An ordering test of bits [ofs, ofs+nbits) of a field, read as an unsigned number. */
export interface AIntRange {
  readonly k: 'range';
  readonly field: FieldSymbol;
  readonly relop: '<' | '<=' | '>' | '>=';
  readonly ofs: number;
  readonly nbits: number;
  readonly value: bigint;
}

export interface AStr {
  readonly k: 'str';
  readonly field: FieldSymbol;
  readonly relop: '==' | '!=';
  readonly values: readonly string[];
}

export type AExpr =
  | AIntEq
  | AIntRange
  | AStr
  | { readonly k: 'and' | 'or'; readonly subs: readonly AExpr[] }
  | { readonly k: 'bool'; readonly value: boolean }
  | { readonly k: 'cond'; readonly port: string; readonly not: boolean };

const INVERT: Record<Relop, Relop> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

export function negateA(e: AExpr): AExpr {
  switch (e.k) {
    case 'bool':
      return { k: 'bool', value: !e.value };
    case 'cond':
      return { ...e, not: !e.not };
    case 'int':
    case 'str':
      return { ...e, relop: e.relop === '==' ? '!=' : '==' };
    case 'range':
      return { ...e, relop: INVERT[e.relop] as AIntRange['relop'] };
    case 'and':
    case 'or':
      return { k: e.k === 'and' ? 'or' : 'and', subs: e.subs.map(negateA) };
  }
}

function andA(a: AExpr, b: AExpr): AExpr {
  const subs = (x: AExpr): readonly AExpr[] => (x.k === 'and' ? x.subs : [x]);
  return { k: 'and', subs: [...subs(a), ...subs(b)] };
}

/** Annotated expansions of predicates and prerequisites, by source text (they never change). */
const expansionCache = new Map<string, AExpr>();

function annotateText(text: string): AExpr {
  let a = expansionCache.get(text);
  if (!a) {
    a = annotate(parseMatch(text));
    expansionCache.set(text, a);
  }
  return a;
}

export function annotate(e: Expr): AExpr {
  switch (e.t) {
    case 'bool':
      return { k: 'bool', value: e.value };
    case 'cond':
      return { k: 'cond', port: e.port, not: e.not };
    case 'and':
    case 'or':
      return { k: e.t, subs: e.subs.map(annotate) };
    case 'cmp': {
      const core = annotateCmp(e.sym, e.ofs, e.nbits, e.relop, e.ints, e.strings);
      return e.sym.prereqs ? andA(core, annotateText(e.sym.prereqs)) : core;
    }
  }
}

function annotateCmp(
  sym: ExprSymbol,
  ofs: number,
  nbits: number,
  relop: Relop,
  ints: readonly { value: bigint; mask: bigint | undefined }[],
  strings: readonly string[],
): AExpr {
  if (sym.kind === 'predicate') {
    const expansion = annotateText(sym.expansion);
    const terms = ints.map((c) =>
      ((c.value & 1n) === 1n) !== (relop === '!=') ? expansion : negateA(expansion),
    );
    if (terms.length === 1) return terms[0]!;
    return { k: relop === '==' ? 'or' : 'and', subs: terms };
  }
  const base = baseField(sym);
  const field = base.field;
  const shift = BigInt(base.ofs + ofs);
  if (field.width === 0) return { k: 'str', field, relop: relop as '==' | '!=', values: strings };
  if (relop === '==' || relop === '!=') {
    const full = (1n << BigInt(nbits)) - 1n;
    const entries = ints.map((c) => ({ value: c.value << shift, mask: (c.mask ?? full) << shift }));
    return { k: 'int', field, relop, entries };
  }
  // `f < $set` (a set reference outside braces) is accepted by OVN and means below every entry.
  const ranges: AExpr[] = ints.map((c) => ({
    k: 'range',
    field,
    relop,
    ofs: base.ofs + ofs,
    nbits,
    value: c.value,
  }));
  return ranges.length === 1 ? ranges[0]! : { k: 'and', subs: ranges };
}

/** Names of the base fields an annotated expression reads, in first-use order. */
export function fieldsOf(a: AExpr, out: Set<string> = new Set()): Set<string> {
  if (a.k === 'and' || a.k === 'or') for (const s of a.subs) fieldsOf(s, out);
  else if (a.k === 'int' || a.k === 'range' || a.k === 'str') out.add(a.field.name);
  return out;
}
