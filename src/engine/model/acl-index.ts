// ACL lists indexed for fast evaluation. Most real ACLs are scoped to ports by a top-level conjunct
// such as `outport == @pg_web` or `inport == "vm1"`; those are filed under each port they can match,
// the rest stay in a generic list, and a lookup merges the port's list with the generic one in
// priority order, so a packet is tested against a handful of ACLs instead of every ACL of the switch.
// Matches are compiled on first use (and cached), so loading a large network stays fast.

import type { CompiledMatch, Flow, RefResolver } from '../../ovn/expr/index.ts';
import { compileMatch } from '../../ovn/expr/index.ts';
import type { Acl, Topology } from '../../ovn/topology/types.ts';
import type { AclMatch } from '../types.ts';
import { addressSetRefs } from './refs.ts';
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
  /** The rows the match depends on in the topology it was made for (reuse.ts). */
  readonly deps: readonly unknown[];
  /** True when the ACL drops (drop or reject) rather than passes. */
  readonly denies: boolean;

  constructor(
    readonly acl: Acl,
    private refs: RefResolver,
    t: Topology,
  ) {
    this.groups = portGroupRefs(acl.match);
    this.sets = addressSetRefs(acl.match);
    this.deps = matchDeps(t, this.groups, this.sets);
    this.denies = acl.action === 'drop' || acl.action === 'reject';
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

  /** aclScope of this ACL without repeats, computed once (the port groups it names decide it). */
  scope(field: 'inport' | 'outport', members: (group: string) => readonly string[] | undefined) {
    const i = field === 'inport' ? 0 : 1;
    let s = this.scopes[i];
    if (s === undefined) {
      s = aclScope(this.acl.match, field, members);
      this.scopes[i] = s = s && [...new Set(s)];
    }
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
        owner: `${a.owner.kind === 'switch' ? 'switch' : 'port group'} ${a.owner.name}`,
        uuid: a.uuid,
      };
    }
    return this.hopMatch;
  }

  /** The description of a hop this ACL decided. */
  get verdict(): string {
    if (this.verdictText === undefined) {
      const a = this.acl;
      const who = a.name ? `ACL ${a.name}` : `unnamed ACL ${a.uuid.slice(0, 8)}`;
      const verb = !this.denies ? 'Allowed' : a.action === 'reject' ? 'Rejected' : 'Dropped';
      this.verdictText = `${verb} by ${who} (priority ${a.priority}, ${a.action}): ${a.match}`;
    }
    return this.verdictText;
  }
}

/** Port groups a match refers to with `@name` (OVN ignores the match on a switch where one is empty). */
export function portGroupRefs(match: string): string[] {
  const out: string[] = [];
  for (const m of match.matchAll(/@([A-Za-z_.][A-Za-z0-9_.]*)/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Splits at top-level `&&`; null when the match has a top-level `||` (then no conjunct scopes it). */
export function conjuncts(match: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < match.length; i++) {
    const c = match[i];
    if (c === '"') {
      for (i++; i < match.length && match[i] !== '"'; i++) if (match[i] === '\\') i++;
    } else if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (depth === 0 && (c === '&' || c === '|') && match[i + 1] === c) {
      if (c === '|') return null;
      out.push(match.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(match.slice(start));
  return out.map(stripParens);
}

function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')' && --d < 0) return false;
  }
  return d === 0;
}

const NAME = String.raw`(?:@[A-Za-z_.][A-Za-z0-9_.]*|"(?:[^"\\]|\\.)*")`;
const SCOPE_RE = new RegExp(
  String.raw`^(inport|outport)\s*==\s*(${NAME}|\{\s*${NAME}(?:\s*,\s*${NAME})*\s*\})$`,
);

/** The ports an ACL can match through `field` (inport/outport), or null when it is not so scoped. */
export function aclScope(
  match: string,
  field: 'inport' | 'outport',
  members: (group: string) => readonly string[] | undefined,
): string[] | null {
  for (const c of conjuncts(match) ?? []) {
    const m = SCOPE_RE.exec(c);
    if (!m || m[1] !== field) continue;
    const names = m[2]!.match(new RegExp(NAME, 'g')) ?? [];
    const ports: string[] = [];
    for (const n of names) {
      if (n.startsWith('@')) {
        const g = members(n.slice(1));
        if (!g) return null;
        ports.push(...g);
      } else {
        try {
          ports.push(JSON.parse(n) as string);
        } catch {
          return null;
        }
      }
    }
    return ports;
  }
  return null;
}

const NONE: readonly CompiledAcl[] = [];

/** One ACL stage's ACLs, highest priority first, indexed by the port they are scoped to. */
export class AclList {
  private readonly generic: CompiledAcl[] = [];
  private readonly byPort = new Map<string, CompiledAcl[]>();
  readonly size: number;

  constructor(
    acls: readonly CompiledAcl[],
    field: 'inport' | 'outport',
    members: (group: string) => readonly string[] | undefined,
  ) {
    const sorted = [...acls].sort((a, b) => b.acl.priority - a.acl.priority);
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

  /** The highest-priority ACL whose match holds for `f` (scoped by `port`); reports ignored ACLs. */
  first(f: Flow, port: string, ignored: (why: string) => void): CompiledAcl | null {
    if (this.size === 0) return null;
    const a = this.byPort.get(port) ?? NONE;
    const b = this.generic;
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const c =
        j >= b.length || (i < a.length && a[i]!.acl.priority >= b[j]!.acl.priority) ? a[i++]! : b[j++]!;
      const m = c.matcher();
      if (!m) {
        ignored(c.problem!);
        continue;
      }
      if (m.evaluate(f)) return c;
    }
    return null;
  }
}
