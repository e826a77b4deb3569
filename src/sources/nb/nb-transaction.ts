// Turns a snapshot document into ONE OVSDB `transact` request for the OVN_Northbound database (schema
// 7.0.0): every row inserted with a named-uuid, every reference (ports, ACLs, port-group members, load
// balancers, gateway ports) resolved inside the same transaction. Used to build a snapshot in a real NB
// (test bed, conformance, benchmarks) in one round trip instead of thousands of ovn-nbctl calls.

import type { SnapshotDoc } from '../../ovn/topology/snapshot-schema.ts';

type Row = Record<string, unknown>;
type Op = Record<string, unknown>;
type Doc = SnapshotDoc;

/** Root tables whose rows `replace` deletes first (non-root rows go with them by garbage collection). */
const ROOT_TABLES = [
  'Logical_Switch',
  'Logical_Router',
  'Port_Group',
  'Address_Set',
  'Load_Balancer_Group',
  'Load_Balancer',
  // Router ports go with their router only at commit (garbage collection), after the reference check:
  // deleted here so that the HA_Chassis_Group they name can go in the same transaction.
  'Logical_Router_Port',
  'HA_Chassis_Group',
];

const set = (items: readonly unknown[]): unknown => ['set', items];
const map = (m: Readonly<Record<string, string>> | undefined): unknown => ['map', Object.entries(m ?? {})];
const ref = (name: string): unknown => ['named-uuid', name];
const optional = (v: unknown): unknown => (v === null || v === undefined ? set([]) : v);

class TxnBuilder {
  readonly ops: Op[] = [];
  private n = 0;
  readonly ports = new Map<string, string>();
  readonly routerPorts = new Map<string, string>();
  readonly lbs = new Map<string, string>();
  readonly lbGroups = new Map<string, string>();

  /** The `load_balancer_group` column of a switch or router, only when it names groups. */
  groupColumn(names: readonly string[] | undefined): Row {
    if (!names?.length) return {};
    return {
      load_balancer_group: set(names.map((g) => this.lookup(this.lbGroups, 'load balancer group', g))),
    };
  }

  insert(table: string, row: Row): string {
    const name = `r${++this.n}`;
    this.ops.push({ op: 'insert', table, row, 'uuid-name': name });
    return name;
  }

  lookup(index: Map<string, string>, what: string, key: string): unknown {
    const n = index.get(key);
    if (!n) throw new Error(`nb-transaction: unknown ${what} "${key}"`);
    return ref(n);
  }
}

type SnapAcl = NonNullable<NonNullable<Doc['switches']>[number]['acls']>[number];

/**
 * Columns of newer NB schemas, written only when the document sets them, so that a document without
 * them still loads into schema 7.0.0 (23.03): ACL `tier` (23.06+), policy `chain`/`jump_chain` (25.03+).
 */
type NewerAclColumns = { tier?: number };
type NewerPolicyColumns = { chain?: string; jump_chain?: string };

function insertAcl(b: TxnBuilder, a: SnapAcl): unknown {
  const { tier } = a as SnapAcl & NewerAclColumns;
  const row: Row = {
    ...(tier !== undefined ? { tier } : {}),
    name: optional(a.name),
    direction: a.direction,
    priority: a.priority,
    match: a.match,
    action: a.action,
    log: a.log ?? false,
    severity: optional(a.severity),
    label: a.label ?? 0,
    options: map(a.options),
    external_ids: map(a.external_ids),
  };
  return ref(b.insert('ACL', row));
}

function insertLoadBalancers(b: TxnBuilder, doc: Doc): void {
  for (const lb of doc.load_balancers ?? []) {
    const row: Row = {
      name: lb.name,
      vips: map(lb.vips),
      protocol: lb.protocol === undefined ? 'tcp' : optional(lb.protocol),
      options: map(lb.options),
      selection_fields: set(lb.selection_fields ?? []),
      external_ids: map(lb.external_ids),
    };
    b.lbs.set(lb.name, b.insert('Load_Balancer', row));
  }
  for (const g of doc.load_balancer_groups ?? []) {
    const lbs = (g.load_balancers ?? []).map((l) => b.lookup(b.lbs, 'load balancer', l));
    b.lbGroups.set(g.name, b.insert('Load_Balancer_Group', { name: g.name, load_balancer: set(lbs) }));
  }
}

function insertSwitches(b: TxnBuilder, doc: Doc): void {
  for (const s of doc.switches ?? []) {
    const ports = (s.ports ?? []).map((p) => {
      const row: Row = {
        name: p.name,
        type: p.type ?? '',
        addresses: set(p.addresses ?? []),
        port_security: set(p.port_security ?? []),
        options: map(p.options),
        enabled: optional(p.enabled),
        external_ids: map(p.external_ids),
      };
      // NB `tag` is 1..4095 and normally set by ovn-northd from tag_request; keep a real tag only.
      if (p.tag) row.tag = p.tag;
      const n = b.insert('Logical_Switch_Port', row);
      b.ports.set(p.name, n);
      return ref(n);
    });
    b.insert('Logical_Switch', {
      name: s.name,
      ports: set(ports),
      acls: set((s.acls ?? []).map((a) => insertAcl(b, a))),
      load_balancer: set((s.load_balancers ?? []).map((l) => b.lookup(b.lbs, 'load balancer', l))),
      ...b.groupColumn(s.load_balancer_groups),
      other_config: map(s.other_config),
      external_ids: map(s.external_ids),
    });
  }
}

type SnapRouter = NonNullable<Doc['routers']>[number];

type SnapHaGroup = NonNullable<NonNullable<SnapRouter['ports']>[number]['ha_chassis_group']>;

