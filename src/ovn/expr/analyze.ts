// Static analysis of a match, for the parts of the program that must know what a match names or is
// restricted to without evaluating it: the references it makes (`$set`, `@group` and the derived
// `$group_ip4`/`$group_ip6` sets), its top-level conjuncts, the ports it is scoped to through
// `inport`/`outport`, and the TCP/UDP/SCTP port constants it compares against. Everything works on the
// lexer's tokens or the parse tree, never on raw text: a quoted name such as "b@ns" or "x$y" is a
// string constant, never a reference. These are compile-time questions; nothing here caches per match.
// The L4 constants need the parse tree and live in l4-constants.ts.

import { type Token, tokenize } from './lexer.ts';
import { type DerivedSet, derivedSet } from './refs.ts';

/** The names a match refers to, each once, in order of first use. */
export interface MatchReferences {
  /** Every `$name`, including names that may be derived port-group sets (`$pg_ip4`). */
  readonly addressSets: readonly string[];
  /** Every `@name`. */
  readonly portGroups: readonly string[];
  /** The `$name`s shaped like a derived set, with their group and family (see refs.ts derivedSet). */
  readonly derived: readonly DerivedSet[];
}

/** The ports named by one top-level `inport`/`outport` equality: strings as written and `@groups`. */
export interface ScopeNames {
  readonly ports: readonly string[];
  readonly groups: readonly string[];
}

/** Port groups resolved to member names (undefined: no such group). */
export type GroupMembers = (group: string) => readonly string[] | undefined;

/** What a match is, in one lexer pass: its references and what scopes it. */
export interface MatchAnalysis extends MatchReferences {
  /** False when the lexer rejects the match (OVN ignores the flow; scopes are then empty). */
  readonly lexes: boolean;
  /** True when `||` appears outside every parenthesis (the match is then no conjunction). */
  readonly topLevelOr: boolean;
  /** One entry per top-level conjunct `inport == …` (all must hold, so their ports intersect). */
  readonly inport: readonly ScopeNames[];
  readonly outport: readonly ScopeNames[];
}

/** Token index range [from, to) of the token list of one match. */
interface Span {
  readonly from: number;
  readonly to: number;
}

/** Analyses a match in one pass of the lexer (see MatchAnalysis). */
export function analyzeMatch(match: string): MatchAnalysis {
  const toks = tokenize(match);
  const refs = referencesOf(toks);
  const lexes = lexOk(toks);
  const spans = lexes ? conjunctSpans(toks, 0, toks.length - 1) : null;
  const inport: ScopeNames[] = [];
  const outport: ScopeNames[] = [];
  for (const s of spans ?? []) {
    const scope = scopeOf(toks, s);
    if (scope) (scope.field === 'inport' ? inport : outport).push(scope.names);
  }
  const topLevelOr = lexes && hasTopLevelOrTokens(toks);
  // Fields copied by name: an object spread here cost more than the lexer (runs once per ACL).
  const { addressSets, portGroups, derived } = refs;
  return { addressSets, portGroups, derived, lexes, topLevelOr, inport, outport };
}

/** The references of a match (see MatchReferences); a match that does not lex gives those before the error. */
export function references(match: string): MatchReferences {
  return referencesOf(tokenize(match));
}

/** True when no token is an error (the lexer ends the list with the first error, then `end`). */
function lexOk(toks: readonly Token[]): boolean {
  return toks[toks.length - 2]?.type !== 'error';
}

function referencesOf(toks: readonly Token[]): MatchReferences {
  const sets = new Set<string>();
  const groups = new Set<string>();
  for (const t of toks) {
    if (t.type === 'addrset') sets.add(t.text);
    else if (t.type === 'portgroup') groups.add(t.text);
  }
  const derived: DerivedSet[] = [];
  for (const n of sets) {
    const d = derivedSet(n);
    if (d) derived.push(d);
  }
  return { addressSets: [...sets], portGroups: [...groups], derived };
}

/** True when `||` appears at parenthesis depth 0 (outside strings, which are tokens). */
export function hasTopLevelOr(match: string): boolean {
  const toks = tokenize(match);
  return lexOk(toks) && hasTopLevelOrTokens(toks);
}

