// Public face of the OVN match-expression language: compile a match once, evaluate it on many flows.
// The pipeline mirrors OVN's lib/expr.c: lexer -> parser (references resolved, `!` pushed down) ->
// annotation (subfields, predicates, prerequisites) -> closures. A match OVN would reject (and so ignore
// the logical flow it is in) gives an ExprError with the offset and OVN's reason.

import { annotate, fieldsOf } from './annotate.ts';
import { type CompileOptions, compile } from './evaluate.ts';
import { type ExactTest, exactTests } from './exact-tests.ts';
import type { Flow } from './flow.ts';
import type { Token } from './lexer.ts';
import { ExprSyntaxError, parseMatch } from './parser.ts';
import type { RefResolver } from './refs.ts';

export {
  analyzeMatch,
  type FieldComparisons,
  fieldComparisons,
  type GroupMembers,
  hasTopLevelOr,
  type MatchAnalysis,
  type MatchReferences,
  portScope,
  references,
  resolveScope,
  type ScopeNames,
  topLevelConjuncts,
  topLevelConjunctTokens,
} from './analyze.ts';
export type { Expr } from './ast.ts';
export { formatExpr } from './ast.ts';
export type { CompileOptions } from './evaluate.ts';
export { compileFirst, type FirstMatch } from './evaluate.ts';
export type { ExactEntry, ExactTest } from './exact-tests.ts';
export type { Flow } from './flow.ts';
export { CT, cloneFlow, emptyFlow, FRAG } from './flow.ts';
export { type L4Constant, type L4Cuts, type L4Protocol, l4Constants, l4Cuts } from './l4-constants.ts';
export { type Token, tokenize } from './lexer.ts';
export { ExprSyntaxError, parseMatch } from './parser.ts';
export { type DerivedSet, derivedSet, type RefResolver, resolveAddressSet, type SetEntry } from './refs.ts';

export interface ExprError {
  readonly ok: false;
  /** Offset in the match text where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

export interface CompiledMatch {
  readonly ok: true;
  /** The equality tests every accepted packet passes (exact-tests.ts), when asked for (`exactTests`). */
  readonly tests?: readonly ExactTest[];
  /** The match as given. */
  readonly source: string;
  /** Fields the match reads (after prerequisites were added), e.g. ['ip4.src', 'tcp.dst', 'outport']. */
  readonly fields: readonly string[];
  evaluate(flow: Flow): boolean;
}

/** A resolver that knows no address sets or port groups (every reference is then an error). */
export const NO_REFS: RefResolver = {
  addressSet: () => undefined,
  portGroup: () => undefined,
  portGroupAddresses: () => undefined,
};

/**
 * `tokens`: the match's tokens (tokenize(match)) when the caller has them (the lflow compile keys on them);
 * `withTests`: also return the match's exact tests (the lflow flow index hashes on them).
 */
export function compileMatch(
  match: string,
  refs: RefResolver,
  opts: CompileOptions = {},
  tokens?: readonly Token[],
  withTests = false,
): CompiledMatch | ExprError {
  try {
    const parsed = parseMatch(match, refs, {
      laterSymbols: opts.laterSymbols ?? false,
      ...(tokens ? { tokens } : {}),
    });
    const annotated = annotate(parsed);
    const evaluate = compile(annotated, opts);
    const fields = [...fieldsOf(annotated)];
    if (withTests) return { ok: true, source: match, fields, evaluate, tests: exactTests(annotated) };
    return { ok: true, source: match, fields, evaluate };
  } catch (err) {
    if (err instanceof ExprSyntaxError) return { ok: false, offset: err.offset, message: err.message };
    throw err;
  }
}