/** The `ha_chassis_group` column of a gateway port and the HA_Chassis rows of its group. */
function haChassisGroup(b: TxnBuilder, g: SnapHaGroup | undefined): Row {
  if (!g) return {};
  const chassis = g.ha_chassis.map((c) => ref(b.insert('HA_Chassis', { ...c })));
  return { ha_chassis_group: ref(b.insert('HA_Chassis_Group', { name: g.name, ha_chassis: set(chassis) })) };
}

function insertRouterPorts(b: TxnBuilder, r: SnapRouter): unknown[] {
  return (r.ports ?? []).map((p) => {
    const chassis = (p.gateway_chassis ?? []).map((c, i) =>
      ref(b.insert('Gateway_Chassis', { name: `${p.name}-${c}`, chassis_name: c, priority: 100 - i })),
    );
    const n = b.insert('Logical_Router_Port', {
      name: p.name,
      mac: p.mac,
      networks: set(p.networks),
      peer: optional(p.peer),
      enabled: optional(p.enabled),
      gateway_chassis: set(chassis),
      ...haChassisGroup(b, p.ha_chassis_group),
      options: map(p.options),
      external_ids: map(p.external_ids),
    });
    b.routerPorts.set(p.name, n);
    return ref(n);
  });
}

function insertRouterRows(b: TxnBuilder, r: SnapRouter): Row {
  const routes = (r.static_routes ?? []).map((sr) =>
    ref(
      b.insert('Logical_Router_Static_Route', {
        ip_prefix: sr.ip_prefix,
        nexthop: sr.nexthop,
        policy: optional(sr.policy),
        output_port: optional(sr.output_port),
        route_table: sr.route_table ?? '',
        options: map(sr.options),
        external_ids: map(sr.external_ids),
      }),
    ),
  );
  const policies = (r.policies ?? []).map((po) => {
    const { chain, jump_chain } = po as typeof po & NewerPolicyColumns;
    return ref(
      b.insert('Logical_Router_Policy', {
        ...(chain ? { chain } : {}),
        ...(jump_chain ? { jump_chain } : {}),
        priority: po.priority,
        match: po.match,
        action: po.action,
        nexthops: set(po.nexthops ?? (po.nexthop ? [po.nexthop] : [])),
        options: map(po.options),
        external_ids: map(po.external_ids),
      }),
    );
  });
  const nat = (r.nat ?? []).map((n) =>
    ref(
      b.insert('NAT', {
        type: n.type,
        external_ip: n.external_ip,
        external_mac: optional(n.external_mac),
        logical_ip: n.logical_ip,
        logical_port: optional(n.logical_port),
        external_port_range: n.external_port_range ?? '',
        gateway_port: n.gateway_port ? b.lookup(b.routerPorts, 'router port', n.gateway_port) : set([]),
        options: map(n.options),
        external_ids: map(n.external_ids),
      }),
    ),
  );
  return { static_routes: set(routes), policies: set(policies), nat: set(nat) };
}

function insertRouters(b: TxnBuilder, doc: Doc): void {
  for (const r of doc.routers ?? []) {
    const ports = insertRouterPorts(b, r);
    b.insert('Logical_Router', {
      name: r.name,
      ports: set(ports),
      ...insertRouterRows(b, r),
      load_balancer: set((r.load_balancers ?? []).map((l) => b.lookup(b.lbs, 'load balancer', l))),
      ...b.groupColumn(r.load_balancer_groups),
      enabled: optional(r.enabled),
      options: map(r.options),
      external_ids: map(r.external_ids),
    });
  }
}

function insertGroupsAndSets(b: TxnBuilder, doc: Doc): void {
  for (const a of doc.address_sets ?? []) {
    b.insert('Address_Set', {
      name: a.name,
      addresses: set(a.addresses ?? []),
      external_ids: map(a.external_ids),
    });
  }
  for (const g of doc.port_groups ?? []) {
    b.insert('Port_Group', {
      name: g.name,
      ports: set((g.ports ?? []).map((p) => b.lookup(b.ports, 'port', p))),
      acls: set((g.acls ?? []).map((a) => insertAcl(b, a))),
      external_ids: map(g.external_ids),
    });
  }
}

export interface NbTransactionOptions {
  /** Delete every switch, router, port group, address set and load balancer first. */
  readonly replace?: boolean;
}

/** The `params` of one OVSDB `transact` call that creates the whole snapshot in OVN_Northbound. */
export function nbTransaction(doc: SnapshotDoc, opts: NbTransactionOptions = {}): unknown[] {
  const b = new TxnBuilder();
  if (opts.replace) for (const table of ROOT_TABLES) b.ops.push({ op: 'delete', table, where: [] });
  // NB_Global options are merged key by key: ovn-northd keeps its own keys (mac_prefix, …) there.
  const options = doc.nb_global?.options ?? {};
  if (opts.replace) {
    b.ops.push({
      op: 'mutate',
      table: 'NB_Global',
      where: [],
      mutations: [['options', 'delete', set(['default_acl_drop'])]],
    });
  }
  if (Object.keys(options).length > 0) {
    b.ops.push({
      op: 'mutate',
      table: 'NB_Global',
      where: [],
      mutations: [['options', 'delete', set(Object.keys(options))]],
    });
    b.ops.push({
      op: 'mutate',
      table: 'NB_Global',
      where: [],
      mutations: [['options', 'insert', map(options)]],
    });
  }
  insertLoadBalancers(b, doc);
  insertSwitches(b, doc);
  insertRouters(b, doc);
  insertGroupsAndSets(b, doc);
  return ['OVN_Northbound', ...b.ops];
}
