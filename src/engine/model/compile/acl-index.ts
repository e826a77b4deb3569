// ACL lists indexed for fast evaluation. Most real ACLs are scoped to ports by a top-level conjunct
// such as `outport == @pg_web` or `inport == "vm1"` (src/ovn/expr/analyze.ts finds them); those are
// filed under each port they can match, the rest stay in a generic list, and a lookup merges the
// port's list with the generic one in priority order, so a packet is tested against a handful of ACLs
// instead of every ACL of the switch. Matches are compiled on first use (and cached), so loading a
// large network stays fast; the analysis (one lexer pass) is done when the ACL is first met.

import type { CompiledMatch, Flow, GroupMembers, RefResolver, ScopeNames } from '../../../ovn/expr/index.ts';
import { analyzeMatch, compileMatch, resolveScope } from '../../../ovn/expr/index.ts';
import { type RuleOwner, ruleOwner } from '../../../ovn/topology/rule-owner.ts';
import type { Acl, Topology } from '../../../ovn/topology/types.ts';
import type { AclMatch } from '../../types.ts';
import { matchDeps } from './reuse.ts';

export function aclLabel(a: Acl): string {
  return `ACL ${a.name ? `"${a.name}"` : a.uuid.slice(0, 8)} (${a.owner.kind === 'switch' ? 'switch' : 'port group'} ${a.owner.name}, ${a.direction} priority ${a.priority})`;
}

/** One ACL whose match is compiled lazily; a match that does not compile is ignored, as OVN does. */
export class CompiledAcl {
  private compiled: CompiledMatch | null | undefined;
  problem: string | null = null;
  private scopes: [string[] | null | undefined, string[] | null | undefined] = [undefined, undefined];
  private hopMatch: AclMatch | undefined;
  private verdictText: string | undefined;
  /** Port groups named with `@` (OVN ignores the ACL on a switch where one has no port). */
  readonly groups: readonly string[];
  /** Address sets named with `$`. */
  readonly sets: readonly string[];
  /** True when the match has a top-level `||`. */
  readonly topLevelOr: boolean;
  /** The top-level `inport ==` / `outport ==` conjuncts, with port groups not yet resolved. */
  private readonly scopeNames: readonly [readonly ScopeNames[], readonly ScopeNames[]];
  /** The rows the match depends on in the topology it was made for (reuse.ts). */
  readonly deps: readonly unknown[];
  /** True when the ACL drops (drop or reject) rather than lets through. */
  readonly denies: boolean;
  /** True for `pass` (23.06+): no verdict, evaluation goes on at the next tier. */
  readonly passes: boolean;
  /** Who the ACL was written for (its external_ids; read now, the topology is not kept). */
  private readonly owner: RuleOwner;

  constructor(
    readonly acl: Acl,
    private refs: RefResolver,
    t: Topology,
  ) {
    const a = analyzeMatch(acl.match);
    this.groups = a.portGroups;
    this.sets = a.addressSets;
    this.topLevelOr = a.topLevelOr;
    this.scopeNames = [a.inport, a.outport];
    this.deps = matchDeps(t, this.groups, this.sets);
    this.denies = acl.action === 'drop' || acl.action === 'reject';
    this.passes = acl.action === 'pass';
    this.owner = ruleOwner(acl, t);
  }

  /**
   * Reuses this ACL for another topology in which everything it names is the identical row: it will
   * compile (if it has not yet) with that topology's resolver, so the old topology is not kept alive.
   */
  rebind(refs: RefResolver): void {
    if (this.compiled === undefined) this.refs = refs;
  }

  /** The compiled match, or null (with `problem` set) when OVN would ignore this ACL. */
  matcher(): CompiledMatch | null {
    if (this.compiled === undefined) {
      const r = compileMatch(this.acl.match, this.refs);
      this.compiled = r.ok ? r : null;
      if (!r.ok) this.problem = `${aclLabel(this.acl)} ignored: its match does not compile (${r.message})`;
    }
    return this.compiled;
  }

  /**
   * The ports this ACL can match through `field` (without repeats), or null when no top-level
   * conjunct restricts it; computed once (the port groups it names decide it).
   */
  scope(field: 'inport' | 'outport', members: GroupMembers): string[] | null {
    const i = field === 'inport' ? 0 : 1;
    let s = this.scopes[i];
    if (s === undefined) this.scopes[i] = s = resolveScope(this.scopeNames[i], members);
    return s;
  }

