// Live Northbound rows -> the snapshot document -> buildTopology, so a live NB and a snapshot file build
// alike (and `snapshot` writes exactly this document). References by UUID become names; rows the model
// cannot take (a duplicate name, a bad address, an ACL action newer than NB 7.0.0) are left out with a
// warning instead of failing the whole topology: one bad row in production must not freeze the view.
// Every change goes the same way, but entries of unchanged rows are reused (see NbMemo, owned by the
// source), which with its BuildMemo keeps unchanged model objects identical from one topology to the next.

import {
  BuildMemo,
  buildAddressSets,
  buildSteps,
  type DocPath,
  runSteps,
  TopologyBuildError,
} from '../../ovn/topology/build.ts';
import type {
  SnapshotAcl,
  SnapshotDoc,
  SnapshotRouter,
  SnapshotSwitch,
} from '../../ovn/topology/snapshot-schema.ts';
import { ACL_ACTIONS, type AclAction, type OvnInfo, type Topology } from '../../ovn/topology/types.ts';
import type { Atom, Datum, Row } from '../../ovsdb/datum.ts';

/** The NB tables and columns the topology is made of (columns an older schema lacks are skipped). */
export const NB_TABLES: Readonly<Record<string, readonly string[]>> = {
  NB_Global: ['options'],
  Logical_Switch: [
    'name',
    'ports',
    'acls',
    'load_balancer',
    'load_balancer_group',
    'other_config',
    'external_ids',
  ],
  Logical_Switch_Port: [
    'name',
    'type',
    'addresses',
    'dynamic_addresses',
    'port_security',
    'options',
    'up',
    'enabled',
    'tag',
    'external_ids',
  ],
  ACL: [
    'name',
    'direction',
    'priority',
    'match',
    'action',
    'log',
    'severity',
    'label',
    'tier',
    'options',
    'external_ids',
  ],
  Port_Group: ['name', 'ports', 'acls', 'external_ids'],
  Address_Set: ['name', 'addresses', 'external_ids'],
  Load_Balancer: ['name', 'vips', 'protocol', 'selection_fields', 'options', 'external_ids'],
  Load_Balancer_Group: ['name', 'load_balancer'],
  Logical_Router: [
    'name',
    'ports',
    'static_routes',
    'policies',
    'nat',
    'load_balancer',
    'load_balancer_group',
    'enabled',
    'options',
    'external_ids',
  ],
  Logical_Router_Port: [
    'name',
    'mac',
    'networks',
    'peer',
    'enabled',
    'gateway_chassis',
    'ha_chassis_group',
    'options',
    'external_ids',
  ],
  Logical_Router_Static_Route: [
    'ip_prefix',
    'nexthop',
    'policy',
    'output_port',
    'route_table',
    'options',
    'external_ids',
  ],
  Logical_Router_Policy: [
    'priority',
    'match',
    'action',
    'nexthop',
    'nexthops',
    'chain',
    'jump_chain',
    'options',
    'external_ids',
  ],
  NAT: [
    'type',
    'external_ip',
    'external_mac',
    'logical_ip',
    'logical_port',
    'external_port_range',
    'gateway_port',
    'options',
    'external_ids',
  ],
  Gateway_Chassis: ['chassis_name', 'priority'],
  HA_Chassis_Group: ['ha_chassis'],
  HA_Chassis: ['chassis_name', 'priority'],
};

/** Read access to the monitored NB tables (uuid -> row). */
export type NbTables = (table: string) => ReadonlyMap<string, Row>;

// Column readers: a missing column (older schema) reads as its empty value.
const str = (r: Row, c: string): string => (typeof r[c] === 'string' ? (r[c] as string) : '');
const set = (r: Row, c: string): Atom[] => (Array.isArray(r[c]) ? [...(r[c] as Atom[])] : []);
const strs = (r: Row, c: string): string[] => set(r, c).map(String);
const opt = (r: Row, c: string): Atom | undefined => set(r, c)[0];
function map(r: Row, c: string): Record<string, string> {
  const m = r[c] as Datum | undefined;
  return m instanceof Map ? Object.fromEntries([...m].map(([k, v]) => [String(k), String(v)])) : {};
}
const optStr = (r: Row, c: string) => (opt(r, c) === undefined ? null : String(opt(r, c)));
/** A string column, or an optional (0..1) one: its value or null. */
const strOrOpt = (r: Row, c: string) => (typeof r[c] === 'string' ? (r[c] as string) : optStr(r, c));
const optBool = (r: Row, c: string) => (opt(r, c) === undefined ? null : opt(r, c) === true);

