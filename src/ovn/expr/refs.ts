// Resolution of `$name` (address sets, including the `$pg_ip4` / `$pg_ip6` sets OVN derives from port
// groups) and `@name` (port groups). Address-set entries are read with the match lexer, as OVN does;
// an entry that is not a single (masked) constant is skipped, like OVN skips it with a warning.

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
    const toks = tokenize(text);
    const t = toks[0];
    if (toks.length !== 2 || !t || t.type !== 'int') continue;
    out.push({ value: t.value, mask: t.mask, format: t.format });
  }
  parsedCache.set(entries, out);
  return out;
}

export function resolveAddressSet(refs: RefResolver | undefined, name: string): SetEntry[] | undefined {
  if (!refs) return undefined;
  const direct = refs.addressSet(name);
  if (direct) return parseEntries(direct);
  const m = /^(.+)_ip([46])$/.exec(name);
  if (!m) return undefined;
  const derived = refs.portGroupAddresses(m[1]!, m[2] === '4' ? 4 : 6);
  return derived ? parseEntries(derived) : undefined;
}

export function resolvePortGroup(refs: RefResolver | undefined, name: string): readonly string[] | undefined {
  return refs?.portGroup(name);
}
