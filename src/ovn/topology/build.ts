// Builds an immutable Topology from a syntactically valid snapshot document, checking meaning
// (addresses, references, duplicates) and building the lookup indexes. Problems come back as a list
// of issues with the document path they concern, so callers can point at the file line.

import { createHash } from 'node:crypto';
import { type Cidr, formatIp, type IpAddr, normalizeMac, parseCidr, parseIp } from '../net/addr.ts';
import type { SnapshotAcl, SnapshotDoc } from './snapshot-schema.ts';
import type {
  Acl,
  AddressSet,
  LbVip,
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  Nat,
  PortAddress,
  PortGroup,
  PortSecurityEntry,
  RouterPolicy,
  RouterPort,
  StaticRoute,
  SwitchPort,
  Topology,
  TopologyIndex,
} from './types.ts';

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

class Builder {
  readonly issues: BuildIssue[] = [];
  private readonly uuids = new Set<string>();

  issue(path: DocPath, message: string): void {
    this.issues.push({ path, message });
  }

  uuid(given: string | undefined, kind: string, key: string): string {
    const u = (given ?? derivedUuid(kind, key)).toLowerCase();
    this.uuids.add(u);
    return u;
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
    const portNames: string[] = [];
    (s.ports ?? []).forEach((p, pi) => {
      const pp = [...base, 'ports', pi];
      if (ports.has(p.name)) b.issue([...pp, 'name'], `duplicate port name "${p.name}"`);
      const dyn = p.dynamic_addresses ? parsePortAddress(p.dynamic_addresses) : null;
      if (typeof dyn === 'string') b.issue([...pp, 'dynamic_addresses'], dyn);
      const port: SwitchPort = {
        uuid: b.uuid(p.uuid, 'lsp', p.name),
        name: p.name,
        switchName: s.name,
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
      ports.set(p.name, port);
      portNames.push(p.name);
    });
    const owner = { kind: 'switch' as const, name: s.name };
    switches.set(s.name, {
      uuid: b.uuid(s.uuid, 'ls', s.name),
      name: s.name,
      ports: portNames,
      acls: (s.acls ?? []).map((a, ai) => b.acl(a, [...base, 'acls', ai], owner)),
      loadBalancers: s.load_balancers ?? [],
      otherConfig: s.other_config ?? {},
      externalIds: s.external_ids ?? {},
    });
  });
  return switches;
}

function buildRouterParts(b: Builder, r: NonNullable<SnapshotDoc['routers']>[number], base: DocPath) {
  const staticRoutes: StaticRoute[] = [];
  (r.static_routes ?? []).forEach((sr, i) => {
    const p = [...base, 'static_routes', i];
    const prefix = parseCidr(sr.ip_prefix);
    if (!prefix) b.issue([...p, 'ip_prefix'], `bad CIDR "${sr.ip_prefix}"`);
    if (sr.nexthop !== 'discard' && !parseIp(sr.nexthop))
      b.issue([...p, 'nexthop'], `bad next hop "${sr.nexthop}"`);
    if (!prefix) return;
    staticRoutes.push({
      uuid: b.uuid(sr.uuid, 'route', `${r.name}/${i}`),
      ipPrefix: prefix,
      nexthop: sr.nexthop,
      policy: sr.policy ?? 'dst-ip',
      outputPort: sr.output_port ?? null,
      routeTable: sr.route_table ?? '',
      options: sr.options ?? {},
      externalIds: sr.external_ids ?? {},
    });
  });
  const policies: RouterPolicy[] = (r.policies ?? []).map((po, i) => ({
    uuid: b.uuid(po.uuid, 'policy', `${r.name}/${i}`),
    priority: po.priority,
    match: po.match,
    action: po.action,
    nexthops: po.nexthops ?? (po.nexthop ? [po.nexthop] : []),
    options: po.options ?? {},
    externalIds: po.external_ids ?? {},
  }));
  const nat: Nat[] = [];
  (r.nat ?? []).forEach((n, i) => {
    const p = [...base, 'nat', i];
    const ext = parseIp(n.external_ip);
    const logical = parseCidr(n.logical_ip);
    if (!ext) b.issue([...p, 'external_ip'], `bad IP "${n.external_ip}"`);
    if (!logical) b.issue([...p, 'logical_ip'], `bad IP/CIDR "${n.logical_ip}"`);
    const mac = n.external_mac ? normalizeMac(n.external_mac) : null;
    if (n.external_mac && !mac) b.issue([...p, 'external_mac'], `bad MAC "${n.external_mac}"`);
    if (!ext || !logical) return;
    nat.push({
      uuid: b.uuid(n.uuid, 'nat', `${r.name}/${i}`),
      type: n.type,
      externalIp: ext,
      externalMac: mac,
      logicalIp: logical,
      logicalPort: n.logical_port ?? null,
      externalPortRange: n.external_port_range ?? null,
      gatewayPort: n.gateway_port ?? null,
      options: n.options ?? {},
      externalIds: n.external_ids ?? {},
    });
  });
  return { staticRoutes, policies, nat };
}