/** Optional parts of a doc entry: present only when non-empty, so the snapshot stays readable. */
function extras(r: Row, cols: Record<string, string>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [col, key] of Object.entries(cols)) {
    const m = map(r, col);
    if (Object.keys(m).length > 0) out[key] = m;
  }
  return out;
}
const common = (r: Row) => extras(r, { options: 'options', external_ids: 'external_ids' });

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// Doc entries of unchanged rows are reused between rebuilds: the cache replaces a row object whenever
// the row changes, so the row object is the key. An entry that also reads other rows or names (a switch
// embeds its ports and ACLs, a NAT names its gateway port) records what it read, and is reused only while
// every one of those lookups still gives the same object. Entries are never mutated (pruning copies).
type PortEntry = NonNullable<SnapshotSwitch['ports']>[number];
/**
 * The lookups an entry was made from, flat: (kind, key, value) triples, kind being a table or a '#' name
 * map. Flat and checked in a plain loop, as this runs for every row on every change.
 */
type Deps = unknown[];
interface Memo<T> {
  readonly deps: Readonly<Deps>;
  readonly value: T;
  readonly warnings: readonly string[];
}
type MemoMap<T> = WeakMap<Row, Memo<T>>;
type RouterPortEntry = NonNullable<SnapshotRouter['ports']>[number];
type RouteEntry = NonNullable<SnapshotRouter['static_routes']>[number];
type PolicyEntry = NonNullable<SnapshotRouter['policies']>[number];
type NatEntry = NonNullable<SnapshotRouter['nat']>[number];
type AddressSetEntry = NonNullable<SnapshotDoc['address_sets']>[number];
type PortGroupEntry = NonNullable<SnapshotDoc['port_groups']>[number];
type LoadBalancerEntry = NonNullable<SnapshotDoc['load_balancers']>[number];

/**
 * What a source made from its NB rows before: snapshot entries by row object, and the model objects made
 * from those entries (BuildMemo). Owned by one source (a LiveTopology), so a reference built without it
 * (a fresh NbMemo) is a true full rebuild that a wrongly reused entry cannot also reach.
 */
export class NbMemo {
  readonly port: MemoMap<PortEntry> = new WeakMap();
  readonly acl: MemoMap<SnapshotAcl> = new WeakMap();
  readonly switch: MemoMap<SnapshotSwitch> = new WeakMap();
  readonly router: MemoMap<SnapshotRouter> = new WeakMap();
  readonly routerPort: MemoMap<RouterPortEntry> = new WeakMap();
  readonly route: MemoMap<RouteEntry> = new WeakMap();
  readonly policy: MemoMap<PolicyEntry> = new WeakMap();
  readonly nat: MemoMap<NatEntry> = new WeakMap();
  readonly addressSet: MemoMap<AddressSetEntry> = new WeakMap();
  readonly portGroup: MemoMap<PortGroupEntry> = new WeakMap();
  readonly loadBalancer: MemoMap<LoadBalancerEntry> = new WeakMap();
  readonly global: MemoMap<NonNullable<SnapshotDoc['nb_global']>> = new WeakMap();
  readonly build = new BuildMemo();
}

class DocMaker {
  readonly warnings: string[] = [];
  readonly lbNames: Map<string, string>;
  readonly switchNames: Map<string, string>;
  readonly routerNames: Map<string, string>;
  /** The lookups of the entry being made (null outside memoized()). */
  private deps: Deps | null = null;
  /** kind -> where to look it up (tables are fetched once per rebuild). */
  private readonly sources = new Map<string, ReadonlyMap<string, unknown>>();
  private readonly lsps: ReadonlyMap<string, Row>;

