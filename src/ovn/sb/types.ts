// The Southbound rows a logical-flow interpreter reads, as plain immutable values: what ovn-northd wrote
// (logical flows, datapaths, port bindings, multicast groups, address sets, port groups, load balancers)
// and what the chassis learnt (MAC bindings, FDB). Loaders (src/sources/sb) fill an SbDatabase from a live
// SB or a saved database file; the lflow engine compiles it. UUIDs are plain strings; references between
// rows stay UUIDs, resolved by the compiler, so a changed row replaces only itself (SbChange).

import { type MapEdit, withEdits } from './delta-map.ts';

/** Logical_Flow: one flow of one pipeline table of a datapath (or of every datapath of a group). */
export interface LogicalFlow {
  readonly uuid: string;
  /** Datapath_Binding UUID, or null when the flow is shared through `logicalDpGroup`. */
  readonly logicalDatapath: string | null;
  /** Logical_DP_Group UUID (a flow northd shares between datapaths), or null. */
  readonly logicalDpGroup: string | null;
  readonly pipeline: 'ingress' | 'egress';
  readonly tableId: number;
  readonly priority: number;
  readonly match: string;
  readonly actions: string;
  /** `stage-name` (e.g. ls_in_acl), `stage-hint` (first 8 hex of the NB row), `source` (northd.c:LINE). */
  readonly externalIds: ReadonlyMap<string, string>;
  readonly tags: ReadonlyMap<string, string>;
}

export interface LogicalDpGroup {
  readonly uuid: string;
  /** Datapath_Binding UUIDs. */
  readonly datapaths: readonly string[];
}

export interface DatapathBinding {
  readonly uuid: string;
  readonly tunnelKey: number;
  /** `name`, `logical-switch` / `logical-router` (NB UUID), `interconn-ts`, … */
  readonly externalIds: ReadonlyMap<string, string>;
  /** Logical_DP_Group-free LB references (SB 20.21+: Load_Balancer rows name their datapaths instead). */
  readonly loadBalancers: readonly string[];
}

