// OVSDB rows of the Southbound (src/ovsdb Row, as the client's DbCache or the database-file reader hold
// them) -> the plain SB values of src/ovn/sb. SB_TABLES lists the tables and columns to monitor or read;
// columns an older schema lacks read as their defaults. The live follower turns each monitor update into
// SbChanges with sbRow(); a one-shot read or a file turns whole tables into an SbDatabase.

import type { SbDatabase, SbTableName, SbTables } from '../../ovn/sb/types.ts';
import { SB_TABLE_NAMES } from '../../ovn/sb/types.ts';
import type { Atom, Datum, Row } from '../../ovsdb/datum.ts';

/** The SB tables and columns the lflow engine reads (columns a schema lacks are skipped by the client). */
export const SB_TABLES: Readonly<Record<SbTableName, readonly string[]>> = {
  Logical_Flow: [
    'logical_datapath',
    'logical_dp_group',
    'pipeline',
    'table_id',
    'priority',
    'match',
    'actions',
    'external_ids',
    'tags',
  ],
  Logical_DP_Group: ['datapaths'],
  Datapath_Binding: ['tunnel_key', 'external_ids', 'load_balancers'],
  Port_Binding: [
    'logical_port',
    'datapath',
    'tunnel_key',
    'type',
    'options',
    'mac',
    'port_security',
    'parent_port',
    'tag',
    'chassis',
    'up',
    'nat_addresses',
    'external_ids',
  ],
  Multicast_Group: ['name', 'datapath', 'tunnel_key', 'ports'],
  MAC_Binding: ['logical_port', 'ip', 'mac', 'datapath'],
  Static_MAC_Binding: ['logical_port', 'ip', 'mac', 'override_dynamic_mac', 'datapath'],
  Address_Set: ['name', 'addresses'],
  Port_Group: ['name', 'ports'],
  FDB: ['mac', 'dp_key', 'port_key'],
  Load_Balancer: ['name', 'vips', 'protocol', 'datapaths', 'datapath_group', 'options', 'external_ids'],
  Chassis: ['name', 'hostname'],
  Chassis_Template_Var: ['chassis', 'variables'],
  SB_Global: ['nb_cfg', 'options', 'external_ids'],
};

const str = (d: Datum | undefined): string =>
  typeof d === 'string' ? d : Array.isArray(d) ? String(d[0] ?? '') : '';
const num = (d: Datum | undefined): number =>
  typeof d === 'number' ? d : Array.isArray(d) ? Number(d[0] ?? 0) : 0;
const strs = (d: Datum | undefined): string[] =>
  Array.isArray(d) ? d.map(String) : typeof d === 'string' ? [d] : [];
/** An optional reference or value (a set of at most one). */
function opt<T extends Atom>(d: Datum | undefined): T | null {
  if (Array.isArray(d)) return (d[0] as T | undefined) ?? null;
  if (d === undefined || d instanceof Map) return null;
  return d as T;
}
function smap(d: Datum | undefined): ReadonlyMap<string, string> {
  if (!(d instanceof Map)) return EMPTY;
  if (d.size === 0) return EMPTY;
  const out = new Map<string, string>();
  for (const [k, v] of d) out.set(String(k), String(v));
  return out;
}
const EMPTY: ReadonlyMap<string, string> = new Map();

type Reader<K extends SbTableName> = (uuid: string, r: Row) => SbTables[K];