  constructor(
    readonly t: NbTables,
    readonly memos: NbMemo,
  ) {
    this.lbNames = this.names('Load_Balancer', 'load balancer');
    this.switchNames = this.names('Logical_Switch', 'switch');
    this.routerNames = this.names('Logical_Router', 'router');
    this.lsps = t('Logical_Switch_Port');
    this.sources.set('#lb', this.lbNames).set('#ls', this.switchNames).set('#lr', this.routerNames);
  }

  /**
   * Names of rows whose `name` the NB does not index (switches, routers, load balancers): the snapshot
   * refers to them by name, so an empty or shared name becomes the row's UUID (with a warning).
   */
  private names(table: string, what: string): Map<string, string> {
    const counts = new Map<string, number>();
    for (const r of this.t(table).values()) counts.set(str(r, 'name'), (counts.get(str(r, 'name')) ?? 0) + 1);
    const out = new Map<string, string>();
    for (const [u, r] of this.t(table)) {
      const n = str(r, 'name');
      if (n && counts.get(n) === 1) out.set(u, n);
      else {
        out.set(u, u);
        if (n)
          this.warnings.push(
            `${what} name "${n}" is used ${counts.get(n)} times: ${what} ${u} goes by its UUID`,
          );
      }
    }
    return out;
  }

  private resolve(kind: string, key: string): unknown {
    // A port's name is read from its row: no 10k-entry name map to build per rebuild.
    if (kind === '#lsp') {
      const r = this.lsps.get(key);
      return r ? str(r, 'name') : undefined;
    }
    let m = this.sources.get(kind);
    if (!m) this.sources.set(kind, (m = this.t(kind)));
    return m.get(key);
  }

  /** A row of a table, or a name ('#lb', '#ls', '#lr', '#lsp'), recorded as a dependency. */
  look<T>(kind: string, key: string): T | undefined {
    const v = this.resolve(kind, key);
    this.deps?.push(kind, key, v);
    return v as T | undefined;
  }

  private unchanged(deps: Readonly<Deps>): boolean {
    for (let i = 0; i < deps.length; i += 3)
      if (this.resolve(deps[i] as string, deps[i + 1] as string) !== deps[i + 2]) return false;
    return true;
  }

  /** The entry made from `row`, reused from an earlier rebuild when none of its lookups changed. */
  memoized<T>(cache: MemoMap<T>, row: Row, make: () => T): T {
    const hit = this.reuse(cache, row);
    if (hit) return hit.value;
    const outer = this.deps;
    const from = this.warnings.length;
    const deps: Deps = [];
    this.deps = deps;
    let value: T;
    try {
      value = make();
    } finally {
      this.deps = outer;
    }
    this.remember(cache, row, { deps, value, warnings: this.warnings.slice(from) }, outer);
    return value;
  }

  /**
   * memoized() for an entry made in steps (a port group with 10k ACLs): nothing else may use this maker
   * between the steps, as the entry's lookups are being recorded.
   */
  *memoizedSteps<T>(cache: MemoMap<T>, row: Row, make: () => Generator<void, T>): Generator<void, T> {
    const hit = this.reuse(cache, row);
    if (hit) return hit.value;
    const outer = this.deps;
    const from = this.warnings.length;
    const deps: Deps = [];
    this.deps = deps;
    let value: T;
    try {
      value = yield* make();
    } finally {
      this.deps = outer;
    }
    this.remember(cache, row, { deps, value, warnings: this.warnings.slice(from) }, outer);
    return value;
  }

  /** The memo's entry for `row` when none of its lookups changed (its lookups and warnings replayed). */
  private reuse<T>(cache: MemoMap<T>, row: Row): { value: T } | null {
    const hit = cache.get(row);
    if (!hit || !this.unchanged(hit.deps)) return null;
    if (this.deps) for (const d of hit.deps) this.deps.push(d);
    for (const w of hit.warnings) this.warnings.push(w);
    return hit;
  }

  private remember<T>(
    cache: MemoMap<T>,
    row: Row,
    made: { deps: Deps; value: T; warnings: string[] },
    outer: Deps | null,
  ): void {
    cache.set(row, made);
    if (outer) for (const d of made.deps) outer.push(d);
  }

