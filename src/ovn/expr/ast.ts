// The parsed expression tree, before annotation. It mirrors OVN's `struct expr`: comparisons of a
// (sub)field with a set of constants, AND/OR lists, boolean constants and chassis-residence conditions.
// Negation is not a node: like OVN, `!` is pushed down at parse time (De Morgan, relop inversion).

import type { ExprSymbol } from './symbols.ts';

export type Relop = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** An integer constant in the coordinates of the compared (sub)field; mask undefined = all bits. */
export interface IntConst {
  readonly value: bigint;
  readonly mask: bigint | undefined;
}

/**
 * `field relop consts`: with `==` true if any constant matches (OVN builds an OR), with `!=` true if no
 * constant matches (OVN builds an AND of `!=`), with an ordering relop true if the order holds for
 * every constant (one, unless an address set was written without braces).
 */
export interface CmpNode {
  readonly t: 'cmp';
  readonly sym: ExprSymbol;
  /** Bit range of `sym` selected by `sym[lo..hi]` (whole symbol when not written). */
  readonly ofs: number;
  readonly nbits: number;
  readonly relop: Relop;
  readonly ints: readonly IntConst[];
  /** String constants, for string fields (inport/outport); ints is empty then. */
  readonly strings: readonly string[];
}

export interface AndOrNode {
  readonly t: 'and' | 'or';
  readonly subs: readonly Expr[];
}

export interface BoolNode {
  readonly t: 'bool';
  readonly value: boolean;
}

/** `is_chassis_resident("port")`, possibly negated. */
export interface CondNode {
  readonly t: 'cond';
  readonly port: string;
  readonly not: boolean;
}

export type Expr = CmpNode | AndOrNode | BoolNode | CondNode;

const INVERT: Record<Relop, Relop> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
/** `c < f` is `f > c`. */
export const TURN: Record<Relop, Relop> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

/** Logical negation, pushed to the leaves as OVN's expr_not() does. */
export function negate(e: Expr): Expr {
  switch (e.t) {
    case 'bool':
      return { t: 'bool', value: !e.value };
    case 'cond':
      return { ...e, not: !e.not };
    case 'cmp':
      return { ...e, relop: INVERT[e.relop] };
    case 'and':
    case 'or':
      return { t: e.t === 'and' ? 'or' : 'and', subs: e.subs.map(negate) };
  }
}

/** AND/OR of two trees, flattening nested lists of the same kind. */
export function combine(kind: 'and' | 'or', a: Expr, b: Expr): Expr {
  const subsOf = (x: Expr): readonly Expr[] => (x.t === kind ? x.subs : [x]);
  return { t: kind, subs: [...subsOf(a), ...subsOf(b)] };
}

/** Re-parseable text of a tree, for tests and diagnostics. */
export function formatExpr(e: Expr): string {
  switch (e.t) {
    case 'bool':
      return e.value ? '1' : '0';
    case 'cond':
      return `${e.not ? '!' : ''}is_chassis_resident(${JSON.stringify(e.port)})`;
    case 'and':
    case 'or':
      return e.subs
        .map((s) => (s.t === 'and' || s.t === 'or' ? `(${formatExpr(s)})` : formatExpr(s)))
        .join(e.t === 'and' ? ' && ' : ' || ');
    case 'cmp':
      return formatCmp(e);
  }
}

function formatCmp(e: CmpNode): string {
  const whole = e.ofs === 0 && e.nbits === e.sym.width;
  const range = whole ? '' : e.nbits === 1 ? `[${e.ofs}]` : `[${e.ofs}..${e.ofs + e.nbits - 1}]`;
  const consts =
    e.sym.width === 0
      ? e.strings.map((s) => JSON.stringify(s))
      : e.ints.map((c) =>
          c.mask === undefined
            ? `0x${c.value.toString(16)}`
            : `0x${c.value.toString(16)}/0x${c.mask.toString(16)}`,
        );
  const rhs = consts.length === 1 ? consts[0] : `{${consts.join(', ')}}`;
  return `${e.sym.name}${range} ${e.relop} ${rhs}`;
}
