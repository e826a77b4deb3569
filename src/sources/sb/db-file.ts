// The OVSDB standalone database file that ovsdb-server writes (and must-gather / sosreport archives hold):
// records `OVSDB JSON <length> <sha1>\n<json>\n`, the first the schema, each further one a transaction
// `{table: {uuid: row | null}, "_date": …}` where a row is the inserted row's non-default columns or a
// modified row's changed columns (with `"_is_diff": true`, sets and maps as update2-style diffs). Replaying
// them gives the database. A clustered file (`OVSDB CLUSTER` records) holds a raft log instead: refused
// with the command that converts it. The size is checked before anything is read.

import { open } from 'node:fs/promises';
import { OvncpError } from '../../errors.ts';
import type { SbDatabase } from '../../ovn/sb/types.ts';
import { applyDiff, type Datum, datumFromWire, defaultDatum, type Row } from '../../ovsdb/datum.ts';
import { type DbSchema, schemaFromWire } from '../../ovsdb/schema.ts';
import { sbDatabaseFromRows } from './sb-rows.ts';

/** Default limit on the file's size: an L-size SB is ~100 MB; beyond this a file is refused, not read. */
export const DEFAULT_DB_FILE_LIMIT = 2 * 1024 ** 3;

export interface DbFileContents {
  readonly schema: DbSchema;
  /** Table -> uuid -> row (every column of the schema present). */
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, Row>>;
}

function fileError(path: string, message: string): OvncpError {
  return new OvncpError('OVNCP_ERR_CONFIG', `${path}: ${message}`, { field: 'sb.file' });
}

/** Reads and replays a standalone OVSDB file. */
export async function readDbFile(path: string, limit = DEFAULT_DB_FILE_LIMIT): Promise<DbFileContents> {
  const fh = await open(path, 'r').catch((err: Error) => {
    throw fileError(path, `cannot open: ${err.message}`);
  });
  try {
    const { size } = await fh.stat();
    if (size > limit) throw fileError(path, `${size} bytes is over the limit of ${limit} bytes`);
    const buf = await fh.readFile();
    return replay(path, buf);
  } finally {
    await fh.close();
  }
}

/** A Southbound database file -> SbDatabase (the schema must be OVN_Southbound). */
export async function readSbFile(path: string, limit = DEFAULT_DB_FILE_LIMIT): Promise<SbDatabase> {
  const { schema, tables } = await readDbFile(path, limit);
  if (schema.name !== 'OVN_Southbound')
    throw fileError(path, `holds the ${schema.name} database, not OVN_Southbound`);
  return sbDatabaseFromRows((t) => tables.get(t) ?? new Map(), schema.version);
}

/** The records of the file, in order, as parsed JSON. */
function* records(path: string, buf: Buffer): Generator<unknown> {
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const header = buf.toString('latin1', pos, nl < 0 ? buf.length : nl);
    if (header.startsWith('OVSDB CLUSTER'))
      throw fileError(
        path,
        'is a clustered database; convert it first: ovsdb-tool cluster-to-standalone STANDALONE.db ' +
          'CLUSTERED.db',
      );
    const m = /^OVSDB JSON (\d+) [0-9a-f]+$/.exec(header);
    if (!m || nl < 0) throw fileError(path, `not an OVSDB database file (bad record header at byte ${pos})`);
    const start = nl + 1;
    const end = start + Number(m[1]);
    if (end > buf.length) throw fileError(path, `truncated record at byte ${pos}`);
    try {
      yield JSON.parse(buf.toString('utf8', start, end));
    } catch (err) {
      throw fileError(path, `record at byte ${pos} is not JSON: ${(err as Error).message}`);
    }
    pos = end;
    if (buf[pos] === 0x0a) pos++;
  }
}

function replay(path: string, buf: Buffer): DbFileContents {
  let schema: DbSchema | null = null;
  const tables = new Map<string, Map<string, Row>>();
  for (const rec of records(path, buf)) {
    if (!schema) {
      schema = schemaFromWire(rec);
      for (const t of schema.tables.keys()) tables.set(t, new Map());
      continue;
    }
    applyTxn(schema, tables, rec as Record<string, unknown>);
  }
  if (!schema) throw fileError(path, 'is empty');
  return { schema, tables };
}

function applyTxn(
  schema: DbSchema,
  tables: Map<string, Map<string, Row>>,
  txn: Record<string, unknown>,
): void {
  const isDiff = txn._is_diff === true;
  for (const [table, rows] of Object.entries(txn)) {
    if (table.startsWith('_')) continue;
    const cols = schema.tables.get(table);
    const data = tables.get(table);
    if (!cols || !data || typeof rows !== 'object' || rows === null) continue;
    for (const [uuid, wire] of Object.entries(rows as Record<string, Record<string, unknown> | null>)) {
      if (wire === null) {
        data.delete(uuid);
        continue;
      }
      const old = data.get(uuid);
      const row: Record<string, Datum> = {};
      for (const [name, col] of cols) {
        const base = old?.[name] ?? defaultDatum(col);
        if (!(name in wire)) row[name] = base;
        else if (old && isDiff) row[name] = applyDiff(col, base, wire[name]);
        else row[name] = datumFromWire(col, wire[name]);
      }
      data.set(uuid, row);
    }
  }
}