  rows(table: string, uuids: readonly Atom[]): [string, Row][] {
    const out: [string, Row][] = [];
    for (const u of uuids) {
      const r = this.look<Row>(table, String(u));
      if (r) out.push([String(u), r]);
    }
    return out;
  }

  acls(uuids: readonly Atom[], owner: string): SnapshotAcl[] {
    return runSteps(this.aclSteps(uuids, owner));
  }

  /** acls() yielding every ACLS_PER_STEP ACLs (a port group can hold tens of thousands). */
  *aclSteps(uuids: readonly Atom[], owner: string): Generator<void, SnapshotAcl[]> {
    const out: SnapshotAcl[] = [];
    for (const [uuid, r] of this.rows('ACL', uuids)) {
      const action = str(r, 'action');
      if (!ACL_ACTIONS.includes(action as AclAction)) {
        this.warnings.push(
          `${owner}: ACL ${uuid} has action "${action}", which this model does not know (ignored)`,
        );
        continue;
      }
      out.push(this.memoized(this.memos.acl, r, () => this.acl(uuid, r, action as AclAction)));
      if (out.length % ACLS_PER_STEP === 0) yield;
    }
    return yield* sortInSteps(out, byPriorityThenUuid);
  }

  acl(uuid: string, r: Row, action: AclAction): SnapshotAcl {
    const label = opt(r, 'label') ?? r.label;
    return {
      uuid,
      ...(optStr(r, 'name') !== null ? { name: optStr(r, 'name') } : {}),
      direction: str(r, 'direction') as SnapshotAcl['direction'],
      priority: Number(r.priority ?? 0),
      match: str(r, 'match'),
      action,
      ...(r.log === true ? { log: true } : {}),
      ...(optStr(r, 'severity') !== null
        ? { severity: optStr(r, 'severity') as SnapshotAcl['severity'] }
        : {}),
      ...(typeof label === 'number' && label !== 0 ? { label } : {}),
      ...(typeof r.tier === 'number' && r.tier !== 0 ? { tier: r.tier } : {}),
      ...common(r),
    };
  }

  lbRefs(r: Row): string[] {
    const uuids = new Set(strs(r, 'load_balancer'));
    for (const [, g] of this.rows('Load_Balancer_Group', set(r, 'load_balancer_group')))
      for (const u of strs(g, 'load_balancer')) uuids.add(u);
    return [...uuids]
      .map((u) => this.look<string>('#lb', u))
      .filter((n): n is string => n !== undefined)
      .sort();
  }

  switchPort(uuid: string, r: Row): PortEntry {
    const tag = opt(r, 'tag');
    return {
      uuid,
      name: str(r, 'name'),
      ...(str(r, 'type') ? { type: str(r, 'type') } : {}),
      ...(strs(r, 'addresses').length ? { addresses: strs(r, 'addresses').sort() } : {}),
      ...(optStr(r, 'dynamic_addresses') !== null
        ? { dynamic_addresses: optStr(r, 'dynamic_addresses') }
        : {}),
      ...(strs(r, 'port_security').length ? { port_security: strs(r, 'port_security').sort() } : {}),
      ...(optBool(r, 'up') !== null ? { up: optBool(r, 'up') } : {}),
      ...(optBool(r, 'enabled') !== null ? { enabled: optBool(r, 'enabled') } : {}),
      ...(tag !== undefined ? { tag: Number(tag) } : {}),
      ...common(r),
    };
  }

  switch(uuid: string, r: Row): SnapshotSwitch {
    const name = this.look<string>('#ls', uuid) ?? uuid;
    const ports = this.rows('Logical_Switch_Port', set(r, 'ports')).map(([u, p]) =>
      this.memoized(this.memos.port, p, () => this.switchPort(u, p)),
    );
    const acls = this.acls(set(r, 'acls'), `switch ${name}`);
    const lbs = this.lbRefs(r);
    return {
      uuid,
      name,
      ...(ports.length ? { ports: ports.sort(byName) } : {}),
      ...(acls.length ? { acls } : {}),
      ...(lbs.length ? { load_balancers: lbs } : {}),
      ...extras(r, { other_config: 'other_config', external_ids: 'external_ids' }),
    };
  }
}

