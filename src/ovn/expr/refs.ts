// Resolution of `$name` (address sets, including the `$pg_ip4` / `$pg_ip6` sets OVN derives from port
// groups) and `@name` (port groups). Address-set entries are read with the match lexer, as OVN does;
// an entry that is not a single (masked) constant is skipped, like OVN skips it with a warning.

import { parseIpv6 } from '../net/addr.ts';
import type { IntConst } from './ast.ts';
import type { IntFormat } from './lexer.ts';
import { tokenize } from './lexer.ts';

/** What a match may refer to outside itself: address sets, port groups and their derived sets. */
export interface RefResolver {
  /** Entries of address set `$name` (IPs, CIDRs or MACs as written), or undefined if unknown. */
  addressSet(name: string): readonly string[] | undefined;
  /** Member port names of port group `@name`, or undefined if unknown. */
  portGroup(name: string): readonly string[] | undefined;
  /** IPv4 / IPv6 addresses of the members of port group `name` (for `$name_ip4` / `$name_ip6`). */
  portGroupAddresses(name: string, family: 4 | 6): readonly string[] | undefined;
}

export type RefResolverLike = RefResolver;

export interface SetEntry extends IntConst {
  readonly format: IntFormat;
}

/** Parsed entries per entry array: a big set referenced by many ACLs is lexed once. */
const parsedCache = new WeakMap<readonly string[], SetEntry[]>();

function parseEntries(entries: readonly string[]): SetEntry[] {
  const hit = parsedCache.get(entries);
  if (hit) return hit;
  const out: SetEntry[] = [];
  for (const text of entries) {
    const quick = plainIpv4(text) ?? plainIpv6(text);
    if (quick) {
      out.push(quick);
      continue;
    }
    const toks = tokenize(text);
    const t = toks[0];
    if (toks.length !== 2 || !t || t.type !== 'int') continue;
    out.push({ value: t.value, mask: t.mask, format: t.format });
  }
  parsedCache.set(entries, out);
  return out;
}

const PLAIN_V4 =
  /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(0|[1-9]\d?))?$/;

/** Fast path for the common entry forms `a.b.c.d` and `a.b.c.d/len`; anything else goes to the lexer. */
function plainIpv4(text: string): SetEntry | undefined {
  const m = PLAIN_V4.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  if (m[5] === undefined) return { value: BigInt(v), mask: undefined, format: 'ipv4' };
  const len = Number(m[5]);
  if (len > 32) return undefined;
  const mask = ((1n << BigInt(len)) - 1n) << BigInt(32 - len);
  return { value: BigInt(v) & mask, mask, format: 'ipv4' };
}

/** Fast path for `ipv6` and `ipv6/len` entries. */
function plainIpv6(text: string): SetEntry | undefined {
  const m = /^([0-9a-fA-F:.]*:[0-9a-fA-F:.]*)(?:\/(0|[1-9]\d{0,2}))?$/.exec(text);
  const v = m && m[1]!.length < 46 ? parseIpv6(m[1]!) : null;
  if (v === null || !m) return undefined;
  if (m[2] === undefined) return { value: v, mask: undefined, format: 'ipv6' };
  const len = Number(m[2]);
  if (len > 128) return undefined;
  const mask = ((1n << BigInt(len)) - 1n) << BigInt(128 - len);
  return { value: v & mask, mask, format: 'ipv6' };
}

/** A `$name` that OVN may derive from a port group: `$<group>_ip4` / `$<group>_ip6`. */
export interface DerivedSet {
  /** The set name as written after `$`. */
  readonly name: string;
  readonly group: string;
  readonly family: 4 | 6;
}

/**
 * The port group and family a set name would be derived from, or null when it is not so shaped. An
 * address set of that exact name wins over the derived set (resolveAddressSet looks it up first).
 */
export function derivedSet(name: string): DerivedSet | null {
  if (name.length < 5 || !(name.endsWith('_ip4') || name.endsWith('_ip6'))) return null;
  return { name, group: name.slice(0, -4), family: name.endsWith('4') ? 4 : 6 };
}

export function resolveAddressSet(refs: RefResolver | undefined, name: string): SetEntry[] | undefined {
  if (!refs) return undefined;
  const direct = refs.addressSet(name);
  if (direct) return parseEntries(direct);
  const d = derivedSet(name);
  const derived = d && refs.portGroupAddresses(d.group, d.family);
  return derived ? parseEntries(derived) : undefined;
}

export function resolvePortGroup(refs: RefResolver | undefined, name: string): readonly string[] | undefined {
  return refs?.portGroup(name);
}