function buildRouters(
  b: Builder,
  doc: SnapshotDoc,
  routerPorts: Map<string, RouterPort>,
): Map<string, LogicalRouter> {
  const routers = new Map<string, LogicalRouter>();
  (doc.routers ?? []).forEach((r, ri) => {
    const base = ['routers', ri];
    const portNames: string[] = [];
    (r.ports ?? []).forEach((p, pi) => {
      const pp = [...base, 'ports', pi];
      if (routerPorts.has(p.name)) b.issue([...pp, 'name'], `duplicate router port name "${p.name}"`);
      const mac = normalizeMac(p.mac);
      if (!mac) b.issue([...pp, 'mac'], `bad MAC "${p.mac}"`);
      const networks = parseList(
        b,
        p.networks,
        [...pp, 'networks'],
        (n) => parseCidr(n) ?? `bad CIDR "${n}"`,
      );
      routerPorts.set(p.name, {
        uuid: b.uuid(p.uuid, 'lrp', p.name),
        name: p.name,
        routerName: r.name,
        mac: mac ?? '00:00:00:00:00:00',
        networks,
        peer: p.peer ?? null,
        enabled: p.enabled ?? null,
        gatewayChassis: p.gateway_chassis ?? [],
        options: p.options ?? {},
        externalIds: p.external_ids ?? {},
      });
      portNames.push(p.name);
    });
    routers.set(r.name, {
      uuid: b.uuid(r.uuid, 'lr', r.name),
      name: r.name,
      ports: portNames,
      ...buildRouterParts(b, r, base),
      loadBalancers: r.load_balancers ?? [],
      enabled: r.enabled ?? null,
      options: r.options ?? {},
      externalIds: r.external_ids ?? {},
    });
  });
  return routers;
}

function buildLoadBalancers(b: Builder, doc: SnapshotDoc): Map<string, LoadBalancer> {
  const lbs = new Map<string, LoadBalancer>();
  (doc.load_balancers ?? []).forEach((lb, li) => {
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
    lbs.set(lb.name, {
      uuid: b.uuid(lb.uuid, 'lb', lb.name),
      name: lb.name,
      protocol: lb.protocol === undefined ? 'tcp' : lb.protocol,
      vips,
      options: lb.options ?? {},
      selectionFields: lb.selection_fields ?? [],
      externalIds: lb.external_ids ?? {},
    });
  });
  return lbs;
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

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) {
    if (!list.includes(v)) list.push(v);
  } else m.set(k, [v]);
}

/** Every IP a switch port owns: static addresses, then IPAM-assigned dynamic ones. */
export function portIps(port: SwitchPort): IpAddr[] {
  const out: IpAddr[] = [];
  for (const a of [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])]) {
    if (a.kind === 'static') out.push(...a.ips);
  }
  return out;
}

/** Every MAC a switch port owns (static addresses and IPAM). */
export function portMacs(port: SwitchPort): string[] {
  const out: string[] = [];
  for (const a of [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])]) {
    if (a.kind === 'static' && !out.includes(a.mac)) out.push(a.mac);
  }
  return out;
}