function chassisNames(m: DocMaker, lrp: Row): string[] {
  const byPriority = (rows: [string, Row][]) =>
    rows
      .sort(([, a], [, b]) => Number(b.priority ?? 0) - Number(a.priority ?? 0))
      .map(([, c]) => str(c, 'chassis_name'));
  const names = byPriority(m.rows('Gateway_Chassis', set(lrp, 'gateway_chassis')));
  for (const [, g] of m.rows('HA_Chassis_Group', set(lrp, 'ha_chassis_group')))
    names.push(...byPriority(m.rows('HA_Chassis', set(g, 'ha_chassis'))));
  return names;
}

function routerPort(m: DocMaker, uuid: string, p: Row): RouterPortEntry {
  const gw = chassisNames(m, p);
  return {
    uuid,
    name: str(p, 'name'),
    mac: str(p, 'mac'),
    networks: strs(p, 'networks').sort(),
    ...(optStr(p, 'peer') !== null ? { peer: optStr(p, 'peer') } : {}),
    ...(optBool(p, 'enabled') !== null ? { enabled: optBool(p, 'enabled') } : {}),
    ...(gw.length ? { gateway_chassis: gw } : {}),
    ...common(p),
  };
}

function routerPorts(m: DocMaker, r: Row): RouterPortEntry[] {
  return m
    .rows('Logical_Router_Port', set(r, 'ports'))
    .map(([uuid, p]) => m.memoized(m.memos.routerPort, p, () => routerPort(m, uuid, p)))
    .sort(byName);
}

function routerParts(m: DocMaker, r: Row): Pick<SnapshotRouter, 'static_routes' | 'policies' | 'nat'> {
  const routes = m
    .rows('Logical_Router_Static_Route', set(r, 'static_routes'))
    .map(([uuid, s]) => m.memoized(m.memos.route, s, () => route(uuid, s)));
  const policies = m
    .rows('Logical_Router_Policy', set(r, 'policies'))
    .map(([uuid, p]) => m.memoized(m.memos.policy, p, () => policy(uuid, p)));
  const nat = m
    .rows('NAT', set(r, 'nat'))
    .map(([uuid, n]) => m.memoized(m.memos.nat, n, () => natEntry(m, uuid, n)));
  const byUuid = (a: { uuid?: string }, b: { uuid?: string }) => (a.uuid! < b.uuid! ? -1 : 1);
  return {
    ...(routes.length ? { static_routes: routes.sort(byUuid) } : {}),
    ...(policies.length
      ? { policies: policies.sort((a, b) => b.priority - a.priority || byUuid(a, b)) }
      : {}),
    ...(nat.length ? { nat: nat.sort(byUuid) } : {}),
  };
}

function route(uuid: string, s: Row): RouteEntry {
  return {
    uuid,
    ip_prefix: str(s, 'ip_prefix'),
    nexthop: str(s, 'nexthop'),
    ...(optStr(s, 'policy') !== null ? { policy: optStr(s, 'policy') as 'dst-ip' | 'src-ip' } : {}),
    ...(optStr(s, 'output_port') !== null ? { output_port: optStr(s, 'output_port') } : {}),
    ...(str(s, 'route_table') ? { route_table: str(s, 'route_table') } : {}),
    ...common(s),
  };
}

function policy(uuid: string, p: Row): PolicyEntry {
  const nexthops = [...strs(p, 'nexthops'), ...strs(p, 'nexthop')];
  return {
    uuid,
    priority: Number(p.priority ?? 0),
    match: str(p, 'match'),
    action: str(p, 'action') as PolicyEntry['action'],
    ...(nexthops.length ? { nexthops } : {}),
    ...(strOrOpt(p, 'chain') ? { chain: strOrOpt(p, 'chain')! } : {}),
    ...(strOrOpt(p, 'jump_chain') ? { jump_chain: strOrOpt(p, 'jump_chain')! } : {}),
    ...common(p),
  };
}

