// Compiles a topology once into the indexed structures the model engine traces with: per switch the
// ACLs of each stage sorted by priority with their compiled matches, the MAC table and load-balancer
// VIPs; per router the routes of each route table (route-table.ts), policies with their reroute
// targets, gateway-port NAT (gateway-port.ts), NAT rules, VIPs and the warnings every trace through it
// carries. A trace then only looks things up; nothing here is recomputed per packet. Given the previous
// compiled network, parts whose inputs are the identical objects are reused (reuse.ts), so a small NB
// change recompiles little.

import { type CompiledMatch, compileMatch, type RefResolver } from '../../../ovn/expr/index.ts';
import { type IpAddr, parseIp } from '../../../ovn/net/addr.ts';
import type {
  Acl,
  LbVip,
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  Nat,
  PortGroup,
  RouterPolicy,
  RouterPort,
  SwitchPort,
  Topology,
} from '../../../ovn/topology/types.ts';
import { type OvnBehaviour, ovnBehaviour } from '../../ovn-version.ts';
import { type IpKey, inCidr, ipKey, macValue } from '../packet.ts';
import { AclList, aclLabel, CompiledAcl } from './acl-index.ts';
import { compileGatewayPorts, type DgpInfo } from './gateway-port.ts';
import { topologyRefs } from './refs.ts';
import { routerDeps, sameDeps, sameMatchDeps, sameSwitchDeps, switchDeps } from './reuse.ts';
import { type CompiledRoutes, compileRoutes, type RouteTable } from './route-table.ts';
import { routerUnmodelled, switchUnmodelled } from './unmodelled.ts';

export interface CompiledVip {
  readonly lb: LoadBalancer;
  readonly vip: LbVip;
  /** IP protocol number the VIP port applies to (6 tcp, 17 udp, 132 sctp), null for an IP-only VIP. */
  readonly proto: number | null;
  /** options:affinity_timeout is set (session affinity): see pipeline/load-balancer.ts. */
  readonly affinity: boolean;
}

/** Where an L2 lookup of one destination MAC goes on a switch, with its hop description. */
export interface L2Entry {
  readonly targets: readonly string[];
  readonly how: string;
}

/** The per-trace strings and values of one switch port, built on first use. */
export interface CompiledPort {
  readonly port: SwitchPort;
  readonly ingressComponent: string;
  readonly egressComponent: string;
  readonly portSecurityPassed: string;
  readonly outputDescription: string;
  /** Port security entries with MAC and addresses as values (IPv4 numbers, IPv6 bigints). */
  readonly security: readonly {
    readonly mac: bigint;
    readonly any: boolean;
    readonly v4: readonly number[];
    readonly v6: readonly bigint[];
  }[];
}

export interface CompiledSwitch {
  readonly sw: LogicalSwitch;
  /** The inputs this switch was compiled from (reuse.ts compares them with the next topology's). */
  readonly deps: readonly unknown[];
  /** from-lport ACLs of the ACL stage. */
  readonly aclIn: AclList;
  /** from-lport ACLs with options:apply-after-lb=true (the after-LB stage). */
  readonly aclAfterLb: AclList;
  readonly aclOut: AclList;
  /** allow-stateless ACLs per direction: they also keep the packet out of conntrack (and the LB). */
  readonly statelessIn: AclList;
  readonly statelessOut: AclList;
  readonly hasAcls: boolean;
  /**
   * An allow-related ACL applies here (its own or a port group's). Without one, northd clears the
   * conntrack state of IP packets leaving by a router port (ls_out_pre_lb); with one it keeps it.
   */
  readonly statefulAcl: boolean;
  /** An allow-related ACL or a load balancer: IP traffic goes through conntrack. */
  readonly stateful: boolean;
  readonly vips: readonly CompiledVip[];
  /** VIPs by address key (packet.ts ipKey). */
  readonly vipIndex: ReadonlyMap<IpKey, readonly CompiledVip[]>;
  /** lower-case MAC -> ports that own it on this switch (router-type ports own their router port MAC). */
  readonly macTable: ReadonlyMap<string, readonly string[]>;
  /** The same table by MAC value, with the hop text. */
  readonly l2: ReadonlyMap<bigint, L2Entry>;
  readonly unknownPorts: readonly string[];
  /** Warnings every trace through the switch carries: unmodelled options, ACLs not applied here. */
  readonly ignored: readonly string[];
  /** Hop descriptions of the ACL stages when no ACL matched: [allowed, dropped] per stage. */
  readonly defaultText: Readonly<Record<'ingress' | 'after-lb' | 'egress', readonly [string, string]>>;
  /** CompiledPort per port name, filled on first use. */
  readonly ports: Map<string, CompiledPort>;
}

