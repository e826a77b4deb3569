// Compiles a topology once into the indexed structures the model engine traces with: per switch the
// ACLs of each stage sorted by priority with their compiled matches, the MAC table and load-balancer
// VIPs; per router the routes in OVN's priority order, policies, NAT rules and VIPs. A trace then only
// looks things up; nothing here is recomputed per packet.

import { type CompiledMatch, compileMatch, type RefResolver } from '../../ovn/expr/index.ts';
import { type Cidr, formatIp, type IpAddr, parseIp } from '../../ovn/net/addr.ts';
import type {
  Acl,
  LbVip,
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  Nat,
  RouterPolicy,
  RouterPort,
  StaticRoute,
  SwitchPort,
  Topology,
} from '../../ovn/topology/types.ts';
import { AclList, aclLabel, CompiledAcl, conjuncts } from './acl-index.ts';
import { portGroupRefs, topologyRefs } from './refs.ts';

export interface CompiledVip {
  readonly lb: LoadBalancer;
  readonly vip: LbVip;
  /** IP protocol number the VIP port applies to (6 tcp, 17 udp, 132 sctp), null for an IP-only VIP. */
  readonly proto: number | null;
}

export interface CompiledSwitch {
  readonly sw: LogicalSwitch;
  /** from-lport ACLs of the ACL stage. */
  readonly aclIn: AclList;
  /** from-lport ACLs with options:apply-after-lb=true (the after-LB stage). */
  readonly aclAfterLb: AclList;
  readonly aclOut: AclList;
  /** allow-stateless ACLs per direction: they also keep the packet out of conntrack (and the LB). */
  readonly statelessIn: AclList;
  readonly statelessOut: AclList;
  readonly hasAcls: boolean;
  readonly hasStatefulAcl: boolean;
  readonly vips: readonly CompiledVip[];
  /** lower-case MAC -> ports that own it on this switch (router-type ports own their router port MAC). */
  readonly macTable: ReadonlyMap<string, readonly string[]>;
  readonly unknownPorts: readonly string[];
  /** Why some ACLs are not applied on this switch (bad match, empty port group here). */
  readonly ignored: readonly string[];
}

export interface CompiledRoute {
  /** OVN's flow priority: prefix length * 3 + (2 connected, 1 static dst-ip, 0 src-ip). */
  readonly priority: number;
  readonly prefix: Cidr;
  readonly bySource: boolean;
  readonly kind: 'connected' | 'static';
  readonly discard: boolean;
  readonly outport: RouterPort | null;
  /** Next hop; null for a connected route (the destination itself). */
  readonly nexthop: IpAddr | null;
  readonly route: StaticRoute | null;
}

export interface CompiledPolicy {
  readonly policy: RouterPolicy;
  readonly match: CompiledMatch;
}

export interface CompiledRouter {
  readonly router: LogicalRouter;
  readonly ports: readonly RouterPort[];
  readonly routes: readonly CompiledRoute[];
  readonly policies: readonly CompiledPolicy[];
  /** A gateway router (options:chassis): NAT and load balancers apply on every port. */
  readonly gateway: boolean;
  readonly dnat: readonly Nat[];
  readonly snat: readonly Nat[];
  readonly vips: readonly CompiledVip[];
  /** Text of every address of the router's own ports. */
  readonly ownIps: ReadonlySet<string>;
  readonly ignored: readonly string[];
}

export interface CompiledNetwork {
  readonly topology: Topology;
  readonly switches: ReadonlyMap<string, CompiledSwitch>;
  readonly routers: ReadonlyMap<string, CompiledRouter>;
  readonly defaultAclDrop: boolean;
  readonly compileMs: number;
  /** With `eager`: ACLs whose match does not compile (OVN ignores them). */
  readonly problems: readonly string[];
}

/** One CompiledAcl per ACL row, shared by every switch the ACL applies to (compiled once, lazily). */
class AclCache {
  private readonly cache = new Map<Acl, CompiledAcl>();
  constructor(private readonly refs: RefResolver) {}

  get(a: Acl): CompiledAcl {
    let c = this.cache.get(a);
    if (!c) this.cache.set(a, (c = new CompiledAcl(a, this.refs)));
    return c;
  }

  all(): IterableIterator<CompiledAcl> {
    return this.cache.values();
  }
}