function natEntry(m: DocMaker, uuid: string, n: Row): NatEntry {
  const gw = opt(n, 'gateway_port');
  const gwRow = gw === undefined ? undefined : m.look<Row>('Logical_Router_Port', String(gw));
  const gwName = gw === undefined ? null : str(gwRow ?? {}, 'name');
  return {
    uuid,
    type: str(n, 'type') as 'snat' | 'dnat' | 'dnat_and_snat',
    external_ip: str(n, 'external_ip'),
    ...(optStr(n, 'external_mac') !== null ? { external_mac: optStr(n, 'external_mac') } : {}),
    logical_ip: str(n, 'logical_ip'),
    ...(optStr(n, 'logical_port') !== null ? { logical_port: optStr(n, 'logical_port') } : {}),
    ...(str(n, 'external_port_range') ? { external_port_range: str(n, 'external_port_range') } : {}),
    ...(gwName ? { gateway_port: gwName } : {}),
    ...common(n),
  };
}

function router(m: DocMaker, uuid: string, r: Row): SnapshotRouter {
  const ports = routerPorts(m, r);
  const lbs = m.lbRefs(r);
  return {
    uuid,
    name: m.look<string>('#lr', uuid) ?? uuid,
    ...(ports.length ? { ports } : {}),
    ...routerParts(m, r),
    ...(lbs.length ? { load_balancers: lbs } : {}),
    ...(optBool(r, 'enabled') !== null ? { enabled: optBool(r, 'enabled') } : {}),
    ...common(r),
  };
}

function portGroupEntry(m: DocMaker, uuid: string, r: Row): Generator<void, PortGroupEntry> {
  return m.memoizedSteps(m.memos.portGroup, r, function* () {
    const acls = yield* m.aclSteps(set(r, 'acls'), `port group ${str(r, 'name')}`);
    const ports = strs(r, 'ports')
      .map((u) => m.look<string>('#lsp', u))
      .filter((n): n is string => n !== undefined);
    return {
      uuid,
      name: str(r, 'name'),
      ports: ports.sort(),
      ...(acls.length ? { acls } : {}),
      ...extras(r, { external_ids: 'external_ids' }),
    };
  });
}

function byPriorityThenUuid(a: SnapshotAcl, b: SnapshotAcl): number {
  return b.priority - a.priority || (a.uuid! < b.uuid! ? -1 : 1);
}

/**
 * `items` sorted by `cmp` (stable, like Array.prototype.sort), yielding every few thousand moves: a
 * bottom-up merge sort, as sorting 20k ACLs of one port group in one go holds the loop for tens of ms.
 */