function hasTopLevelOrTokens(toks: readonly Token[]): boolean {
  let depth = 0;
  for (const t of toks) {
    if (t.type === '(' || t.type === '{') depth++;
    else if (t.type === ')' || t.type === '}') depth--;
    else if (t.type === '||' && depth === 0) return true;
  }
  return false;
}

/**
 * The top-level conjuncts of a match as source text, with redundant outer parentheses removed and
 * parenthesized conjunctions flattened (`(a && b) && c` gives a, b, c); null when the match has a
 * top-level `||` or does not lex.
 */
export function topLevelConjuncts(match: string): string[] | null {
  const toks = tokenize(match);
  if (!lexOk(toks)) return null;
  const spans = conjunctSpans(toks, 0, toks.length - 1);
  return spans ? spans.map((s) => match.slice(toks[s.from]!.offset, toks[s.to]!.offset).trim()) : null;
}

/**
 * topLevelConjuncts on the match's tokens (tokenize's, `end` last), for a caller that has them already:
 * each conjunct's tokens (no `end`); null as there.
 */
export function topLevelConjunctTokens(toks: readonly Token[]): Token[][] | null {
  if (!lexOk(toks)) return null;
  const spans = conjunctSpans(toks, 0, toks.length - 1);
  return spans ? spans.map((s) => toks.slice(s.from, s.to)) : null;
}

/** Index of the token closing the group opened at `open`, or -1 when it is not closed before `to`. */
function closing(toks: readonly Token[], open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const ty = toks[i]!.type;
    if (ty === '(' || ty === '{') depth++;
    else if ((ty === ')' || ty === '}') && --depth === 0) return i;
  }
  return -1;
}

/** Conjunct spans of tokens [from, to); null when `||` joins the terms at this level. */
function conjunctSpans(toks: readonly Token[], from: number, to: number): Span[] | null {
  const out: Span[] = [];
  let start = from;
  let depth = 0;
  for (let i = from; i <= to; i++) {
    const ty = i === to ? '&&' : toks[i]!.type;
    if (ty === '(' || ty === '{') depth++;
    else if (ty === ')' || ty === '}') depth--;
    else if (ty === '||' && depth === 0) return null;
    else if (ty === '&&' && depth === 0) {
      if (start < i) out.push(...flatten(toks, { from: start, to: i }));
      start = i + 1;
    }
  }
  return out;
}

/** A conjunct that is one parenthesized group is replaced by that group's own conjuncts. */
function flatten(toks: readonly Token[], s: Span): Span[] {
  if (toks[s.from]!.type !== '(' || closing(toks, s.from, s.to) !== s.to - 1) return [s];
  return conjunctSpans(toks, s.from + 1, s.to - 1) ?? [s];
}

/** `inport == C` / `C == outport` where C is a name, `@group` or `{…}` of those; else null. */
function scopeOf(toks: readonly Token[], s: Span): { field: 'inport' | 'outport'; names: ScopeNames } | null {
  const first = toks[s.from]!;
  const last = toks[s.to - 1]!;
  if (isField(first) && toks[s.from + 1]?.type === '==') {
    const names = portConstants(toks, s.from + 2, s.to);
    return names && { field: first.text as 'inport' | 'outport', names };
  }
  if (isField(last) && toks[s.to - 2]?.type === '==') {
    const names = portConstants(toks, s.from, s.to - 2);
    return names && { field: last.text as 'inport' | 'outport', names };
  }
  return null;
}

const isField = (t: Token): boolean => t.type === 'id' && (t.text === 'inport' || t.text === 'outport');

/** Adds a string or `@group` token to `out`; false for any other token. */
function takeName(t: Token, out: { ports: string[]; groups: string[] }): boolean {
  if (t.type === 'string') out.ports.push(t.text);
  else if (t.type === 'portgroup') out.groups.push(t.text);
  else return false;
  return true;
}