function switchAcls(t: Topology, sw: LogicalSwitch): Acl[] {
  const out = [...sw.acls];
  for (const g of t.index.groupsBySwitch.get(sw.name) ?? []) out.push(...(t.portGroups.get(g)?.acls ?? []));
  return out;
}

function vipsOf(t: Topology, lbNames: readonly string[]): CompiledVip[] {
  const proto = { tcp: 6, udp: 17, sctp: 132 } as const;
  const out: CompiledVip[] = [];
  for (const n of lbNames) {
    const lb = t.loadBalancers.get(n);
    if (!lb) continue;
    for (const vip of lb.vips) {
      out.push({ lb, vip, proto: vip.port === null ? null : proto[lb.protocol ?? 'tcp'] });
    }
  }
  return out;
}

function macTableOf(t: Topology, sw: LogicalSwitch): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [mac, ports] of t.index.portsByMac.get(sw.name) ?? []) out.set(mac, [...ports]);
  return out;
}

/** True when `||` appears outside any parentheses, braces or string in a match. */
export function hasTopLevelOr(match: string): boolean {
  return conjuncts(match) === null;
}

function compileSwitch(t: Topology, sw: LogicalSwitch, cache: AclCache): CompiledSwitch {
  const ignored: string[] = [];
  const usable: CompiledAcl[] = [];
  const here = new Set(t.index.groupsBySwitch.get(sw.name) ?? []);
  const acls = switchAcls(t, sw);
  const stateful = acls.some((a) => a.action === 'allow-related') || sw.loadBalancers.length > 0;
  for (const acl of acls) {
    const c = cache.get(acl);
    const absent = portGroupRefs(acl.match).filter((g) => !here.has(g));
    if (absent.length > 0) {
      ignored.push(
        `${aclLabel(acl)} ignored on switch ${sw.name}: port group ${absent.map((g) => `@${g}`).join(', ')} has no port here`,
      );
      continue;
    }
    // ovn-northd 23.03 writes a stateful reject flow as `(hint) && MATCH` without parentheses around
    // MATCH; with a top-level `||` that is not a valid expression and OVN ignores the ACL.
    if (stateful && acl.action === 'reject' && hasTopLevelOr(acl.match)) {
      ignored.push(
        `${aclLabel(acl)} ignored on switch ${sw.name}: OVN 23.03 cannot use a reject ACL whose match has a top-level || on a stateful switch`,
      );
      continue;
    }
    usable.push(c);
  }
  const afterLb = (c: CompiledAcl) => c.acl.options['apply-after-lb'] === 'true';
  const dir = (d: Acl['direction']) => (c: CompiledAcl) => c.acl.direction === d;
  const stateless = (c: CompiledAcl) => c.acl.action === 'allow-stateless';
  const members = (g: string) => t.portGroups.get(g)?.ports;
  const list = (acls: CompiledAcl[], field: 'inport' | 'outport') => new AclList(acls, field, members);
  const unknownPorts = sw.ports.filter((pn) => t.ports.get(pn)?.addresses.some((a) => a.kind === 'unknown'));
  return {
    sw,
    aclIn: list(
      usable.filter((c) => dir('from-lport')(c) && !afterLb(c)),
      'inport',
    ),
    aclAfterLb: list(
      usable.filter((c) => dir('from-lport')(c) && afterLb(c)),
      'inport',
    ),
    aclOut: list(usable.filter(dir('to-lport')), 'outport'),
    statelessIn: list(
      usable.filter((c) => dir('from-lport')(c) && stateless(c)),
      'inport',
    ),
    statelessOut: list(
      usable.filter((c) => dir('to-lport')(c) && stateless(c)),
      'outport',
    ),
    hasAcls: acls.length > 0,
    hasStatefulAcl: acls.some((a) => a.action === 'allow-related'),
    vips: vipsOf(t, sw.loadBalancers),
    macTable: macTableOf(t, sw),
    unknownPorts,
    ignored,
  };
}

function networkFor(ports: readonly RouterPort[], ip: IpAddr): RouterPort | null {
  for (const p of ports) {
    for (const n of p.networks) {
      if (n.family === ip.family && (ip.value & maskOf(n)) === n.network) return p;
    }
  }
  return null;
}

const masks = new WeakMap<Cidr, bigint>();