export interface PortBinding {
  readonly uuid: string;
  readonly logicalPort: string;
  /** Datapath_Binding UUID. */
  readonly datapath: string;
  readonly tunnelKey: number;
  /** '' (VIF), patch, l3gateway, localnet, localport, chassisredirect, router, vtep, virtual, external … */
  readonly type: string;
  readonly options: ReadonlyMap<string, string>;
  /** `MAC IP…` entries as the NB port's addresses (plus `unknown`, `router`). */
  readonly mac: readonly string[];
  /** `MAC [IP/plen…]` entries (empty: no port security). */
  readonly portSecurity: readonly string[];
  readonly parentPort: string;
  readonly tag: number | null;
  /** Chassis UUID the port is bound to, or null. */
  readonly chassis: string | null;
  readonly up: boolean | null;
  readonly natAddresses: readonly string[];
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface MulticastGroup {
  readonly uuid: string;
  readonly name: string;
  readonly datapath: string;
  readonly tunnelKey: number;
  /** Port_Binding UUIDs. */
  readonly ports: readonly string[];
}

/** A neighbour learnt by a chassis (MAC_Binding) or configured in the NB (Static_MAC_Binding). */
export interface MacBinding {
  readonly uuid: string;
  readonly logicalPort: string;
  readonly ip: string;
  readonly mac: string;
  /** Datapath_Binding UUID ('' for Static_MAC_Binding rows of schemas without the column). */
  readonly datapath: string;
}

export interface StaticMacBinding extends MacBinding {
  readonly overrideDynamicMac: boolean;
}

export interface AddressSet {
  readonly uuid: string;
  readonly name: string;
  readonly addresses: readonly string[];
}

/** SB port groups are per datapath: northd names them `<datapath tunnel key>_<NB name>`. */
export interface PortGroup {
  readonly uuid: string;
  readonly name: string;
  /** Logical port names. */
  readonly ports: readonly string[];
}

export interface Fdb {
  readonly uuid: string;
  readonly mac: string;
  readonly dpKey: number;
  readonly portKey: number;
}

export interface LoadBalancer {
  readonly uuid: string;
  readonly name: string;
  /** `VIP[:port]` -> `backend[:port],…` */
  readonly vips: ReadonlyMap<string, string>;
  readonly protocol: string;
  readonly datapaths: readonly string[];
  readonly options: ReadonlyMap<string, string>;
  readonly externalIds: ReadonlyMap<string, string>;
}

export interface Chassis {
  readonly uuid: string;
  readonly name: string;
  readonly hostname: string;
}

/** A chassis's values for template variables (`^name` in flows; ovn-controller substitutes per chassis). */
export interface ChassisTemplateVar {
  readonly uuid: string;
  /** The chassis name the values are for. */
  readonly chassis: string;
  readonly variables: ReadonlyMap<string, string>;
}

export interface SbGlobal {
  readonly uuid: string;
  /** northd's acknowledgement of NB_Global.nb_cfg (see DESIGN.md §5). */
  readonly nbCfg: number;
  readonly options: ReadonlyMap<string, string>;
  readonly externalIds: ReadonlyMap<string, string>;
}

/** Table name (as in the SB schema) -> its row type. */
export interface SbTables {
  Logical_Flow: LogicalFlow;
  Logical_DP_Group: LogicalDpGroup;
  Datapath_Binding: DatapathBinding;
  Port_Binding: PortBinding;
  Multicast_Group: MulticastGroup;
  MAC_Binding: MacBinding;
  Static_MAC_Binding: StaticMacBinding;
  Address_Set: AddressSet;
  Port_Group: PortGroup;
  FDB: Fdb;
  Load_Balancer: LoadBalancer;
  Chassis: Chassis;
  Chassis_Template_Var: ChassisTemplateVar;
  SB_Global: SbGlobal;
}

export type SbTableName = keyof SbTables;

export const SB_TABLE_NAMES: readonly SbTableName[] = [
  'Logical_Flow',
  'Logical_DP_Group',
  'Datapath_Binding',
  'Port_Binding',
  'Multicast_Group',
  'MAC_Binding',
  'Static_MAC_Binding',
  'Address_Set',
  'Port_Group',
  'FDB',
  'Load_Balancer',
  'Chassis',
  'Chassis_Template_Var',
  'SB_Global',
];

/**
 * A whole Southbound as the interpreter sees it: every table keyed by row UUID. Values are immutable:
 * an update builds new maps for the tables it touches (or is given to CompiledSb.apply as SbChanges).
 */
export type SbDatabase = {
  /** SB schema version (e.g. 20.27.0), '' when unknown. */
  readonly schemaVersion: string;
} & { readonly [K in SbTableName]: ReadonlyMap<string, SbTables[K]> };

/** One row change: insert (old null), delete (new null) or modify (both). */
export type SbChange = {
  [K in SbTableName]: {
    readonly table: K;
    readonly uuid: string;
    readonly old: SbTables[K] | null;
    readonly new: SbTables[K] | null;
  };
}[SbTableName];

/** An SbDatabase with no rows. */
export function emptySbDatabase(schemaVersion = ''): SbDatabase {
  const db: Record<string, unknown> = { schemaVersion };
  for (const t of SB_TABLE_NAMES) db[t] = new Map();
  return db as SbDatabase;
}

/**
 * A new SbDatabase with `changes` applied (tables untouched by them are shared with `db`). A big table's
 * new version shares the old one's rows and costs only the changed keys (DeltaMap), so an SB update
 * costs O(changed rows) while `db` stays as it was for whoever still reads it.
 */
export function applySbChanges(db: SbDatabase, changes: readonly SbChange[]): SbDatabase {
  const edits = new Map<SbTableName, MapEdit<string, object>[]>();
  for (const c of changes) {
    let list = edits.get(c.table);
    if (!list) edits.set(c.table, (list = []));
    list.push([c.uuid, c.new]);
  }
  const tables: Record<string, ReadonlyMap<string, object>> = {};
  for (const [table, list] of edits)
    tables[table] = withEdits(db[table] as ReadonlyMap<string, object>, list);
  return { ...db, ...tables } as SbDatabase;
}
