// Builds an immutable Topology from a syntactically valid snapshot document, checking meaning
// (addresses, references, duplicates) and building the lookup indexes. Problems come back as a list
// of issues with the document path they concern, so callers can point at the file line. A live source
// passes a BuildMemo: entries it built before give back the same objects, and the index is updated.

import { createHash } from 'node:crypto';
import { type Cidr, type IpAddr, normalizeMac, parseCidr, parseIp } from '../net/addr.ts';
import { flattenLbGroups } from './lb-groups.ts';
import { ovnInfoOfRelease } from './ovn-releases.ts';
import type { SnapshotAcl, SnapshotDoc, SnapshotSwitch } from './snapshot-schema.ts';
import { buildIndex, updateIndex } from './topology-index.ts';
import type {
  Acl,
  AddressSet,
  LbVip,
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  Nat,
  OvnInfo,
  PortAddress,
  PortGroup,
  PortSecurityEntry,
  RouterPolicy,
  RouterPort,
  StaticRoute,
  SwitchPort,
  Topology,
} from './types.ts';

export { portIps, portMacs } from './topology-index.ts';

export type DocPath = readonly (string | number)[];
export interface BuildIssue {
  readonly path: DocPath;
  readonly message: string;
}

export class TopologyBuildError extends Error {
  readonly issues: readonly BuildIssue[];
  constructor(issues: readonly BuildIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.name = 'TopologyBuildError';
    this.issues = issues;
  }
}