/** The network mask of a CIDR as a bigint (cached: routes and port security test it per packet). */
export function maskOf(c: Cidr): bigint {
  let m = masks.get(c);
  if (m === undefined) {
    const bits = c.family === 4 ? 32n : 128n;
    m = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << (bits - BigInt(c.prefix));
    masks.set(c, m);
  }
  return m;
}

function staticRoute(r: LogicalRouter, ports: RouterPort[], sr: StaticRoute): CompiledRoute | string {
  const where = `static route ${formatIp({ family: sr.ipPrefix.family, value: sr.ipPrefix.network })}/${sr.ipPrefix.prefix} via ${sr.nexthop} on ${r.name}`;
  if (sr.routeTable) return `${where} ignored: route tables are not modelled`;
  const bySource = sr.policy === 'src-ip';
  const base = { prefix: sr.ipPrefix, bySource, kind: 'static' as const, route: sr };
  const priority = sr.ipPrefix.prefix * 3 + (bySource ? 0 : 1);
  if (sr.nexthop === 'discard') return { ...base, priority, discard: true, outport: null, nexthop: null };
  const nh = parseIp(sr.nexthop);
  if (!nh || nh.family !== sr.ipPrefix.family) return `${where} ignored: bad next hop`;
  const outport = sr.outputPort
    ? (ports.find((p) => p.name === sr.outputPort) ?? null)
    : networkFor(ports, nh);
  if (!outport) return `${where} ignored: no router port reaches the next hop (OVN installs no flow)`;
  return { ...base, priority, discard: false, outport, nexthop: nh };
}

function compileRouter(t: Topology, r: LogicalRouter, refs: RefResolver): CompiledRouter {
  const ports = r.ports.map((n) => t.routerPorts.get(n)).filter((p): p is RouterPort => !!p);
  const ignored: string[] = [];
  const routes: CompiledRoute[] = [];
  for (const p of ports) {
    for (const n of p.networks) {
      routes.push({
        priority: n.prefix * 3 + 2,
        prefix: n,
        bySource: false,
        kind: 'connected',
        discard: false,
        outport: p,
        nexthop: null,
        route: null,
      });
    }
  }
  for (const sr of r.staticRoutes) {
    const c = staticRoute(r, ports, sr);
    if (typeof c === 'string') ignored.push(c);
    else routes.push(c);
  }
  routes.sort((a, b) => b.priority - a.priority);
  const policies: CompiledPolicy[] = [];
  for (const policy of [...r.policies].sort((a, b) => b.priority - a.priority)) {
    const m = compileMatch(policy.match, refs);
    if (m.ok) policies.push({ policy, match: m });
    else ignored.push(`router policy priority ${policy.priority} on ${r.name} ignored: ${m.message}`);
  }
  const ownIps = new Set<string>();
  for (const p of ports)
    for (const n of p.networks) ownIps.add(formatIp({ family: n.family, value: n.addr }));
  return {
    router: r,
    ports,
    routes,
    policies,
    gateway: Boolean(r.options.chassis),
    dnat: r.nat.filter((n) => n.type !== 'snat'),
    snat: r.nat.filter((n) => n.type !== 'dnat'),
    vips: vipsOf(t, r.loadBalancers),
    ownIps,
    ignored,
  };
}

/**
 * Compiles a topology. ACL matches compile lazily on first use unless `eager` (then every match is
 * compiled now and `problems` lists those OVN would ignore).
 */
export function compileNetwork(t: Topology, opts: { eager?: boolean } = {}): CompiledNetwork {
  const started = performance.now();
  const refs = topologyRefs(t);
  const cache = new AclCache(refs);
  const switches = new Map<string, CompiledSwitch>();
  for (const sw of t.switches.values()) switches.set(sw.name, compileSwitch(t, sw, cache));
  const routers = new Map<string, CompiledRouter>();
  for (const r of t.routers.values()) routers.set(r.name, compileRouter(t, r, refs));
  const problems: string[] = [];
  if (opts.eager) for (const c of cache.all()) if (!c.matcher()) problems.push(c.problem!);
  return {
    problems,
    topology: t,
    switches,
    routers,
    defaultAclDrop: t.nbGlobal.options.default_acl_drop === 'true',
    compileMs: performance.now() - started,
  };
}

export type { SwitchPort };
export { CompiledAcl };