  /** The acl_matches entry of a hop this ACL decided (built once, shared by every trace). */
  get aclMatch(): AclMatch {
    if (!this.hopMatch) {
      const a = this.acl;
      this.hopMatch = {
        acl_name: a.name,
        priority: a.priority,
        direction: a.direction === 'from-lport' ? 'ingress' : 'egress',
        action: a.action,
        match: a.match,
        attached_to: `${a.owner.kind === 'switch' ? 'switch' : 'port group'} ${a.owner.name}`,
        owner: this.owner,
        uuid: a.uuid,
      };
      if (a.tier !== 0) this.hopMatch.tier = a.tier;
    }
    return this.hopMatch;
  }

  /** The description of a hop this ACL decided. */
  get verdict(): string {
    if (this.verdictText === undefined) {
      const a = this.acl;
      const who = a.name ? `ACL ${a.name}` : `unnamed ACL ${a.uuid.slice(0, 8)}`;
      const verb = this.passes
        ? 'Passed to the next tier'
        : !this.denies
          ? 'Allowed'
          : a.action === 'reject'
            ? 'Rejected'
            : 'Dropped';
      const tier = a.tier !== 0 ? `tier ${a.tier}, ` : '';
      this.verdictText = `${verb} by ${who} (${tier}priority ${a.priority}, ${a.action}): ${a.match}`;
    }
    return this.verdictText;
  }
}

const NONE: readonly CompiledAcl[] = [];

/**
 * Evaluation order of a stage's ACLs: with tiers (23.06+) lower tiers first, then highest priority
 * first; before 23.06 priority alone (the NB had no tier column).
 */
function before(tiers: boolean): (a: CompiledAcl, b: CompiledAcl) => boolean {
  return tiers
    ? (a, b) => a.acl.tier < b.acl.tier || (a.acl.tier === b.acl.tier && a.acl.priority >= b.acl.priority)
    : (a, b) => a.acl.priority >= b.acl.priority;
}

/**
 * One ACL stage's ACLs in evaluation order, indexed by the port they are scoped to. With tiers, OVN
 * evaluates tier 0, and moves on to the next tier when no ACL of the tier matched or the matching one
 * is `pass`; past the last tier the switch's default applies.
 */
export class AclList {
  private readonly generic: CompiledAcl[] = [];
  private readonly byPort = new Map<string, CompiledAcl[]>();
  private readonly before: (a: CompiledAcl, b: CompiledAcl) => boolean;
  readonly size: number;

  constructor(
    acls: readonly CompiledAcl[],
    field: 'inport' | 'outport',
    members: GroupMembers,
    readonly tiers = false,
  ) {
    this.before = before(tiers);
    const sorted = [...acls].sort((a, b) =>
      tiers && a.acl.tier !== b.acl.tier ? a.acl.tier - b.acl.tier : b.acl.priority - a.acl.priority,
    );
    for (const c of sorted) {
      const scope = c.scope(field, members);
      if (scope === null) this.generic.push(c);
      else
        for (const p of scope) {
          let l = this.byPort.get(p);
          if (!l) this.byPort.set(p, (l = []));
          l.push(c);
        }
    }
    this.size = sorted.length;
  }

  /**
   * The deciding ACL for `f` (scoped by `port`): the first in evaluation order whose match holds, a
   * `pass` skipping the rest of its tier (each pass met is given to `passed`); null when none decides.
   * Reports ignored ACLs.
   */
  first(
    f: Flow,
    port: string,
    ignored: (why: string) => void,
    passed?: (c: CompiledAcl) => void,
  ): CompiledAcl | null {
    if (this.size === 0) return null;
    const a = this.byPort.get(port) ?? NONE;
    const b = this.generic;
    const before = this.before;
    let i = 0;
    let j = 0;
    let passedTier = -1;
    while (i < a.length || j < b.length) {
      const c = j >= b.length || (i < a.length && before(a[i]!, b[j]!)) ? a[i++]! : b[j++]!;
      if (c.acl.tier <= passedTier) continue;
      const m = c.matcher();
      if (!m) {
        ignored(c.problem!);
        continue;
      }
      if (!m.evaluate(f)) continue;
      if (!c.passes) return c;
      passedTier = c.acl.tier;
      passed?.(c);
    }
    return null;
  }
}