const READERS: { readonly [K in SbTableName]: Reader<K> } = {
  Logical_Flow: (uuid, r) => ({
    uuid,
    logicalDatapath: opt<string>(r.logical_datapath),
    logicalDpGroup: opt<string>(r.logical_dp_group),
    pipeline: str(r.pipeline) === 'egress' ? 'egress' : 'ingress',
    tableId: num(r.table_id),
    priority: num(r.priority),
    match: str(r.match),
    actions: str(r.actions),
    externalIds: smap(r.external_ids),
    tags: smap(r.tags),
  }),
  Logical_DP_Group: (uuid, r) => ({ uuid, datapaths: strs(r.datapaths) }),
  Datapath_Binding: (uuid, r) => ({
    uuid,
    tunnelKey: num(r.tunnel_key),
    externalIds: smap(r.external_ids),
    loadBalancers: strs(r.load_balancers),
  }),
  Port_Binding: (uuid, r) => ({
    uuid,
    logicalPort: str(r.logical_port),
    datapath: str(r.datapath),
    tunnelKey: num(r.tunnel_key),
    type: str(r.type),
    options: smap(r.options),
    mac: strs(r.mac),
    portSecurity: strs(r.port_security),
    parentPort: str(r.parent_port),
    tag: opt<number>(r.tag),
    chassis: opt<string>(r.chassis),
    up: opt<boolean>(r.up),
    natAddresses: strs(r.nat_addresses),
    externalIds: smap(r.external_ids),
  }),
  Multicast_Group: (uuid, r) => ({
    uuid,
    name: str(r.name),
    datapath: str(r.datapath),
    tunnelKey: num(r.tunnel_key),
    ports: strs(r.ports),
  }),
  MAC_Binding: (uuid, r) => ({
    uuid,
    logicalPort: str(r.logical_port),
    ip: str(r.ip),
    mac: str(r.mac),
    datapath: str(r.datapath),
  }),
  Static_MAC_Binding: (uuid, r) => ({
    uuid,
    logicalPort: str(r.logical_port),
    ip: str(r.ip),
    mac: str(r.mac),
    datapath: str(r.datapath),
    overrideDynamicMac: r.override_dynamic_mac === true,
  }),
  Address_Set: (uuid, r) => ({ uuid, name: str(r.name), addresses: strs(r.addresses) }),
  Port_Group: (uuid, r) => ({ uuid, name: str(r.name), ports: strs(r.ports) }),
  FDB: (uuid, r) => ({ uuid, mac: str(r.mac), dpKey: num(r.dp_key), portKey: num(r.port_key) }),
  Load_Balancer: (uuid, r) => ({
    uuid,
    name: str(r.name),
    vips: smap(r.vips),
    protocol: str(r.protocol),
    datapaths: strs(r.datapaths),
    options: smap(r.options),
    externalIds: smap(r.external_ids),
  }),
  Chassis: (uuid, r) => ({ uuid, name: str(r.name), hostname: str(r.hostname) }),
  Chassis_Template_Var: (uuid, r) => ({ uuid, chassis: str(r.chassis), variables: smap(r.variables) }),
  SB_Global: (uuid, r) => ({
    uuid,
    nbCfg: num(r.nb_cfg),
    options: smap(r.options),
    externalIds: smap(r.external_ids),
  }),
};

/** One SB row as its plain value. */
export function sbRow<K extends SbTableName>(table: K, uuid: string, row: Row): SbTables[K] {
  return (READERS[table] as Reader<K>)(uuid, row);
}

/** Whole tables (table name -> uuid -> row, e.g. DbCache.table) -> an SbDatabase. */
export function sbDatabaseFromRows(
  table: (name: string) => ReadonlyMap<string, Row>,
  schemaVersion: string,
): SbDatabase {
  const steps = sbDatabaseSteps(table, schemaVersion);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same in steps of `chunk` rows, for a caller that slices the work (an L-size SB is ~80k rows,
 * about half a second). The tables must not change between steps: pass a copy of live ones.
 */
export function* sbDatabaseSteps(
  table: (name: string) => ReadonlyMap<string, Row>,
  schemaVersion: string,
  chunk = 1024,
): Generator<void, SbDatabase> {
  const db: Record<string, unknown> = { schemaVersion };
  let n = 0;
  for (const name of SB_TABLE_NAMES) {
    const out = new Map<string, unknown>();
    for (const [uuid, row] of table(name)) {
      out.set(uuid, sbRow(name, uuid, row));
      if (++n % chunk === 0) yield;
    }
    db[name] = out;
  }
  return db as SbDatabase;
}
