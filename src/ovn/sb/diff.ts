// The row changes between two SbDatabases, e.g. two reads of an SB file: what CompiledSb.apply takes,
// so a reloaded file recompiles only the flows that changed. Rows compare by value.

import { SB_TABLE_NAMES, type SbChange, type SbDatabase } from './types.ts';

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Inserts, deletes and modifies that turn `from` into `to`. */
export function diffSbDatabases(from: SbDatabase, to: SbDatabase): SbChange[] {
  const out: SbChange[] = [];
  for (const table of SB_TABLE_NAMES) {
    const a = from[table] as ReadonlyMap<string, unknown>;
    const b = to[table] as ReadonlyMap<string, unknown>;
    for (const [uuid, row] of b) {
      const old = a.get(uuid);
      if (old === undefined || !sameValue(old, row))
        out.push({ table, uuid, old: old ?? null, new: row } as SbChange);
    }
    for (const [uuid, old] of a) if (!b.has(uuid)) out.push({ table, uuid, old, new: null } as SbChange);
  }
  return out;
}