export interface CompiledPolicy {
  readonly policy: RouterPolicy;
  readonly match: CompiledMatch;
  /** For a reroute policy: its next hops with the router port reaching each (several: ECMP). */
  readonly targets: readonly RerouteTarget[];
}

export interface RerouteTarget {
  readonly to: IpAddr;
  readonly port: RouterPort;
}

/** What a packet entering by one router port needs: its hop component and its route table. */
export interface RouterInport {
  /** `ingress(dp="router", inport="port")`. */
  readonly component: string;
  readonly routes: RouteTable;
}

export interface CompiledRouter {
  readonly router: LogicalRouter;
  readonly ports: readonly RouterPort[];
  readonly deps: readonly unknown[];
  /** Routes of every table, compiled once (route-table.ts); lookups go through `inports`. */
  readonly routes: CompiledRoutes;
  /** Per router port name. */
  readonly inports: ReadonlyMap<string, RouterInport>;
  /** Policies of the default chain that install a flow, highest priority first. */
  readonly policies: readonly CompiledPolicy[];
  /** Named policy chains (25.03+, reached by a `jump` policy), each highest priority first. */
  readonly policyChains: ReadonlyMap<string, readonly CompiledPolicy[]>;
  /** A gateway router (options:chassis): NAT and load balancers apply on every port. */
  readonly gateway: boolean;
  /** Distributed gateway port NAT (gateway-port.ts); null for a gateway router or without a DGP. */
  readonly dgp: DgpInfo | null;
  /** dnat / dnat_and_snat rules (applied on a gateway router) by external address key, first rule wins. */
  readonly dnat: ReadonlyMap<IpKey, Nat>;
  readonly snat: readonly Nat[];
  readonly vips: readonly CompiledVip[];
  readonly vipIndex: ReadonlyMap<IpKey, readonly CompiledVip[]>;
  /** Every address of the router's own ports, as keys (packet.ts ipKey). */
  readonly ownKeys: ReadonlySet<IpKey>;
  /**
   * Warnings that are properties of the topology (policies, routes and NAT rules that install no
   * flow): every trace entering the router carries them.
   */
  readonly ignored: readonly string[];
}

export interface CompiledNetwork {
  readonly topology: Topology;
  /** How the OVN that wrote the topology behaves (src/engine/ovn-version.ts): the model follows it. */
  readonly behaviour: OvnBehaviour;
  readonly switches: ReadonlyMap<string, CompiledSwitch>;
  readonly routers: ReadonlyMap<string, CompiledRouter>;
  readonly defaultAclDrop: boolean;
  readonly compileMs: number;
  /** With `eager`: ACLs whose match does not compile (OVN ignores them). */
  readonly problems: readonly string[];
  /** Compiled ACLs by row, for the next compile to reuse. */
  readonly acls: ReadonlyMap<Acl, CompiledAcl>;
  /** How many switches / routers / compiled ACL matches came from the previous network. */
  readonly reused: { readonly switches: number; readonly routers: number; readonly acls: number };
  /** Per-network caches filled while tracing (next-hop MACs per router port, owners by address). */
  readonly caches: {
    readonly neighbours: Map<string, Map<IpKey, bigint>>;
    ownersByKey?: Map<IpKey, readonly string[]>;
  };
}

