// The differential generator's matches for the tests that run without OVN (generated code vs closure
// tree, exact tests): the port names {A}/{B} filled in, the generator's address sets and port group
// resolved, and each match annotated, or skipped when OVN would reject it.

import { type AExpr, annotate } from '../../src/ovn/expr/annotate.ts';
import type { RefResolver } from '../../src/ovn/expr/index.ts';
import { parseMatch } from '../../src/ovn/expr/parser.ts';
import { ADDRESS_SETS, type Gen, IP_A, PINNED, PORT_GROUP } from './generate.ts';

/** The port {A} stands for (the packets' inport in every other case); {B} is `lsp-b`. */
export const PORT_A = 'lsp-a';

export const OFFLINE_REFS: RefResolver = {
  addressSet: (name) => ADDRESS_SETS[name],
  portGroup: (name) => (name === PORT_GROUP ? [PORT_A] : undefined),
  portGroupAddresses: (name, family) => (name === PORT_GROUP ? (family === 4 ? [IP_A] : []) : undefined),
};

/** `extra`, the pinned matches and `count` generated ones, as [text, annotated] for those OVN accepts. */
export function offlineMatches(gen: Gen, count: number, extra: readonly string[] = []): [string, AExpr][] {
  const out: [string, AExpr][] = [];
  for (const raw of [...extra, ...PINNED, ...Array.from({ length: count }, () => gen.expr(3))]) {
    const m = raw.replaceAll('{A}', PORT_A).replaceAll('{B}', 'lsp-b');
    try {
      out.push([m, annotate(parseMatch(m, OFFLINE_REFS, { laterSymbols: false }))]);
    } catch {
      // a match OVN rejects: nothing to evaluate
    }
  }
  return out;
}
