// The NB rows that differ between two topologies, by object identity (a live NB source keeps unchanged
// rows as the same objects): what the monitor names as the cause of a verdict that flipped after an NB
// change. ACLs, routes, NAT rules and policies are compared inside the switches, port groups and
// routers that changed; the others by name. Bounded: the first `limit` rows and how many there were.

import { formatCidr } from '../net/addr.ts';
import type { Acl, Topology } from './types.ts';

/** NB tables a changed row can come from (bounded: usable as a metric label). */
export type NbTable =
  | 'NB_Global'
  | 'Logical_Switch'
  | 'Logical_Switch_Port'
  | 'ACL'
  | 'Port_Group'
  | 'Address_Set'
  | 'Load_Balancer'
  | 'Logical_Router'
  | 'Logical_Router_Port'
  | 'Logical_Router_Static_Route'
  | 'NAT'
  | 'Logical_Router_Policy';

export interface ChangedRow {
  readonly table: NbTable;
  readonly change: 'added' | 'removed' | 'modified';
  /** The row's name, or for nameless rows what identifies it (a route's prefix, a NAT's addresses). */
  readonly name: string | null;
  readonly uuid: string;
  /** ACLs and router policies: their match. */
  readonly match?: string;
  /** ACLs: the switch or port group holding them; routes, NAT, policies: their router. */
  readonly owner?: string;
}

export interface ChangedRows {
  readonly rows: readonly ChangedRow[];
  /** Rows that changed in all (rows holds at most the limit). */
  readonly total: number;
}

interface Row {
  readonly uuid: string;
}

/** Row content as text (IPv6 addresses are bigints): equal text, same row. */
function text(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Same content though not the same object: a source that shares nothing with the previous topology (a
 * snapshot file reloaded) rebuilds every row, and only the ones whose content differs changed.
 */
function sameContent(a: unknown, b: unknown): boolean {
  return text(a) === text(b);
}

class Collector {
  readonly rows: ChangedRow[] = [];
  total = 0;
  constructor(private readonly limit: number) {}
  add(r: ChangedRow): void {
    this.total++;
    if (this.rows.length < this.limit) this.rows.push(r);
  }
}

/** Rows of two lists that differ by identity: added, removed, or modified (same uuid, new object). */
function diffList<T extends Row>(
  a: readonly T[],
  b: readonly T[],
  out: Collector,
  describe: (row: T, change: ChangedRow['change']) => ChangedRow,
): void {
  if (a === b) return;
  const before = new Set(a);
  const after = new Set(b);
  const oldByUuid = new Map(a.map((r) => [r.uuid, r]));
  const newUuids = new Set(b.map((r) => r.uuid));
  for (const r of b) {
    if (before.has(r)) continue;
    const old = oldByUuid.get(r.uuid);
    if (!old) out.add(describe(r, 'added'));
    else if (!sameContent(old, r)) out.add(describe(r, 'modified'));
  }
  for (const r of a) if (!after.has(r) && !newUuids.has(r.uuid)) out.add(describe(r, 'removed'));
}

function aclRow(acl: Acl, change: ChangedRow['change']): ChangedRow {
  return { table: 'ACL', change, name: acl.name, uuid: acl.uuid, match: acl.match, owner: acl.owner.name };
}

/** Named rows of one table: added, removed, or replaced; `inner` compares what a replaced one holds. */
function diffNamed<T extends Row & { name: string }>(
  a: ReadonlyMap<string, T>,
  b: ReadonlyMap<string, T>,
  table: NbTable,
  out: Collector,
  inner?: (x: T, y: T) => boolean,
): void {
  if (a === b) return;
  for (const [k, v] of b) {
    const old = a.get(k);
    if (old === v) continue;
    if (!old) out.add({ table, change: 'added', name: k, uuid: v.uuid });
    else if (!(inner ? inner(old, v) : sameContent(old, v)))
      out.add({ table, change: 'modified', name: k, uuid: v.uuid });
  }
  for (const [k, v] of a) if (!b.has(k)) out.add({ table, change: 'removed', name: k, uuid: v.uuid });
}

/**
 * The rows that changed from `prev` to `cur`. A switch, port group or router whose only difference is
 * in its ACLs (or routes, NAT, policies) is reported through those rows alone.
 */
export function changedRows(prev: Topology | null, cur: Topology, limit = 10): ChangedRows {
  const out = new Collector(limit);
  if (!prev) return { rows: [], total: 0 };
  if (prev.nbGlobal !== cur.nbGlobal && !sameContent(prev.nbGlobal, cur.nbGlobal))
    out.add({ table: 'NB_Global', change: 'modified', name: null, uuid: '' });
  const onlyAcls = <T extends { acls: readonly Acl[] }>(x: T, y: T) => {
    diffList(x.acls, y.acls, out, aclRow);
    return sameContent({ ...x, acls: 0 }, { ...y, acls: 0 });
  };
  diffNamed(prev.switches, cur.switches, 'Logical_Switch', out, onlyAcls);
  diffNamed(prev.portGroups, cur.portGroups, 'Port_Group', out, onlyAcls);
  diffNamed(prev.ports, cur.ports, 'Logical_Switch_Port', out);
  diffNamed(prev.addressSets, cur.addressSets, 'Address_Set', out);
  diffNamed(prev.loadBalancers, cur.loadBalancers, 'Load_Balancer', out);
  diffNamed(prev.routerPorts, cur.routerPorts, 'Logical_Router_Port', out);
  diffNamed(prev.routers, cur.routers, 'Logical_Router', out, (x, y) => {
    const owner = y.name;
    diffList(x.staticRoutes, y.staticRoutes, out, (r, change) => ({
      table: 'Logical_Router_Static_Route',
      change,
      name: `${r.routeTable ? `${r.routeTable}: ` : ''}${formatCidr(r.ipPrefix)} ${r.policy} via ${r.nexthop}`,
      uuid: r.uuid,
      owner,
    }));
    diffList(x.nat, y.nat, out, (n, change) => ({ table: 'NAT', change, name: n.type, uuid: n.uuid, owner }));
    diffList(x.policies, y.policies, out, (p, change) => ({
      table: 'Logical_Router_Policy',
      change,
      name: `${p.priority} ${p.action}`,
      uuid: p.uuid,
      match: p.match,
      owner,
    }));
    const strip = (r: typeof x) => ({ ...r, staticRoutes: 0, nat: 0, policies: 0 });
    return sameContent(strip(x), strip(y));
  });
  return { rows: out.rows, total: out.total };
}
