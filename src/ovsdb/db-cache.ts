// The client's copy of the monitored tables, kept current by monitor replies and update notifications
// (RFC 7047 `update` and OVS's `update2`/`update3`). Rows are replaced, never changed in place, so a row
// object handed out earlier stays valid. Each apply says which tables it touched and, when asked (a
// consumer that updates incrementally, e.g. the compiled SB), which rows, with their old and new values.

import { applyDiff, type Datum, datumFromWire, defaultDatum, type Row } from './datum.ts';
import type { ColumnSchema } from './schema.ts';

/** Table name -> the monitored columns and their shapes. */
export type MonitoredTables = ReadonlyMap<string, ReadonlyMap<string, ColumnSchema>>;

type RowUpdate2 = { initial?: WireRow; insert?: WireRow; modify?: WireRow; delete?: null };
type RowUpdate1 = { old?: WireRow; new?: WireRow };
type WireRow = Record<string, unknown>;
export type TableUpdates<U> = Record<string, Record<string, U>>;

/** One row's change in one update: `old` null for an insert, `new` null for a delete. */
export interface RowChange {
  readonly table: string;
  readonly uuid: string;
  readonly old: Row | null;
  readonly new: Row | null;
}

export class DbCache {
  private readonly data = new Map<string, Map<string, Row>>();
  /** Table maps handed out by snapshot(): a commit copies such a map before changing it. */
  private readonly frozen = new WeakSet<Map<string, Row>>();

  constructor(readonly tables: MonitoredTables) {
    for (const t of tables.keys()) this.data.set(t, new Map());
  }

  table(name: string): ReadonlyMap<string, Row> {
    return this.data.get(name) ?? new Map();
  }

  /**
   * The tables as they are now, unchanged by later commits (copy on write: the first commit to a table
   * after a snapshot copies that table's map). A reader spanning turns of the event loop (the live
   * NB rebuild) gets a consistent view without copying every table up front.
   */
  snapshot(): (name: string) => ReadonlyMap<string, Row> {
    const view = new Map(this.data);
    for (const m of view.values()) this.frozen.add(m);
    return (name) => view.get(name) ?? new Map();
  }

  rowCount(): number {
    let n = 0;
    for (const t of this.data.values()) n += t.size;
    return n;
  }

  clear(): void {
    // New maps, not cleared ones: a snapshot may hold the old ones.
    for (const t of this.data.keys()) this.data.set(t, new Map());
  }

  /** Applies `table-updates2` (monitor_cond / monitor_cond_since). */
  applyUpdate2(updates: TableUpdates<RowUpdate2>, log?: RowChange[]): Set<string> {
    return this.commit(runToEnd(this.prepareUpdate2(updates)), log);
  }

  /** Applies RFC 7047 `table-updates` (plain `monitor`): `new` holds the row's monitored columns. */
  applyUpdate1(updates: TableUpdates<RowUpdate1>, log?: RowChange[]): Set<string> {
    return this.commit(runToEnd(this.prepareUpdate1(updates)), log);
  }

  /**
   * The rows `table-updates2` makes, computed against the cache as it is now but not applied (commit
   * applies them), yielding every few hundred rows: a huge update is decoded over several turns of the
   * event loop while readers still see the cache before it (issue 18 item 5). Nothing may change the
   * cache between this and the commit.
   */
  *prepareUpdate2(updates: TableUpdates<RowUpdate2>): Generator<void, PreparedUpdate> {
    const out: PreparedUpdate = { touched: new Set(), changes: [] };
    let n = 0;
    for (const [table, rows] of Object.entries(updates ?? {})) {
      const cols = this.tables.get(table);
      const data = this.data.get(table);
      if (!cols || !data) continue;
      out.touched.add(table);
      for (const [uuid, u] of Object.entries(rows)) {
        if (++n % ROWS_PER_STEP === 0) yield;
        const old = data.get(uuid) ?? null;
        const full = u.initial ?? u.insert;
        let next: Row | null = old;
        if (full) next = fullRow(cols, full);
        else if (u.modify) next = old ? modifiedRow(cols, old, u.modify) : null;
        else if ('delete' in u) next = null;
        if (next !== old) out.changes.push({ table, uuid, old, new: next });
      }
    }
    return out;
  }

  /** As prepareUpdate2, for RFC 7047 `table-updates`. */
  *prepareUpdate1(updates: TableUpdates<RowUpdate1>): Generator<void, PreparedUpdate> {
    const out: PreparedUpdate = { touched: new Set(), changes: [] };
    let n = 0;
    for (const [table, rows] of Object.entries(updates ?? {})) {
      const cols = this.tables.get(table);
      const data = this.data.get(table);
      if (!cols || !data) continue;
      out.touched.add(table);
      for (const [uuid, u] of Object.entries(rows)) {
        if (++n % ROWS_PER_STEP === 0) yield;
        const old = data.get(uuid) ?? null;
        if (u.new) {
          const next = { ...(old ?? fullRow(cols, {})), ...fullRow(cols, u.new, false) };
          out.changes.push({ table, uuid, old, new: next });
        } else if (old) out.changes.push({ table, uuid, old, new: null });
      }
    }
    return out;
  }

  /** Applies a prepared update in one go; returns the tables it touched. */
  commit(prepared: PreparedUpdate, log?: RowChange[]): Set<string> {
    for (const c of prepared.changes) {
      let data = this.data.get(c.table)!;
      if (this.frozen.has(data)) {
        data = new Map(data);
        this.data.set(c.table, data);
      }
      if (c.new) data.set(c.uuid, c.new);
      else data.delete(c.uuid);
      log?.push(c);
    }
    return prepared.touched;
  }
}

/** Rows decoded between two yields of a prepare (a few ms at most). */
const ROWS_PER_STEP = 256;

/** An update decoded against a cache, not yet applied to it (see DbCache.prepareUpdate2). */
export interface PreparedUpdate {
  readonly touched: Set<string>;
  readonly changes: RowChange[];
}

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

function fullRow(cols: ReadonlyMap<string, ColumnSchema>, wire: WireRow, withDefaults = true): Row {
  const row: Record<string, Datum> = {};
  for (const [name, col] of cols) {
    if (name in wire) row[name] = datumFromWire(col, wire[name]);
    else if (withDefaults) row[name] = defaultDatum(col);
  }
  return row;
}

function modifiedRow(cols: ReadonlyMap<string, ColumnSchema>, old: Row, diff: WireRow): Row {
  const row: Record<string, Datum> = { ...old };
  for (const [name, value] of Object.entries(diff)) {
    const col = cols.get(name);
    if (col) row[name] = applyDiff(col, old[name] ?? defaultDatum(col), value);
  }
  return row;
}