export function* sortInSteps<T>(items: T[], cmp: (a: T, b: T) => number): Generator<void, T[]> {
  if (items.length <= ACLS_PER_STEP) return items.sort(cmp);
  let from = items;
  let to = new Array<T>(items.length);
  let moves = 0;
  for (let width = 1; width < from.length; width *= 2) {
    for (let lo = 0; lo < from.length; lo += 2 * width) {
      const mid = Math.min(lo + width, from.length);
      const hi = Math.min(lo + 2 * width, from.length);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++)
        to[k] = i < mid && (j >= hi || cmp(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
      moves += hi - lo;
      if (moves >= 16 * ACLS_PER_STEP) {
        moves = 0;
        yield;
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Address sets, port groups and load balancers, yielding after the sets and after each port group. */
function* sharedParts(
  m: DocMaker,
): Generator<void, Pick<SnapshotDoc, 'address_sets' | 'port_groups' | 'load_balancers'>> {
  const address_sets = addressSetEntries(m.t, m.memos);
  yield;
  const port_groups: PortGroupEntry[] = [];
  for (const [uuid, r] of m.t('Port_Group')) {
    port_groups.push(yield* portGroupEntry(m, uuid, r));
    yield;
  }
  const load_balancers = [...m.t('Load_Balancer')].map(([uuid, r]) =>
    m.memoized(m.memos.loadBalancer, r, () => {
      const protocol = optStr(r, 'protocol');
      const fields = strs(r, 'selection_fields');
      return {
        uuid,
        name: m.look<string>('#lb', uuid)!,
        ...(protocol !== null ? { protocol: protocol as 'tcp' | 'udp' | 'sctp' } : {}),
        vips: map(r, 'vips'),
        ...(fields.length ? { selection_fields: fields.sort() } : {}),
        ...common(r),
      };
    }),
  );
  return {
    address_sets, // addressSetEntries gives them sorted by name
    port_groups: port_groups.sort(byName),
    load_balancers: load_balancers.sort(byName),
  };
}

/** Address-set entries (they depend on their own row only), sorted by name. */
function addressSetEntries(tables: NbTables, memos: NbMemo): AddressSetEntry[] {
  const memo = memos.addressSet;
  const out: AddressSetEntry[] = [];
  for (const [uuid, r] of tables('Address_Set')) {
    let e = memo.get(r)?.value;
    if (!e) {
      e = {
        uuid,
        name: str(r, 'name'),
        addresses: strs(r, 'addresses').sort(),
        ...extras(r, { external_ids: 'external_ids' }),
      };
      memo.set(r, { deps: [], value: e, warnings: [] });
    }
    out.push(e);
  }
  return out.sort(byName);
}

const NO_OPTIONS: Row = {};
/**
 * The snapshot document of the NB rows, plus warnings about rows that could not be expressed. Entries
 * of rows that did not change (nor anything they embed) are the same objects as in the previous call
 * with the same memo; without one, every entry is made afresh.
 */
export function nbToSnapshot(
  tables: NbTables,
  memo: NbMemo = new NbMemo(),
): { doc: SnapshotDoc; warnings: string[] } {
  return runSteps(nbToSnapshotSteps(tables, memo));
}

/** How many new ACL rows are made between two yields of nbToSnapshotSteps. */
const ACLS_PER_STEP = 256;

/**
 * nbToSnapshot as steps (the live source gives the event loop turns between them): first the entries
 * of ACL rows the memo does not have yet, a few hundred per step (a transaction can add 10k ACLs to
 * one port group: one entry, too big for one step), then each kind of table. `tables` must not change
 * between steps (the live source passes a copy of its cache).
 */
export function* nbToSnapshotSteps(
  tables: NbTables,
  memo: NbMemo = new NbMemo(),
): Generator<void, { doc: SnapshotDoc; warnings: string[] }> {
  // Made with their own maker: its warnings are dropped here and replayed from the memo below.
  const warm = new DocMaker(tables, memo);
  let made = 0;
  for (const [uuid, r] of tables('ACL')) {
    const action = str(r, 'action');
    if (memo.acl.has(r) || !ACL_ACTIONS.includes(action as AclAction)) continue;
    warm.memoized(memo.acl, r, () => warm.acl(uuid, r, action as AclAction));
    if (++made % ACLS_PER_STEP === 0) yield;
  }
  const m = new DocMaker(tables, memo);
  const global = [...tables('NB_Global').values()][0] ?? NO_OPTIONS;
  const shared = yield* sharedParts(m);
  yield;
  const switches = [...tables('Logical_Switch')]
    .map(([u, r]) => m.memoized(m.memos.switch, r, () => m.switch(u, r)))
    .sort(byName);
  yield;
  const doc: SnapshotDoc = {
    version: 1,
    nb_global: m.memoized(m.memos.global, global, () => ({ options: map(global, 'options') })),
    ...shared,
    switches,
    routers: [...tables('Logical_Router')]
      .map(([u, r]) => m.memoized(m.memos.router, r, () => router(m, u, r)))
      .sort(byName),
  };
  return { doc, warnings: m.warnings };
}

const PRUNED = Symbol('pruned');
/** Fields that can be dropped alone; any other field's problem drops the row holding it. */
const DROPPABLE_FIELDS = new Set([
  'dynamic_addresses',
  'peer',
  'external_mac',
  'output_port',
  'gateway_port',
]);
const MAP_FIELDS = new Set(['vips', 'options', 'external_ids', 'other_config']);
type Node = Record<string | number, unknown>;

/**
 * A copy of the document without what the issue paths point at (an entry, a map key, or the row owning
 * a bad field). Only the objects on those paths are copied: every other entry stays the same object, so
 * one bad row does not cost the identity (and the build memo) of all the others.
 */
function pruned(doc: SnapshotDoc, paths: readonly DocPath[]): SnapshotDoc {
  const copies = new Set<unknown>();
  const own = (parent: Node, key: string | number): Node => {
    const v = parent[key] as Node;
    if (copies.has(v)) return v;
    const c = (Array.isArray(v) ? [...v] : { ...v }) as Node;
    copies.add(c);
    parent[key] = c;
    return c;
  };
  const root = { ...doc } as Node;
  copies.add(root);
  for (const path of paths) pruneAt(root, path, own);
  for (const c of copies) {
    if (!Array.isArray(c)) continue;
    const kept = c.filter((x) => x !== PRUNED);
    c.length = 0;
    c.push(...kept);
  }
  return root as SnapshotDoc;
}

function pruneAt(root: Node, path: DocPath, own: (parent: Node, key: string | number) => Node): void {
  let node = root;
  const parents: Node[] = [];
  for (const step of path.slice(0, -1)) {
    const next = node[step];
    if (next === undefined || next === PRUNED || typeof next !== 'object' || next === null) return;
    parents.push(node);
    node = own(node, step);
  }
  const last = path.at(-1)!;
  if (Array.isArray(node)) node[last as number] = PRUNED;
  else if (DROPPABLE_FIELDS.has(String(last)) || MAP_FIELDS.has(String(path.at(-2)))) delete node[last];
  else {
    const holder = parents.at(-1);
    if (Array.isArray(holder)) holder[path.at(-2) as number] = PRUNED;
  }
}

/**
 * Builds the topology of a snapshot document made from live rows. Problems drop the offending rows
 * (a few rounds, as dropping a port can orphan a reference to it) and come back as warnings. With a
 * build memo, entries built before give back the same model objects. `ovn`: see buildTopology.
 */
export function buildLenient(
  doc: SnapshotDoc,
  source: Topology['source'],
  memo?: BuildMemo,
  ovn?: OvnInfo,
): { topology: Topology; doc: SnapshotDoc; warnings: string[] } {
  return runSteps(buildLenientSteps(doc, source, memo, ovn));
}

/** buildLenient as steps (those of buildSteps). */
export function* buildLenientSteps(
  doc: SnapshotDoc,
  source: Topology['source'],
  memo?: BuildMemo,
  ovn?: OvnInfo,
): Generator<void, { topology: Topology; doc: SnapshotDoc; warnings: string[] }> {
  const warnings: string[] = [];
  for (let round = 0; ; round++) {
    try {
      return { topology: yield* buildSteps(doc, source, memo, ovn), doc, warnings };
    } catch (err) {
      if (!(err instanceof TopologyBuildError) || round === 5) throw err;
      for (const i of err.issues) warnings.push(`${i.path.join('.')}: ${i.message} (left out)`);
      doc = pruned(
        doc,
        err.issues.map((i) => i.path),
      );
    }
  }
}

/**
 * NB rows -> topology, with warnings for rows left out. With the source's memo, unchanged rows keep
 * their objects; without one it is a full rebuild. `ovn`: what the NB's schema says (else the default).
 */
export function topologyFromNb(
  tables: NbTables,
  source: Topology['source'],
  memo?: NbMemo,
  ovn?: OvnInfo,
): { topology: Topology; doc: SnapshotDoc; warnings: string[] } {
  const { doc, warnings } = nbToSnapshot(tables, memo);
  const built = buildLenient(doc, source, memo?.build, ovn);
  return { topology: built.topology, doc: built.doc, warnings: [...warnings, ...built.warnings] };
}

/**
 * Fast path for the most frequent NB change (pod IPs in and out of address sets): when only Address_Set
 * rows changed, the previous topology with a new address-set map equals a full rebuild, since no other
 * part or index of the topology depends on address sets. Made from the same memoized entries as a full
 * rebuild, so unchanged sets keep their objects either way.
 */
export function withAddressSets(
  prev: Topology,
  tables: NbTables,
  source: Topology['source'],
  memo: NbMemo,
): Topology {
  const addressSets = buildAddressSets(addressSetEntries(tables, memo), memo.build);
  return { ...prev, addressSets, source, builtAt: Date.now() };
}