/** One CompiledAcl per ACL row, shared by every switch the ACL applies to (compiled once, lazily). */
class AclCache {
  readonly cache = new Map<Acl, CompiledAcl>();
  /** Port group -> whether all its ACLs got the previous network's CompiledAcls. */
  readonly groupAdopted = new Map<PortGroup, boolean>();
  reused = 0;
  constructor(
    private readonly refs: RefResolver,
    private readonly t: Topology,
    private readonly previous: CompiledNetwork | undefined,
  ) {}

  get(a: Acl): CompiledAcl {
    let c = this.cache.get(a);
    if (!c) {
      const old = this.previous?.acls.get(a);
      if (old && sameMatchDeps(this.t, old.groups, old.sets, old.deps)) {
        old.rebind(this.refs);
        c = old;
        this.reused++;
      } else c = new CompiledAcl(a, this.refs, this.t);
      this.cache.set(a, c);
    }
    return c;
  }

  /** True when `a` gets the previous network's CompiledAcl (so a switch holding it can be reused). */
  adopt(a: Acl, previous: CompiledNetwork): boolean {
    return this.get(a) === previous.acls.get(a);
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

/** True when every ACL of the switch gets the previous network's CompiledAcl (no list is built). */
function adoptAll(t: Topology, sw: LogicalSwitch, cache: AclCache, prev: CompiledNetwork): boolean {
  for (const a of sw.acls) if (!cache.adopt(a, prev)) return false;
  for (const name of t.index.groupsBySwitch.get(sw.name) ?? []) {
    const g = t.portGroups.get(name);
    if (!g) continue;
    // A port group has members on many switches: its ACLs are checked once per compile.
    let ok = cache.groupAdopted.get(g);
    if (ok === undefined) {
      ok = g.acls.every((a) => cache.adopt(a, prev));
      cache.groupAdopted.set(g, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/** VIPs of a list of load balancers, with their index; switches naming the same list share them. */
type VipTable = { readonly vips: CompiledVip[]; readonly index: Map<IpKey, CompiledVip[]> };

function vipsOf(t: Topology, lbNames: readonly string[], shared?: Map<string, VipTable>): VipTable {
  const key = lbNames.join('\n');
  const hit = shared?.get(key);
  if (hit) return hit;
  const proto = { tcp: 6, udp: 17, sctp: 132 } as const;
  const vips: CompiledVip[] = [];
  const index = new Map<IpKey, CompiledVip[]>();
  for (const n of lbNames) {
    const lb = t.loadBalancers.get(n);
    if (!lb) continue;
    for (const vip of lb.vips) {
      const affinity = Number(lb.options.affinity_timeout ?? 0) > 0;
      const v = { lb, vip, proto: vip.port === null ? null : proto[lb.protocol ?? 'tcp'], affinity };
      vips.push(v);
      const k = ipKey(vip.ip);
      const l = index.get(k);
      if (l) l.push(v);
      else index.set(k, [v]);
    }
  }
  const out = { vips, index };
  shared?.set(key, out);
  return out;
}

function macTableOf(t: Topology, sw: LogicalSwitch): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [mac, ports] of t.index.portsByMac.get(sw.name) ?? []) out.set(mac, [...ports]);
  return out;
}

function l2Of(macTable: ReadonlyMap<string, readonly string[]>): Map<bigint, L2Entry> {
  const out = new Map<bigint, L2Entry>();
  for (const [mac, targets] of macTable)
    out.set(macValue(mac), { targets, how: `forward to port for MAC ${mac}` });
  return out;
}

const STAGE_TEXT = {
  ingress: 'ingress ACL',
  'after-lb': 'ingress ACL (after load balancer)',
  egress: 'egress ACL',
};

function defaultTexts(name: string): CompiledSwitch['defaultText'] {
  const pair = (stage: keyof typeof STAGE_TEXT) =>
    [
      `No ${STAGE_TEXT[stage]} matched on ${name}: allowed by default`,
      `No ${STAGE_TEXT[stage]} matched on ${name}: dropped by default (default_acl_drop=true)`,
    ] as const;
  return { ingress: pair('ingress'), 'after-lb': pair('after-lb'), egress: pair('egress') };
}

/** Why OVN installs no flow for an ACL on this switch, or null when it applies. */
function aclProblem(
  c: CompiledAcl,
  sw: LogicalSwitch,
  here: ReadonlySet<string>,
  stateful: boolean,
  b: OvnBehaviour,
): string | null {
  const acl = c.acl;
  const absent = c.groups.every((g) => here.has(g)) ? [] : c.groups.filter((g) => !here.has(g));
  if (absent.length > 0) return `port group ${absent.map((g) => `@${g}`).join(', ')} has no port here`;
  if (acl.action === 'pass' && !b.aclTiers)
    return `the action pass needs ACL tiers (OVN 23.06+; this topology is OVN ${b.release})`;
  // ovn-northd before 23.06 writes a stateful reject flow as `(hint) && MATCH` without parentheses
  // around MATCH; with a top-level `||` that is not a valid expression and OVN ignores the ACL.
  if (b.rejectTopLevelOrIgnored && stateful && acl.action === 'reject' && c.topLevelOr)
    return `OVN ${b.release} cannot use a reject ACL whose match has a top-level || on a stateful switch`;
  return null;
}

function compileSwitch(
  t: Topology,
  sw: LogicalSwitch,
  acls: Acl[],
  deps: unknown[],
  cache: AclCache,
  vipTables: Map<string, VipTable>,
  b: OvnBehaviour,
): CompiledSwitch {
  // Unmodelled options first: every trace through the switch names them (nothing silent).
  const ignored: string[] = switchUnmodelled(t, sw);
  const usable: CompiledAcl[] = [];
  const here = new Set(t.index.groupsBySwitch.get(sw.name) ?? []);
  const stateful = acls.some((a) => a.action === 'allow-related') || sw.loadBalancers.length > 0;
  for (const acl of acls) {
    const c = cache.get(acl);
    const problem = aclProblem(c, sw, here, stateful, b);
    if (problem) ignored.push(`${aclLabel(acl)} ignored on switch ${sw.name}: ${problem}`);
    else usable.push(c);
  }
  const afterLb = (c: CompiledAcl) => c.acl.options['apply-after-lb'] === 'true';
  const dir = (d: Acl['direction']) => (c: CompiledAcl) => c.acl.direction === d;
  const stateless = (c: CompiledAcl) => c.acl.action === 'allow-stateless';
  const members = (g: string) => t.portGroups.get(g)?.ports;
  const list = (acls: CompiledAcl[], field: 'inport' | 'outport') =>
    new AclList(acls, field, members, b.aclTiers);
  const unknownPorts = sw.ports.filter((pn) => t.ports.get(pn)?.addresses.some((a) => a.kind === 'unknown'));
  const vips = vipsOf(t, sw.loadBalancers, vipTables);
  const macTable = macTableOf(t, sw);
  const hasStatefulAcl = acls.some((a) => a.action === 'allow-related');
  return {
    sw,
    deps,
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
    statefulAcl: hasStatefulAcl,
    stateful: hasStatefulAcl || vips.vips.length > 0,
    vips: vips.vips,
    vipIndex: vips.index,
    macTable,
    l2: l2Of(macTable),
    unknownPorts,
    ignored,
    defaultText: defaultTexts(sw.name),
    ports: new Map(),
  };
}

/**
 * A reroute policy's next hops with the router port reaching each, or null when northd installs no
 * flow for the policy: no next hop left, or next hops of mixed families. Since 24.09 northd leaves out
 * the next hops no port reaches; before, one such next hop and the policy has no flow.
 */
function rerouteTargets(
  ports: readonly RouterPort[],
  p: RouterPolicy,
  b: OvnBehaviour,
): RerouteTarget[] | null {
  const out: RerouteTarget[] = [];
  for (const n of p.nexthops) {
    const to = parseIp(n);
    const port = to ? ports.find((rp) => rp.networks.some((c) => inCidr(c, to))) : undefined;
    if (!to || !port) {
      if (b.policyDropsUnreachableNexthops) continue;
      return null;
    }
    if (out.length > 0 && out[0]!.to.family !== to.family) return null;
    out.push({ to, port });
  }
  return out.length > 0 ? out : null;
}

/**
 * Adds each ECMP-form reroute policy (several next hops) to every other chain where northd's flow for
 * it carries no chain condition, keeping each chain highest priority first.
 */
function spreadEcmpPolicies(chains: Map<string, CompiledPolicy[]>, b: OvnBehaviour): void {
  if (!b.ecmpPolicyInEveryChain || chains.size < 2) return;
  const ecmp = [...chains.values()]
    .flat()
    .filter((p) => p.policy.nexthops.length > 1 && p.targets.length > 0);
  for (const [name, list] of chains) {
    const add = ecmp.filter((p) => p.policy.chain !== name);
    if (add.length === 0) continue;
    list.push(...add);
    list.sort((x, y) => y.policy.priority - x.policy.priority);
  }
}

/** Why a policy of a chain, or a `jump`, installs nothing before policy chains (25.03), else null. */
function chainProblem(policy: RouterPolicy, b: OvnBehaviour): string | null {
  if (b.policyChains)
    return policy.action === 'jump' && !policy.jumpChain ? 'jump without a jump_chain' : null;
  if (policy.action === 'jump' || policy.chain !== '')
    return `policy chains and jump need OVN 25.03+ (this topology is OVN ${b.release})`;
  return null;
}

/** The router's policies by chain ('' = the default chain), each highest priority first. */
function compilePolicies(
  r: LogicalRouter,
  ports: readonly RouterPort[],
  refs: RefResolver,
  ignored: string[],
  b: OvnBehaviour,
): Map<string, CompiledPolicy[]> {
  const chains = new Map<string, CompiledPolicy[]>([['', []]]);
  const push = (p: CompiledPolicy) => {
    const l = chains.get(p.policy.chain);
    if (l) l.push(p);
    else chains.set(p.policy.chain, [p]);
  };
  for (const policy of [...r.policies].sort((a, b) => b.priority - a.priority)) {
    const chain = policy.chain ? ` (chain ${policy.chain})` : '';
    const what = `router policy priority ${policy.priority}${chain} on ${r.name} ignored`;
    const m = compileMatch(policy.match, refs);
    const problem = m.ok ? chainProblem(policy, b) : m.message;
    if (!m.ok || problem) {
      ignored.push(`${what}: ${problem}`);
      continue;
    }
    if (policy.action !== 'reroute') {
      push({ policy, match: m, targets: [] });
      continue;
    }
    // northd installs no flow for such a reroute: a packet then meets the next policy.
    const targets = rerouteTargets(ports, policy, b);
    if (targets) push({ policy, match: m, targets });
    else
      ignored.push(
        `${what}: no router port reaches next hop ${policy.nexthops.join(', ')} or the next hops mix IPv4 and IPv6 (OVN installs no flow)`,
      );
  }
  spreadEcmpPolicies(chains, b);
  return chains;
}

/** Why the router's NAT rules install no flow, when that is a property of the router. */
function natNotes(r: LogicalRouter, gateway: boolean, dgp: DgpInfo | null): readonly string[] {
  if (gateway || r.nat.length === 0) return [];
  if (!dgp)
    return [
      `NAT rules of router ${r.name} have no effect: OVN applies NAT only on a gateway router (options:chassis) or a router with a distributed gateway port`,
    ];
  return dgp.ignored;
}

function dnatIndexOf(nat: readonly Nat[]): Map<IpKey, Nat> {
  const out = new Map<IpKey, Nat>();
  for (const n of nat) {
    if (n.type === 'snat') continue;
    const k = ipKey(n.externalIp);
    if (!out.has(k)) out.set(k, n);
  }
  return out;
}

function compileRouter(
  t: Topology,
  r: LogicalRouter,
  refs: RefResolver,
  deps: unknown[],
  vipTables: Map<string, VipTable>,
  b: OvnBehaviour,
): CompiledRouter {
  const ports = r.ports.map((n) => t.routerPorts.get(n)).filter((p): p is RouterPort => !!p);
  const routes = compileRoutes(r, ports, b.globalSrcIpRouteInEveryTable);
  const ignored = [...routerUnmodelled(t, r), ...routes.ignored];
  const chains = compilePolicies(r, ports, refs, ignored, b);
  const policies = chains.get('')!;
  chains.delete('');
  const gateway = Boolean(r.options.chassis);
  const dgp = compileGatewayPorts(t, r, ports, gateway);
  ignored.push(...natNotes(r, gateway, dgp));
  const vipTable = vipsOf(t, r.loadBalancers, vipTables);
  const ownKeys = new Set<IpKey>();
  for (const p of ports) for (const n of p.networks) ownKeys.add(ipKey({ family: n.family, value: n.addr }));
  const inports = new Map<string, RouterInport>();
  for (const p of ports)
    inports.set(p.name, {
      component: `ingress(dp="${r.name}", inport="${p.name}")`,
      routes: routes.byInport.get(p.name) ?? routes.global,
    });
  return {
    router: r,
    deps,
    ports,
    routes,
    inports,
    policies,
    policyChains: chains,
    gateway,
    dgp,
    dnat: dnatIndexOf(r.nat),
    snat: r.nat.filter((n) => n.type !== 'dnat'),
    vips: vipTable.vips,
    vipIndex: vipTable.index,
    ownKeys,
    ignored,
  };
}

export interface CompileOptions {
  /** Compile every ACL match now; `problems` then lists those OVN would ignore. */
  readonly eager?: boolean;
  /** The network compiled for an earlier topology: parts with identical inputs are reused. */
  readonly previous?: CompiledNetwork;
}

/**
 * Compiles a topology. ACL matches compile lazily on first use unless `eager` (then every match is
 * compiled now and `problems` lists those OVN would ignore).
 */
export function compileNetwork(t: Topology, opts: CompileOptions = {}): CompiledNetwork {
  const started = performance.now();
  const behaviour = ovnBehaviour(t.ovn);
  // Parts compiled for another OVN release may differ (ACL tiers, ignored rejects, distributed NAT).
  const prev = opts.previous?.behaviour === behaviour ? opts.previous : undefined;
  const refs = topologyRefs(t);
  const cache = new AclCache(refs, t, prev);
  const vipTables = new Map<string, VipTable>();
  const reused = { switches: 0, routers: 0, acls: 0 };
  const switches = new Map<string, CompiledSwitch>();
  for (const sw of t.switches.values()) {
    const old = prev?.switches.get(sw.name);
    // A reused switch keeps its CompiledAcls: register them so the next compile can reuse them too.
    if (old && sameSwitchDeps(t, sw, old.deps) && adoptAll(t, sw, cache, prev!)) {
      switches.set(sw.name, old);
      reused.switches++;
    } else
      switches.set(
        sw.name,
        compileSwitch(t, sw, switchAcls(t, sw), switchDeps(t, sw), cache, vipTables, behaviour),
      );
  }
  const routers = new Map<string, CompiledRouter>();
  for (const r of t.routers.values()) {
    const deps = routerDeps(t, r);
    const old = prev?.routers.get(r.name);
    if (old && sameDeps(old.deps, deps)) {
      routers.set(r.name, old);
      reused.routers++;
    } else routers.set(r.name, compileRouter(t, r, refs, deps, vipTables, behaviour));
  }
  const problems: string[] = [];
  if (opts.eager) for (const c of cache.all()) if (!c.matcher()) problems.push(c.problem!);
  reused.acls = cache.reused;
  return {
    problems,
    topology: t,
    behaviour,
    switches,
    routers,
    defaultAclDrop: t.nbGlobal.options.default_acl_drop === 'true',
    compileMs: performance.now() - started,
    acls: cache.cache,
    reused,
    caches: { neighbours: new Map() },
  };
}

export type { SwitchPort };
export { CompiledAcl };
