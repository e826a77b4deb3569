// OVSDB values in memory and the update rules of the monitor protocols. On the wire a UUID is
// ["uuid", U], a set ["set", [...]] (a one-element set may be the bare atom), a map ["map", [[k, v]...]].
// In memory: a scalar is its atom, a set an array of atoms, a map a Map; UUIDs become plain strings.
// update2 "modify" carries diffs: a set by symmetric difference, a map by key (same value = delete,
// other value = replace, new key = insert), a scalar by its new value.

import type { AtomicType, ColumnSchema } from './schema.ts';

export type Atom = string | number | boolean;
export type Datum = Atom | readonly Atom[] | ReadonlyMap<Atom, Atom>;
export type Row = Readonly<Record<string, Datum>>;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function atomFromWire(x: unknown): Atom {
  if (Array.isArray(x) && (x[0] === 'uuid' || x[0] === 'named-uuid')) return String(x[1]);
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
  throw new Error(`not an OVSDB atom: ${JSON.stringify(x)}`);
}

function setFromWire(x: unknown): Atom[] {
  if (Array.isArray(x) && x[0] === 'set') return (x[1] as unknown[]).map(atomFromWire);
  return [atomFromWire(x)];
}

function mapFromWire(x: unknown): Map<Atom, Atom> {
  const pairs = Array.isArray(x) && x[0] === 'map' ? (x[1] as unknown[][]) : [];
  return new Map(pairs.map(([k, v]) => [atomFromWire(k), atomFromWire(v)]));
}

export function datumFromWire(col: ColumnSchema, x: unknown): Datum {
  if (col.kind === 'map') return mapFromWire(x);
  if (col.kind === 'set') return setFromWire(x);
  return atomFromWire(x);
}

function defaultAtom(t: AtomicType): Atom {
  if (t === 'string') return '';
  if (t === 'boolean') return false;
  if (t === 'uuid') return ZERO_UUID;
  return 0;
}

/** The value of a column the server left out (ovsdb-server omits default values in update2 rows). */
export function defaultDatum(col: ColumnSchema): Datum {
  if (col.kind === 'map') return new Map();
  if (col.kind === 'set') return [];
  return defaultAtom(col.keyType);
}

/** Applies one update2 diff value to a column's old value. */
export function applyDiff(col: ColumnSchema, old: Datum, diff: unknown): Datum {
  if (col.kind === 'scalar') return atomFromWire(diff);
  if (col.kind === 'set') {
    const before = old as readonly Atom[];
    const change = setFromWire(diff);
    const toggled = new Set(change);
    const kept = before.filter((a) => !toggled.has(a));
    const had = new Set(before);
    return [...kept, ...change.filter((a) => !had.has(a))];
  }
  const out = new Map(old as ReadonlyMap<Atom, Atom>);
  for (const [k, v] of mapFromWire(diff)) {
    if (out.has(k) && out.get(k) === v) out.delete(k);
    else out.set(k, v);
  }
  return out;
}
