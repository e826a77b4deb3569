// The parts of an OVSDB schema (RFC 7047 §3.2) the client needs: each column's shape (scalar, set or
// map) and atomic key type, which decide how a wire value is read, defaulted and diffed.

import { OvncpError } from '../errors.ts';

export type AtomicType = 'string' | 'integer' | 'real' | 'boolean' | 'uuid';
export type ColumnKind = 'scalar' | 'set' | 'map';

export interface ColumnSchema {
  readonly kind: ColumnKind;
  readonly keyType: AtomicType;
}

export interface DbSchema {
  readonly name: string;
  readonly version: string;
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, ColumnSchema>>;
}

type BaseType = AtomicType | { type: AtomicType };
type WireType = BaseType | { key: BaseType; value?: BaseType; min?: number; max?: number | 'unlimited' };

function atomicOf(t: BaseType): AtomicType {
  return typeof t === 'string' ? t : t.type;
}

/** Column shape as ovsdb-server encodes it: a map has a value type; exactly-one is a scalar. */
export function columnFromWire(type: WireType): ColumnSchema {
  if (typeof type === 'string' || !('key' in type)) return { kind: 'scalar', keyType: atomicOf(type) };
  const keyType = atomicOf(type.key);
  if (type.value !== undefined) return { kind: 'map', keyType };
  const min = type.min ?? 1;
  const max = type.max ?? 1;
  return { kind: min === 1 && max === 1 ? 'scalar' : 'set', keyType };
}

export function schemaFromWire(raw: unknown): DbSchema {
  const s = raw as {
    name?: string;
    version?: string;
    tables?: Record<string, { columns?: Record<string, { type: WireType }> }>;
  };
  if (!s || typeof s.name !== 'string' || typeof s.tables !== 'object' || s.tables === null)
    throw new OvncpError('OVNCP_ERR_OVSDB', 'get_schema: reply is not a database schema');
  const tables = new Map<string, Map<string, ColumnSchema>>();
  for (const [table, t] of Object.entries(s.tables)) {
    const cols = new Map<string, ColumnSchema>();
    for (const [col, c] of Object.entries(t.columns ?? {})) cols.set(col, columnFromWire(c.type));
    tables.set(table, cols);
  }
  return { name: s.name, version: s.version ?? '', tables };
}