function buildIndex(t: Omit<Topology, 'index' | 'source' | 'builtAt'>): TopologyIndex {
  const portByUuid = new Map([...t.ports.values()].map((p) => [p.uuid, p]));
  const routerPortByUuid = new Map([...t.routerPorts.values()].map((p) => [p.uuid, p]));
  const portsByMac = new Map<string, Map<string, string[]>>();
  const portsByIp = new Map<string, string[]>();
  const switchPortByRouterPort = new Map<string, string>();
  for (const p of t.ports.values()) {
    let macs = portsByMac.get(p.switchName);
    if (!macs) portsByMac.set(p.switchName, (macs = new Map()));
    for (const m of portMacs(p)) push(macs, m, p.name);
    for (const ip of portIps(p)) push(portsByIp, formatIp(ip), p.name);
    const rp = p.type === 'router' ? p.options['router-port'] : undefined;
    if (rp) {
      switchPortByRouterPort.set(rp, p.name);
      const lrp = t.routerPorts.get(rp);
      if (lrp) push(macs, lrp.mac, p.name);
    }
  }
  const groupsByPort = new Map<string, string[]>();
  const groupsBySwitch = new Map<string, string[]>();
  for (const g of t.portGroups.values()) {
    for (const pn of g.ports) {
      push(groupsByPort, pn, g.name);
      const sw = t.ports.get(pn)?.switchName;
      if (sw) push(groupsBySwitch, sw, g.name);
    }
  }
  const lbUsers = new Map<string, { switches: string[]; routers: string[] }>();
  const user = (n: string) => {
    let u = lbUsers.get(n);
    if (!u) lbUsers.set(n, (u = { switches: [], routers: [] }));
    return u;
  };
  for (const s of t.switches.values()) for (const l of s.loadBalancers) user(l).switches.push(s.name);
  for (const r of t.routers.values()) for (const l of r.loadBalancers) user(l).routers.push(r.name);
  return {
    portByUuid,
    routerPortByUuid,
    portsByMac,
    portsByIp,
    groupsByPort,
    groupsBySwitch,
    switchPortByRouterPort,
    lbUsers,
  };
}

/** Builds a topology, or throws TopologyBuildError listing every problem found. */
export function buildTopology(doc: SnapshotDoc, source: Topology['source']): Topology {
  const b = new Builder();
  for (const [key, what] of [
    ['switches', 'switch'],
    ['routers', 'router'],
    ['port_groups', 'port group'],
    ['address_sets', 'address set'],
    ['load_balancers', 'load balancer'],
  ] as const) {
    b.unique(doc[key], [key], what, new Set());
  }
  const ports = new Map<string, SwitchPort>();
  const switches = buildSwitches(b, doc, ports);
  const routerPorts = new Map<string, RouterPort>();
  const routers = buildRouters(b, doc, routerPorts);
  const loadBalancers = buildLoadBalancers(b, doc);
  const portGroups = new Map<string, PortGroup>(
    (doc.port_groups ?? []).map((g, gi) => [
      g.name,
      {
        uuid: b.uuid(g.uuid, 'pg', g.name),
        name: g.name,
        ports: g.ports ?? [],
        acls: (g.acls ?? []).map((a, ai) =>
          b.acl(a, ['port_groups', gi, 'acls', ai], { kind: 'port_group', name: g.name }),
        ),
        externalIds: g.external_ids ?? {},
      },
    ]),
  );
  const addressSets = new Map<string, AddressSet>(
    (doc.address_sets ?? []).map((s) => [
      s.name,
      {
        uuid: b.uuid(s.uuid, 'as', s.name),
        name: s.name,
        addresses: s.addresses ?? [],
        externalIds: s.external_ids ?? {},
      },
    ]),
  );
  checkReferences(b, doc, { ports, routerPorts, loadBalancers, portGroups });
  if (b.issues.length > 0) throw new TopologyBuildError(b.issues);
  const parts = {
    nbGlobal: { options: doc.nb_global?.options ?? {} },
    switches,
    ports,
    routers,
    routerPorts,
    portGroups,
    addressSets,
    loadBalancers,
  };
  return { ...parts, index: buildIndex(parts), source, builtAt: Date.now() };
}