/** A stable UUID derived from a row's kind and key, for rows that a snapshot file gives no UUID. */
export function derivedUuid(kind: string, key: string): string {
  const h = createHash('sha1').update(`${kind}\0${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Parses one `addresses` entry: `MAC IP…`, `unknown`, `router`, `dynamic`, `MAC dynamic`. */
export function parsePortAddress(raw: string): PortAddress | string {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'empty address entry';
  const first = words[0]!;
  if (first === 'unknown' && words.length === 1) return { kind: 'unknown', raw };
  if (first === 'router' && words.length === 1) return { kind: 'router', raw };
  if (first === 'dynamic' || words.includes('dynamic')) return { kind: 'dynamic', raw };
  const mac = normalizeMac(first);
  if (!mac) return `bad MAC "${first}" in address "${raw}"`;
  const ips: IpAddr[] = [];
  for (const w of words.slice(1)) {
    const c = parseCidr(w);
    if (!c) return `bad IP "${w}" in address "${raw}"`;
    ips.push({ family: c.family, value: c.addr });
  }
  return { kind: 'static', mac, ips, raw };
}

/** Parses one `port_security` entry: `MAC [IP or CIDR]…`. */
export function parsePortSecurity(raw: string): PortSecurityEntry | string {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  const mac = words[0] ? normalizeMac(words[0]) : null;
  if (!mac) return `bad MAC "${words[0] ?? ''}" in port_security "${raw}"`;
  const nets: Cidr[] = [];
  for (const w of words.slice(1)) {
    const c = parseCidr(w);
    if (!c) return `bad IP/CIDR "${w}" in port_security "${raw}"`;
    nets.push(c);
  }
  return { mac, nets, raw };
}

/** Parses a load-balancer endpoint `IP`, `IP:PORT` or `[IPv6]:PORT`. */
export function parseEndpoint(text: string): { ip: IpAddr; port: number | null } | string {
  const t = text.trim();
  let ipText = t;
  let portText: string | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) {
    ipText = v6[1]!;
    portText = v6[2] ?? null;
  } else if (t.split(':').length === 2) {
    [ipText, portText] = t.split(':') as [string, string];
  }
  const ip = parseIp(ipText);
  if (!ip) return `bad IP "${ipText}" in "${text}"`;
  if (portText === null) return { ip, port: null };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return `bad port "${portText}" in "${text}"`;
  return { ip, port };
}

interface Built {
  readonly tag: string;
  readonly value: unknown;
  /** Issues met while building it, with paths relative to where the entry was. */
  readonly issues: readonly BuildIssue[];
}

/**
 * What earlier builds made from each document entry (by object identity), for a source that rebuilds
 * often from mostly the same entries (live NB): an entry seen before gives the same model object again,
 * so unchanged rows keep their identity across topologies. A tag carries what else the object was made
 * from (the owning switch's name, say). Entries must not be mutated once built.
 */
export class BuildMemo {
  private readonly built = new WeakMap<object, Built>();
  /** The topology built last with this memo: the next build updates its index instead of redoing it. */
  last: Topology | null = null;

  get(entry: object, tag: string): Built | undefined {
    const b = this.built.get(entry);
    return b?.tag === tag ? b : undefined;
  }

  set(entry: object, b: Built): void {
    this.built.set(entry, b);
  }
}

class Builder {
  readonly issues: BuildIssue[] = [];

  constructor(private readonly memo?: BuildMemo) {}

  issue(path: DocPath, message: string): void {
    this.issues.push({ path, message });
  }

  /** What an earlier build made of this entry (and tag) when that had no issues, else undefined. */
  clean<T>(entry: object, tag: string): T | undefined {
    const hit = this.memo?.get(entry, tag);
    return hit && hit.issues.length === 0 ? (hit.value as T) : undefined;
  }

  /** make(), or what it gave for this same entry (and tag) in an earlier build, issues replayed. */
  cached<T>(entry: object, tag: string, base: DocPath, make: () => T): T {
    if (!this.memo) return make();
    const hit = this.memo.get(entry, tag);
    if (hit) {
      for (const i of hit.issues) this.issue([...base, ...i.path], i.message);
      return hit.value as T;
    }
    const from = this.issues.length;
    const value = make();
    const depth = base.length;
    const issues = this.issues.slice(from).map((i) => ({ path: i.path.slice(depth), message: i.message }));
    this.memo.set(entry, { tag, value, issues });
    return value;
  }

  /** cached() for a value made in steps (a port group of 10k ACLs). */
  *cachedSteps<T>(
    entry: object,
    tag: string,
    base: DocPath,
    make: () => Generator<void, T>,
  ): Generator<void, T> {
    if (!this.memo) return yield* make();
    const hit = this.memo.get(entry, tag);
    if (hit) {
      for (const i of hit.issues) this.issue([...base, ...i.path], i.message);
      return hit.value as T;
    }
    const from = this.issues.length;
    const value = yield* make();
    const depth = base.length;
    const issues = this.issues.slice(from).map((i) => ({ path: i.path.slice(depth), message: i.message }));
    this.memo.set(entry, { tag, value, issues });
    return value;
  }

  uuid(given: string | undefined, kind: string, key: string): string {
    return (given ?? derivedUuid(kind, key)).toLowerCase();
  }

  unique<T extends { name: string }>(
    items: readonly T[] | undefined,
    path: DocPath,
    what: string,
    into: Set<string>,
  ): void {
    (items ?? []).forEach((it, i) => {
      if (into.has(it.name)) this.issue([...path, i, 'name'], `duplicate ${what} name "${it.name}"`);
      into.add(it.name);
    });
  }

  acl(a: SnapshotAcl, path: DocPath, owner: Acl['owner']): Acl {
    // Without a UUID the derived one depends on where the ACL sits.
    const tag = `${owner.kind}/${owner.name}${a.uuid ? '' : `@${path.join('.')}`}`;
    return this.cached(a, tag, path, () => this.makeAcl(a, path, owner));
  }

  private makeAcl(a: SnapshotAcl, path: DocPath, owner: Acl['owner']): Acl {
    return {
      uuid: this.uuid(a.uuid, 'acl', `${owner.kind}/${owner.name}/${path.join('.')}`),
      name: a.name ?? null,
      direction: a.direction,
      priority: a.priority,
      match: a.match,
      action: a.action,
      log: a.log ?? false,
      severity: a.severity ?? null,
      label: a.label ?? 0,
      tier: a.tier ?? 0,
      options: a.options ?? {},
      externalIds: a.external_ids ?? {},
      owner,
    };
  }
}

function parseList<T>(
  b: Builder,
  raws: readonly string[] | undefined,
  path: DocPath,
  fn: (s: string) => T | string,
): T[] {
  const out: T[] = [];
  (raws ?? []).forEach((r, i) => {
    const v = fn(r);
    if (typeof v === 'string') b.issue([...path, i], v);
    else out.push(v);
  });
  return out;
}

function buildSwitches(
  b: Builder,
  doc: SnapshotDoc,
  ports: Map<string, SwitchPort>,
): Map<string, LogicalSwitch> {
  const switches = new Map<string, LogicalSwitch>();
  (doc.switches ?? []).forEach((s, si) => {
    const base = ['switches', si];
    const sp = s.ports ?? [];
    // The hot loop of a live rebuild (every port, every change): no closure or path for a clean hit.
    for (let pi = 0; pi < sp.length; pi++) {
      const p = sp[pi]!;
      if (ports.has(p.name)) b.issue([...base, 'ports', pi, 'name'], `duplicate port name "${p.name}"`);
      const port =
        b.clean<SwitchPort>(p, s.name) ??
        b.cached(p, s.name, [...base, 'ports', pi], () =>
          buildSwitchPort(b, p, s.name, [...base, 'ports', pi]),
        );
      ports.set(p.name, port);
    }
    switches.set(
      s.name,
      b.cached(s, '', base, () => {
        const owner = { kind: 'switch' as const, name: s.name };
        return {
          uuid: b.uuid(s.uuid, 'ls', s.name),
          name: s.name,
          ports: (s.ports ?? []).map((p) => p.name),
          acls: (s.acls ?? []).map((a, ai) => b.acl(a, [...base, 'acls', ai], owner)),
          loadBalancers: s.load_balancers ?? [],
          otherConfig: s.other_config ?? {},
          externalIds: s.external_ids ?? {},
        };
      }),
    );
  });
  return switches;
}

type PortEntry = NonNullable<SnapshotSwitch['ports']>[number];
function buildSwitchPort(b: Builder, p: PortEntry, switchName: string, pp: DocPath): SwitchPort {
  const dyn = p.dynamic_addresses ? parsePortAddress(p.dynamic_addresses) : null;
  if (typeof dyn === 'string') b.issue([...pp, 'dynamic_addresses'], dyn);
  const port: SwitchPort = {
    uuid: b.uuid(p.uuid, 'lsp', p.name),
    name: p.name,
    switchName,
    type: p.type ?? '',
    addresses: parseList(b, p.addresses, [...pp, 'addresses'], parsePortAddress),
    dynamicAddresses: typeof dyn === 'string' ? null : dyn,
    portSecurity: parseList(b, p.port_security, [...pp, 'port_security'], parsePortSecurity),
    options: p.options ?? {},
    up: p.up ?? null,
    enabled: p.enabled ?? null,
    tag: p.tag ?? null,
    externalIds: p.external_ids ?? {},
  };
  if (port.type === 'router' && !port.options['router-port']) {
    b.issue([...pp, 'options'], `router-type port "${p.name}" needs options.router-port`);
  }
  return port;
}

type RouterEntry = NonNullable<SnapshotDoc['routers']>[number];

/** The built items of a router's list that are not null, each cached by its entry. */
function builtList<E extends { uuid?: string | undefined }, T>(
  b: Builder,
  r: RouterEntry,
  list: 'static_routes' | 'policies' | 'nat',
  kind: string,
  make: (e: E, p: DocPath, uuid: string) => T | null,
  base: DocPath,
): T[] {
  const out: T[] = [];
  ((r[list] ?? []) as unknown as readonly E[]).forEach((e, i) => {
    const p = [...base, list, i];
    // Without a UUID the derived one depends on the router and the position.
    const key = `${r.name}/${i}`;
    const v = b.cached(e, e.uuid ? '' : key, p, () => make(e, p, b.uuid(e.uuid, kind, key)));
    if (v !== null) out.push(v);
  });
  return out;
}

function buildRoute(
  b: Builder,
  sr: NonNullable<RouterEntry['static_routes']>[number],
  p: DocPath,
  uuid: string,
) {
  const prefix = parseCidr(sr.ip_prefix);
  if (!prefix) b.issue([...p, 'ip_prefix'], `bad CIDR "${sr.ip_prefix}"`);
  if (sr.nexthop !== 'discard' && !parseIp(sr.nexthop))
    b.issue([...p, 'nexthop'], `bad next hop "${sr.nexthop}"`);
  if (!prefix) return null;
  const route: StaticRoute = {
    uuid,
    ipPrefix: prefix,
    nexthop: sr.nexthop,
    policy: sr.policy ?? 'dst-ip',
    outputPort: sr.output_port ?? null,
    routeTable: sr.route_table ?? '',
    options: sr.options ?? {},
    externalIds: sr.external_ids ?? {},
  };
  return route;
}

function buildNat(b: Builder, n: NonNullable<RouterEntry['nat']>[number], p: DocPath, uuid: string) {
  const ext = parseIp(n.external_ip);
  const logical = parseCidr(n.logical_ip);
  if (!ext) b.issue([...p, 'external_ip'], `bad IP "${n.external_ip}"`);
  if (!logical) b.issue([...p, 'logical_ip'], `bad IP/CIDR "${n.logical_ip}"`);
  const mac = n.external_mac ? normalizeMac(n.external_mac) : null;
  if (n.external_mac && !mac) b.issue([...p, 'external_mac'], `bad MAC "${n.external_mac}"`);
  if (!ext || !logical) return null;
  const nat: Nat = {
    uuid,
    type: n.type,
    externalIp: ext,
    externalMac: mac,
    logicalIp: logical,
    logicalPort: n.logical_port ?? null,
    externalPortRange: n.external_port_range ?? null,
    gatewayPort: n.gateway_port ?? null,
    options: n.options ?? {},
    externalIds: n.external_ids ?? {},
  };
  return nat;
}

function buildRouterParts(b: Builder, r: RouterEntry, base: DocPath) {
  type Route = NonNullable<RouterEntry['static_routes']>[number];
  type Policy = NonNullable<RouterEntry['policies']>[number];
  type NatEntry = NonNullable<RouterEntry['nat']>[number];
  const staticRoutes = builtList(
    b,
    r,
    'static_routes',
    'route',
    (sr: Route, p, uuid) => buildRoute(b, sr, p, uuid),
    base,
  );
  const policies = builtList(
    b,
    r,
    'policies',
    'policy',
    (po: Policy, _p, uuid): RouterPolicy => ({
      uuid,
      priority: po.priority,
      match: po.match,
      action: po.action,
      nexthops: po.nexthops ?? (po.nexthop ? [po.nexthop] : []),
      chain: po.chain ?? '',
      jumpChain: po.jump_chain ?? null,
      options: po.options ?? {},
      externalIds: po.external_ids ?? {},
    }),
    base,
  );
  const nat = builtList(b, r, 'nat', 'nat', (n: NatEntry, p, uuid) => buildNat(b, n, p, uuid), base);
  return { staticRoutes, policies, nat };
}

type RouterPortEntry = NonNullable<RouterEntry['ports']>[number];
function buildRouterPort(b: Builder, p: RouterPortEntry, routerName: string, pp: DocPath): RouterPort {
  const mac = normalizeMac(p.mac);
  if (!mac) b.issue([...pp, 'mac'], `bad MAC "${p.mac}"`);
  const networks = parseList(b, p.networks, [...pp, 'networks'], (n) => parseCidr(n) ?? `bad CIDR "${n}"`);
  return {
    uuid: b.uuid(p.uuid, 'lrp', p.name),
    name: p.name,
    routerName,
    mac: mac ?? '00:00:00:00:00:00',
    networks,
    peer: p.peer ?? null,
    enabled: p.enabled ?? null,
    // As the live NB source reads them: Gateway_Chassis, then the HA group's chassis, each by priority.
    gatewayChassis: [
      ...(p.gateway_chassis ?? []),
      ...[...(p.ha_chassis_group?.ha_chassis ?? [])]
        .sort((a, b) => b.priority - a.priority)
        .map((c) => c.chassis_name),
    ],
    options: p.options ?? {},
    externalIds: p.external_ids ?? {},
  };
}

function buildRouters(
  b: Builder,
  doc: SnapshotDoc,
  routerPorts: Map<string, RouterPort>,
): Map<string, LogicalRouter> {
  const routers = new Map<string, LogicalRouter>();
  (doc.routers ?? []).forEach((r, ri) => {
    const base = ['routers', ri];
    (r.ports ?? []).forEach((p, pi) => {
      const pp = [...base, 'ports', pi];
      if (routerPorts.has(p.name)) b.issue([...pp, 'name'], `duplicate router port name "${p.name}"`);
      routerPorts.set(
        p.name,
        b.cached(p, r.name, pp, () => buildRouterPort(b, p, r.name, pp)),
      );
    });
    const router = b.cached(
      r,
      '',
      base,
      (): LogicalRouter => ({
        uuid: b.uuid(r.uuid, 'lr', r.name),
        name: r.name,
        ports: (r.ports ?? []).map((p) => p.name),
        ...buildRouterParts(b, r, base),
        loadBalancers: r.load_balancers ?? [],
        enabled: r.enabled ?? null,
        options: r.options ?? {},
        externalIds: r.external_ids ?? {},
      }),
    );
    routers.set(r.name, router);
  });
  return routers;
}

function buildLoadBalancers(b: Builder, doc: SnapshotDoc): Map<string, LoadBalancer> {
  const lbs = new Map<string, LoadBalancer>();
  (doc.load_balancers ?? []).forEach((lb, li) => {
    lbs.set(
      lb.name,
      b.cached(lb, '', ['load_balancers', li], () => buildLoadBalancer(b, lb, li)),
    );
  });
  return lbs;
}

function buildLoadBalancer(
  b: Builder,
  lb: NonNullable<SnapshotDoc['load_balancers']>[number],
  li: number,
): LoadBalancer {
  const vips: LbVip[] = [];
  for (const [key, value] of Object.entries(lb.vips ?? {})) {
    const p = ['load_balancers', li, 'vips', key];
    const vip = parseEndpoint(key);
    if (typeof vip === 'string') {
      b.issue(p, `bad VIP ${vip}`);
      continue;
    }
    const backends = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((raw) => {
        const e = parseEndpoint(raw);
        if (typeof e === 'string') {
          b.issue(p, `bad backend ${e}`);
          return null;
        }
        return { ...e, raw };
      })
      .filter((x): x is NonNullable<typeof x> => x !== null);
    vips.push({ ip: vip.ip, port: vip.port, backends, key, value });
  }
  return {
    uuid: b.uuid(lb.uuid, 'lb', lb.name),
    name: lb.name,
    protocol: lb.protocol === undefined ? 'tcp' : lb.protocol,
    vips,
    options: lb.options ?? {},
    selectionFields: lb.selection_fields ?? [],
    externalIds: lb.external_ids ?? {},
  };
}

function checkReferences(
  b: Builder,
  doc: SnapshotDoc,
  t: Pick<Topology, 'ports' | 'routerPorts' | 'loadBalancers' | 'portGroups'>,
): void {
  (doc.port_groups ?? []).forEach((g, gi) => {
    (g.ports ?? []).forEach((p, pi) => {
      if (!t.ports.has(p))
        b.issue(['port_groups', gi, 'ports', pi], `unknown port "${p}" in port group "${g.name}"`);
    });
  });
  (doc.switches ?? []).forEach((s, si) => {
    (s.load_balancers ?? []).forEach((l, li) => {
      if (!t.loadBalancers.has(l))
        b.issue(['switches', si, 'load_balancers', li], `unknown load balancer "${l}"`);
    });
    (s.ports ?? []).forEach((p, pi) => {
      const rp = p.options?.['router-port'];
      if (p.type === 'router' && rp && !t.routerPorts.has(rp)) {
        b.issue(['switches', si, 'ports', pi, 'options', 'router-port'], `unknown router port "${rp}"`);
      }
    });
  });
  (doc.routers ?? []).forEach((r, ri) => {
    (r.load_balancers ?? []).forEach((l, li) => {
      if (!t.loadBalancers.has(l))
        b.issue(['routers', ri, 'load_balancers', li], `unknown load balancer "${l}"`);
    });
    (r.ports ?? []).forEach((p, pi) => {
      if (p.peer && !t.routerPorts.has(p.peer))
        b.issue(['routers', ri, 'ports', pi, 'peer'], `unknown peer "${p.peer}"`);
    });
  });
}

/**
 * Builds a topology, or throws TopologyBuildError listing every problem found. With a memo (live
 * sources), entries built before give back the same objects. The OVN version is `ovn` when the source
 * knows it (a live NB's schema), else the document's `ovn_version`, else the default.
 */
export function buildTopology(
  doc: SnapshotDoc,
  source: Topology['source'],
  memo?: BuildMemo,
  ovn?: OvnInfo,
): Topology {
  return runSteps(buildSteps(doc, source, memo, ovn));
}

/** Runs a step generator to its end at once. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * buildTopology as steps: it yields between its passes over the document, so a caller that must not
 * hold the event loop for a whole build (the live NB source) can give turns between them.
 */
export function* buildSteps(
  original: SnapshotDoc,
  source: Topology['source'],
  memo?: BuildMemo,
  ovn?: OvnInfo,
): Generator<void, Topology> {
  const b = new Builder(memo);
  b.unique(original.load_balancer_groups, ['load_balancer_groups'], 'load balancer group', new Set());
  const doc = flattenLbGroups(original, (path, message) => b.issue(path, message));
  for (const [key, what] of [
    ['switches', 'switch'],
    ['routers', 'router'],
    ['port_groups', 'port group'],
    ['address_sets', 'address set'],
    ['load_balancers', 'load balancer'],
  ] as const) {
    b.unique(doc[key], [key], what, new Set());
  }
  yield;
  const ports = new Map<string, SwitchPort>();
  const switches = buildSwitches(b, doc, ports);
  yield;
  const routerPorts = new Map<string, RouterPort>();
  const routers = buildRouters(b, doc, routerPorts);
  const loadBalancers = buildLoadBalancers(b, doc);
  yield;
  const portGroups = yield* buildPortGroups(b, doc);
  const addressSets = new Map<string, AddressSet>(
    (doc.address_sets ?? []).map((s, si) => [
      s.name,
      b.cached(s, '', ['address_sets', si], () => buildAddressSet(b, s)),
    ]),
  );
  yield;
  checkReferences(b, doc, { ports, routerPorts, loadBalancers, portGroups });
  if (b.issues.length > 0) throw new TopologyBuildError(b.issues);
  yield;
  const global = doc.nb_global ?? NO_GLOBAL;
  const parts = {
    nbGlobal: b.cached(global, '', ['nb_global'], () => ({ options: global.options ?? {} })),
    switches,
    ports,
    routers,
    routerPorts,
    portGroups,
    addressSets,
    loadBalancers,
  };
  const index = memo?.last ? updateIndex(memo.last, parts) : buildIndex(parts);
  const topology = {
    ...parts,
    index,
    ovn: ovn ?? ovnInfoOfRelease(doc.ovn_version),
    source,
    builtAt: Date.now(),
  };
  if (memo) memo.last = topology;
  return topology;
}

const NO_GLOBAL: NonNullable<SnapshotDoc['nb_global']> = {};

/** How many ACLs of a port group are built between two yields (a group can hold tens of thousands). */
const ACLS_PER_STEP = 512;

function* buildPortGroups(b: Builder, doc: SnapshotDoc): Generator<void, Map<string, PortGroup>> {
  const out = new Map<string, PortGroup>();
  for (const [gi, g] of (doc.port_groups ?? []).entries()) {
    const group = yield* b.cachedSteps(g, '', ['port_groups', gi], function* () {
      const acls: Acl[] = [];
      for (const [ai, a] of (g.acls ?? []).entries()) {
        acls.push(b.acl(a, ['port_groups', gi, 'acls', ai], { kind: 'port_group', name: g.name }));
        if (acls.length % ACLS_PER_STEP === 0) yield;
      }
      return {
        uuid: b.uuid(g.uuid, 'pg', g.name),
        name: g.name,
        ports: g.ports ?? [],
        acls,
        externalIds: g.external_ids ?? {},
      };
    });
    out.set(g.name, group);
  }
  return out;
}

function buildAddressSet(b: Builder, s: NonNullable<SnapshotDoc['address_sets']>[number]): AddressSet {
  return {
    uuid: b.uuid(s.uuid, 'as', s.name),
    name: s.name,
    addresses: s.addresses ?? [],
    externalIds: s.external_ids ?? {},
  };
}

/** The address-set map of a topology, built alone (the live source's fast path for set-only changes). */
export function buildAddressSets(
  entries: NonNullable<SnapshotDoc['address_sets']>,
  memo?: BuildMemo,
): Map<string, AddressSet> {
  const b = new Builder(memo);
  return new Map(
    entries.map((s, si) => [s.name, b.cached(s, '', ['address_sets', si], () => buildAddressSet(b, s))]),
  );
}