/** Reads tokens [from, to) as one string/`@group` constant or a non-empty `{…}` set of them. */
function portConstants(toks: readonly Token[], from: number, to: number): ScopeNames | null {
  const out = { ports: [] as string[], groups: [] as string[] };
  if (to - from === 1) return takeName(toks[from]!, out) ? out : null;
  if (toks[from]?.type !== '{' || toks[to - 1]?.type !== '}' || to - from < 3) return null;
  // OVN separates set members with optional commas: `{"a" "b"}` is `{"a", "b"}`.
  for (let i = from + 1; i < to - 1; i++) {
    const t = toks[i]!;
    if (t.type === ',' && i > from + 1 && toks[i - 1]!.type !== ',') continue;
    if (!takeName(t, out)) return null;
  }
  return out;
}

/**
 * The ports a scoped match can match through `field`: the members of the intersection of its
 * top-level scoping conjuncts; null when none restricts `field` or a group is unknown (then the
 * match does not compile; keeping it unscoped lets the caller report that).
 */
export function resolveScope(scopes: readonly ScopeNames[], members: GroupMembers): string[] | null {
  let out: string[] | null = null;
  for (const s of scopes) {
    const ports = [...s.ports];
    for (const g of s.groups) {
      const m = members(g);
      if (!m) return null;
      ports.push(...m);
    }
    const unique = new Set(ports);
    out = out === null ? [...unique] : out.filter((p) => unique.has(p));
  }
  return out;
}

/** The ports a match is restricted to through top-level `field ==` conjuncts (see resolveScope). */
export function portScope(
  match: string,
  field: 'inport' | 'outport',
  members: GroupMembers,
): string[] | null {
  return resolveScope(analyzeMatch(match)[field], members);
}

/** What a match compares one field against: literal constants (int tokens) and `$set` names. */
export interface FieldComparisons {
  readonly ints: readonly Token[];
  readonly sets: readonly string[];
  /**
   * True when the field is also tested in a way these lists cannot describe: a subfield
   * (`ip4.src[24..31] == 10`) or an ordering relop. A caller must then treat every value as distinct.
   */
  readonly opaque: boolean;
}

const RELOP_TYPES = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * The constants a match compares each of `fields` against, read from tokens: `f == c`, `f != {…}`,
 * `c == f`. Comments and quoted names are tokens, never mistaken for fields; a match that does not lex
 * gives what came before the error (OVN ignores its flow anyway). Takes the match's tokens when the
 * caller has them already.
 */
export function fieldComparisons(
  match: string | readonly Token[],
  fields: ReadonlySet<string>,
): Map<string, FieldComparisons> {
  const toks = typeof match === 'string' ? tokenize(match) : match;
  const out = new Map<string, { ints: Token[]; sets: string[]; opaque: boolean }>();
  const entry = (f: string) => {
    let e = out.get(f);
    if (!e) out.set(f, (e = { ints: [], sets: [], opaque: false }));
    return e;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== 'id' || !fields.has(t.text)) continue;
    const e = entry(t.text);
    const next = toks[i + 1];
    const prev = toks[i - 1];
    if (next?.type === '[') {
      e.opaque = true;
    } else if (next && RELOP_TYPES.has(next.type)) {
      if (next.type !== '==' && next.type !== '!=') e.opaque = true;
      operand(toks, i + 2, 1, e);
    }
    if (prev && RELOP_TYPES.has(prev.type)) {
      if (prev.type !== '==' && prev.type !== '!=') e.opaque = true;
      operand(toks, i - 2, -1, e);
    }
  }
  return out;
}

/** Reads the constant or `{…}` set starting at `at` (reading forwards or backwards) into `e`. */
function operand(
  toks: readonly Token[],
  at: number,
  step: 1 | -1,
  e: { ints: Token[]; sets: string[] },
): void {
  const open = step === 1 ? '{' : '}';
  const close = step === 1 ? '}' : '{';
  const take = (t: Token) => {
    if (t.type === 'int') e.ints.push(t);
    else if (t.type === 'addrset') e.sets.push(t.text);
  };
  const first = toks[at];
  if (!first) return;
  if (first.type !== open) {
    take(first);
    return;
  }
  for (let i = at + step; i >= 0 && i < toks.length && toks[i]!.type !== close; i += step) take(toks[i]!);
}
