// Public face of the OVN match-expression language: compile a match once, evaluate it on many flows.
// CONTRACT ONLY for now: the expression-language work (issue 3) replaces the body of compileMatch with
// the real lexer -> parser -> annotate -> evaluate pipeline. Until then compileMatch reports every
// match as unsupported, so nothing silently pretends to evaluate.

import type { Flow } from './flow.ts';

export type { Flow } from './flow.ts';
export { CT, cloneFlow, emptyFlow, FRAG } from './flow.ts';

/** What a match may refer to outside itself: address sets, port groups and their derived sets. */
export interface RefResolver {
  /** Entries of address set `$name` (IPs, CIDRs or MACs as written), or undefined if unknown. */
  addressSet(name: string): readonly string[] | undefined;
  /** Member port names of port group `@name`, or undefined if unknown. */
  portGroup(name: string): readonly string[] | undefined;
  /** IPv4 / IPv6 addresses of the members of port group `name` (for `$name_ip4` / `$name_ip6`). */
  portGroupAddresses(name: string, family: 4 | 6): readonly string[] | undefined;
}

export interface ExprError {
  readonly ok: false;
  /** Offset in the match text where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

export interface CompiledMatch {
  readonly ok: true;
  /** The match as given. */
  readonly source: string;
  /** Fields the match reads (after prerequisites were added), e.g. ['ip4.src', 'tcp.dst', 'outport']. */
  readonly fields: readonly string[];
  evaluate(flow: Flow): boolean;
}

export function compileMatch(match: string, _refs: RefResolver): CompiledMatch | ExprError {
  return { ok: false, offset: 0, message: `expression language not implemented yet: ${match}` };
}
