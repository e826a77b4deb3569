// A seeded generator of small random OVN networks and packets for conformance against real ovn-trace:
// switches (dual-stack subnets), ports with and without port security and `unknown`, a router joining
// some switches, static routes (next hop, discard, src-ip), address sets, port groups, ACLs of every
// action and direction with generated matches, default_acl_drop, and in the `lb` round switch load
// balancers (one backend per VIP, so OVN's choice is deterministic) and gateway-router DNAT/SNAT.
// Also: a route table on one router port with its own routes, ECMP routes (judged against ovn-trace with
// each --select-id), and in the `lb` round a distributed router with a distributed gateway port and its
// NAT (snat, dnat, dnat_and_snat floating IPs, distributed or not) or a load balancer on the router.
// Optional features (GenFeatures, off by default; featuresOfBed() turns on what the bed's NB schema
// has): ACL tiers + `pass`, router policy chains (`jump`), LB affinity_timeout, hairpin requests (a
// backend to its own VIP), a NodePort LB on a gateway router's own address, and a localnet port beside
// distributed floating IPs. They draw from their own random stream, so with every feature off a seed
// gives exactly the case stream it always gave.

import type { TraceRequest } from '../../src/engine/types.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';

type Doc = SnapshotDoc;
type Acl = NonNullable<NonNullable<Doc['switches']>[number]['acls']>[number];

/** mulberry32: small, fast, good enough for test generation; the seed reproduces a case. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  subset<T>(xs: readonly T[], p: number): T[] {
    return xs.filter(() => this.chance(p));
  }
}

export interface GenPort {
  name: string;
  sw: number;
  mac: string;
  ip4: string;
  ip6: string | null;
  unknown: boolean;
}

/** Generator features beyond the 23.03 stream (all off: the original stream, seed for seed). */
export interface GenFeatures {
  /** ACL tiers 0..3 and the `pass` action (NB `ACL.tier`, 23.06+). */
  readonly tiers?: boolean;
  /** Router policy chains: `jump` to a named chain (NB `Logical_Router_Policy.chain`, 25.03+). */
  readonly chains?: boolean;
  /** LB `options:affinity_timeout` (session affinity). */
  readonly affinity?: boolean;
  /** Requests from a VIP's backend to that VIP (LB hairpin). */
  readonly hairpin?: boolean;
  /** A load balancer on a gateway router whose VIP is the router's own address (a NodePort). */
  readonly nodeport?: boolean;
  /** A localnet port beside the gateway port, so that distributed floating IPs are really distributed. */
  readonly localnet?: boolean;
}

export const NO_FEATURES: GenFeatures = {};
export const ALL_FEATURES: GenFeatures = {
  tiers: true,
  chains: true,
  affinity: true,
  hairpin: true,
  nodeport: true,
  localnet: true,
};

/** Every feature the bed's NB schema supports (by column presence, not by version number). */
export function featuresOfBed(tb: OvnTestbed): GenFeatures {
  const t = tb.nbSchema().tables;
  return {
    ...ALL_FEATURES,
    tiers: t.get('ACL')?.has('tier') ?? false,
    chains: t.get('Logical_Router_Policy')?.has('chain') ?? false,
  };
}

export interface GenNet {
  doc: Doc;
  ports: GenPort[];
  routed: number[];
  vips: { sw: number; ip: string; port: number; backend: GenPort }[];
  /** Extra destinations worth sending to: NAT external IPs, ECMP prefixes. */
  dsts: string[];
  /** The switch behind the distributed gateway port and the floating IPs' external MACs. */
  gateway: { sw: number; macs: Record<string, string> } | null;
  /** Whether some route is an ECMP member (ovn-trace then picks a member by --select-id). */
  ecmp: boolean;
  /** Classes of the network for reports (tagsOf): new features and known version differences. */
  tags: string[];
  features: GenFeatures;
  /** The features' own random stream (null with every feature off). */
  xr: Rng | null;
}

type Router = NonNullable<Doc['routers']>[number];
type Route = NonNullable<Router['static_routes']>[number];

const hex = (n: number) => n.toString(16).padStart(2, '0');
export const DPORTS = [22, 53, 80, 443, 3306, 8080];

function makePorts(rng: Rng, nSwitches: number): GenPort[] {
  const ports: GenPort[] = [];
  for (let s = 1; s <= nSwitches; s++) {
    const n = rng.int(2, 4);
    for (let i = 1; i <= n; i++) {
      ports.push({
        name: `s${s}p${i}`,
        sw: s,
        mac: `0a:00:00:00:${hex(s)}:${hex(i)}`,
        ip4: `10.${s}.0.${10 + i}`,
        ip6: rng.chance(0.6) ? `fd00:${s}::${(10 + i).toString(16)}` : null,
        unknown: rng.chance(0.15),
      });
    }
  }
  return ports;
}

function portSecurity(rng: Rng, p: GenPort): string[] {
  const r = rng.next();
  if (r < 0.35) return [];
  if (r < 0.5) return [p.mac];
  if (r < 0.8 || !p.ip6) return [`${p.mac} ${p.ip4}`];
  return rng.chance(0.5) ? [`${p.mac} ${p.ip4} ${p.ip6}`] : [`${p.mac} ${p.ip6}`];
}

function matchAtom(rng: Rng, dir: Acl['direction'], net: { ports: GenPort[]; groups: string[] }): string {
  const p = rng.pick(net.ports);
  const portField = dir === 'from-lport' ? 'inport' : 'outport';
  const atoms: (() => string)[] = [
    () => rng.pick(['ip4', 'ip6', 'ip', 'tcp', 'udp', 'icmp4', 'icmp6', 'icmp']),
    () => `tcp.dst == ${rng.pick(DPORTS)}`,
    () => `udp.dst == ${rng.pick(DPORTS)}`,
    () => `tcp.dst == {${rng.pick(DPORTS)}, ${rng.pick(DPORTS)}}`,
    () => `tcp.dst >= ${rng.pick([1, 80, 1024])} && tcp.dst <= ${rng.pick([443, 3306, 9000])}`,
    () => `ip4.src == ${p.ip4}`,
    () => `ip4.dst == ${p.ip4}`,
    () => `ip4.src == 10.${p.sw}.0.0/24`,
    () => `ip4.dst == 10.${rng.int(1, 3)}.0.0/16`,
    () => `ip4.src == $as1`,
    () => `ip4.dst == $as1`,
    () => (p.ip6 ? `ip6.dst == ${p.ip6}` : `ip6.src == fd00:${p.sw}::/64`),
    () => `${portField} == ${JSON.stringify(p.name)}`,
    () => `${portField} == {${JSON.stringify(p.name)}, ${JSON.stringify(rng.pick(net.ports).name)}}`,
    () => (net.groups.length ? `${portField} == @${rng.pick(net.groups)}` : 'ip4'),
    () => (net.groups.length ? `ip4.src == $${rng.pick(net.groups)}_ip4` : 'udp'),
    () => `!(tcp.dst == ${rng.pick(DPORTS)})`,
    () => `ip4.src != ${p.ip4}`,
    () => `eth.src == ${p.mac}`,
  ];
  return rng.pick(atoms)();
}

export function genMatch(
  rng: Rng,
  dir: Acl['direction'],
  net: { ports: GenPort[]; groups: string[] },
): string {
  const n = rng.int(1, 3);
  const parts = Array.from({ length: n }, () => matchAtom(rng, dir, net));
  if (n === 1) return parts[0]!;
  const op = rng.chance(0.75) ? ' && ' : ' || ';
  return parts.map((x) => `(${x})`).join(op);
}

function genAcls(
  rng: Rng,
  count: number,
  net: { ports: GenPort[]; groups: string[] },
  used: Set<number>,
): Acl[] {
  const out: Acl[] = [];
  for (let i = 0; i < count; i++) {
    let priority = rng.int(1000, 1200);
    while (used.has(priority)) priority++;
    used.add(priority);
    const direction = rng.chance(0.5) ? 'from-lport' : 'to-lport';
    out.push({
      name: `acl${priority}`,
      direction,
      priority,
      match: genMatch(rng, direction, net),
      action: rng.pick(['allow', 'allow-related', 'allow-stateless', 'drop', 'reject'] as const),
      ...(direction === 'from-lport' && rng.chance(0.1) ? { options: { 'apply-after-lb': 'true' } } : {}),
    });
  }
  return out;
}

function genPolicies(
  rng: Rng,
  routed: number[],
  ports: GenPort[],
): NonNullable<NonNullable<Doc['routers']>[number]['policies']> {
  const inside = ports.filter((p) => routed.includes(p.sw));
  return Array.from({ length: rng.int(1, 3) }, (_, i) => {
    const p = rng.pick(inside);
    const match = rng.pick([
      `ip4.src == ${p.ip4}`,
      `ip4.dst == 10.${p.sw}.0.0/24 && tcp.dst == ${rng.pick(DPORTS)}`,
      `ip4.dst == 172.16.0.0/16`,
      `inport == "r1-s${p.sw}" && udp`,
      'icmp4',
    ]);
    const action = rng.pick(['allow', 'drop', 'reroute'] as const);
    // Several next hops make an ECMP policy (lr_in_policy_ecmp, judged like ECMP routes).
    const nexthops =
      action === 'reroute'
        ? rng.chance(0.3)
          ? [...new Set([rng.pick(inside).ip4, rng.pick(['172.16.0.1', rng.pick(inside).ip4])])]
          : [rng.pick(inside).ip4]
        : undefined;
    return { priority: 100 + i * 10 + rng.int(0, 9), match, action, ...(nexthops ? { nexthops } : {}) };
  });
}

function genRouter(rng: Rng, net: GenNet, lb: boolean): void {
  const { doc, routed, ports } = net;
  const rports: Router['ports'] & object = routed.map((s) => ({
    name: `r1-s${s}`,
    mac: `0a:00:00:ff:00:${hex(s)}`,
    networks: [`10.${s}.0.1/24`, `fd00:${s}::1/64`],
  }));
  const gw = ports.filter((p) => routed.includes(p.sw) && p.unknown);
  const static_routes: NonNullable<NonNullable<Doc['routers']>[number]['static_routes']> = [];
  if (gw.length > 0) static_routes.push({ ip_prefix: '172.16.0.0/16', nexthop: rng.pick(gw).ip4 });
  if (rng.chance(0.4)) static_routes.push({ ip_prefix: '172.16.5.0/24', nexthop: 'discard' });
  if (rng.chance(0.3))
    static_routes.push({ ip_prefix: `10.${rng.pick(routed)}.0.128/25`, nexthop: 'discard' });
  if (rng.chance(0.3) && gw.length > 0)
    static_routes.push({
      ip_prefix: `10.${rng.pick(routed)}.0.0/24`,
      nexthop: rng.pick(gw).ip4,
      policy: 'src-ip',
    });
  if (rng.chance(0.3))
    static_routes.push({
      ip_prefix: 'fd99::/64',
      nexthop: gw.length > 0 && gw[0]!.ip6 ? gw[0]!.ip6 : 'discard',
    });
  const router: Router = { name: 'r1', ports: rports, static_routes };
  if (rng.chance(0.4)) router.policies = genPolicies(rng, routed, ports);
  if (router.policies?.some((p) => (p.nexthops?.length ?? 0) > 1)) net.ecmp = true;
  if (rng.chance(0.3)) addRouteTable(rng, router, routed, gw);
  const hops = ports.filter((p) => routed.includes(p.sw));
  if (rng.chance(0.3)) addEcmp(rng, net, router, rng.subset(hops, 0.5).slice(0, 2));
  if (lb && rng.chance(0.35)) {
    router.options = { chassis: 'hv1' };
    const inside = rng.pick(ports.filter((p) => routed.includes(p.sw)));
    // dnat + snat rather than dnat_and_snat: ovn-trace 23.03 stops at the argument-less ct_snat a
    // gateway router applies to traffic for a dnat_and_snat/snat external IP (ovn-trace.c
    // execute_ct_nat returns early), so such packets cannot be judged.
    router.nat = [
      { type: 'dnat', external_ip: '172.31.0.10', logical_ip: inside.ip4 },
      { type: 'snat', external_ip: '172.31.0.20', logical_ip: `10.${inside.sw}.0.0/24` },
    ];
  } else if (!lb) {
    if (rng.chance(0.25)) addGatewayPort(rng, net, router);
  } else {
    if (rng.chance(0.8)) addGatewayPort(rng, net, router);
    else if (rng.chance(0.3))
      // NAT on a router with neither options:chassis nor a gateway port: OVN installs no flow.
      router.nat = [{ type: 'dnat', external_ip: '172.31.0.10', logical_ip: rng.pick(ports).ip4 }];
    if (rng.chance(0.4)) addRouterLb(rng, net, router);
  }
  doc.routers = [router];
  for (const s of routed) {
    doc.switches![s - 1]!.ports!.push({
      name: `s${s}-r1`,
      type: 'router',
      addresses: ['router'],
      options: { 'router-port': `r1-s${s}` },
    });
  }
}

/** One random network; `lb` adds load balancers and NAT; `features` (with `seed`) adds the rest. */
export function genNetwork(
  rng: Rng,
  opts: { lb?: boolean; features?: GenFeatures; seed?: number } = {},
): GenNet {
  const nSw = rng.int(1, 3);
  const ports = makePorts(rng, nSw);
  const groups = rng.chance(0.6) ? ['pg1', 'pg2'].slice(0, rng.int(1, 2)) : [];
  const ctx = { ports, groups };
  const used = new Set<number>();
  const doc: Doc = {
    nb_global: { options: rng.chance(0.15) ? { default_acl_drop: 'true' } : {} },
    address_sets: [
      {
        name: 'as1',
        addresses: rng
          .subset(ports, 0.3)
          .map((p) => p.ip4)
          .concat(rng.chance(0.3) ? ['10.2.0.0/24'] : []),
      },
    ],
    port_groups: groups.map((g) => ({
      name: g,
      ports: rng.subset(ports, 0.35).map((p) => p.name),
      acls: genAcls(rng, rng.int(0, 3), ctx, used),
    })),
    switches: [],
  };
  for (let s = 1; s <= nSw; s++) {
    doc.switches!.push({
      name: `sw${s}`,
      ports: ports
        .filter((p) => p.sw === s)
        .map((p) => ({
          name: p.name,
          addresses: [`${p.mac} ${p.ip4}${p.ip6 ? ` ${p.ip6}` : ''}`, ...(p.unknown ? ['unknown'] : [])],
          port_security: portSecurity(rng, p),
          ...(rng.chance(0.04) ? { enabled: false } : {}),
        })),
      acls: genAcls(rng, rng.int(0, 4), ctx, used),
    });
  }
  const routed =
    nSw >= 2 || rng.chance(0.5)
      ? rng.subset(
          Array.from({ length: nSw }, (_, i) => i + 1),
          0.8,
        )
      : [];
  const features = opts.features ?? NO_FEATURES;
  const on = Object.values(features).some(Boolean);
  const net: GenNet = {
    doc,
    ports,
    routed,
    vips: [],
    dsts: [],
    gateway: null,
    ecmp: false,
    tags: [],
    features,
    xr: on ? new Rng(((opts.seed ?? 0) ^ 0x5bd1e995) >>> 0) : null,
  };
  if (routed.length > 0) genRouter(rng, net, opts.lb ?? false);
  if (opts.lb) addLoadBalancers(rng, doc, ports, net.vips);
  if (net.xr) addFeatures(net.xr, net);
  net.tags = tagsOf(net);
  return net;
}

/** One router port looks up routes in table `rtb` (global dst-ip routes then no longer apply to it). */
function addRouteTable(rng: Rng, router: Router, routed: number[], gw: GenPort[]): void {
  const s = rng.pick(routed);
  const port = router.ports!.find((p) => p.name === `r1-s${s}`)!;
  port.options = { route_table: 'rtb' };
  const hop = () => (gw.length > 0 ? rng.pick(gw).ip4 : 'discard');
  const routes: Route[] = [];
  if (rng.chance(0.6)) routes.push({ ip_prefix: '172.16.0.0/16', nexthop: hop(), route_table: 'rtb' });
  if (rng.chance(0.4)) routes.push({ ip_prefix: '0.0.0.0/0', nexthop: hop(), route_table: 'rtb' });
  if (rng.chance(0.4))
    routes.push({ ip_prefix: `10.${rng.pick(routed)}.0.0/25`, nexthop: 'discard', route_table: 'rtb' });
  if (rng.chance(0.3) && gw.length > 0)
    routes.push({ ip_prefix: `10.${s}.0.0/24`, nexthop: hop(), policy: 'src-ip', route_table: 'rtb' });
  // A table no port names: its routes never match.
  if (rng.chance(0.3)) routes.push({ ip_prefix: '172.16.1.0/24', nexthop: 'discard', route_table: 'unused' });
  router.static_routes!.push(...routes);
}

/** Two routes with one prefix and policy: an ECMP group (in the route table sometimes). */
function addEcmp(rng: Rng, net: GenNet, router: Router, gw: GenPort[]): void {
  if (gw.length < 2) return;
  const [a, b] = [gw[0]!, gw[1]!];
  const table = router.ports!.some((p) => p.options?.route_table) && rng.chance(0.3) ? 'rtb' : undefined;
  // By source sometimes: then it may share its group with the generator's other src-ip route.
  const bySource = rng.chance(0.3);
  const prefix = bySource ? `10.${rng.pick(net.routed)}.0.0/24` : '172.16.8.0/24';
  for (const g of [a, b])
    router.static_routes!.push({
      ip_prefix: prefix,
      nexthop: g.ip4,
      ...(bySource ? { policy: 'src-ip' as const } : {}),
      ...(table ? { route_table: table } : {}),
    });
  net.ecmp = true;
  net.dsts.push(bySource ? '172.16.9.9' : '172.16.8.5');
}

/**
 * A distributed gateway port (gateway_chassis) on one routed switch, OpenStack style: SNAT of another
 * routed subnet to the gateway port's address or another external IP, a floating IP (dnat_and_snat,
 * distributed with logical_port + external_mac or centralized) and sometimes a plain DNAT.
 */
function addGatewayPort(rng: Rng, net: GenNet, router: Router): void {
  const ext = rng.pick(net.routed);
  router.ports!.find((p) => p.name === `r1-s${ext}`)!.gateway_chassis = ['hv1'];
  const others = net.ports.filter((p) => p.sw !== ext && net.routed.includes(p.sw));
  // With one routed switch the floating IPs belong to hosts on the external switch itself.
  const inside = others.length > 0 ? others : net.ports.filter((p) => p.sw === ext);
  const e = (host: number) => `10.${ext}.0.${host}`;
  const nat: NonNullable<Router['nat']> = [];
  const macs: Record<string, string> = {};
  if (rng.chance(0.8)) {
    const snatIp = rng.chance(0.5) ? e(1) : e(200);
    nat.push({ type: 'snat', external_ip: snatIp, logical_ip: `10.${rng.pick(inside).sw}.0.0/24` });
    net.dsts.push(snatIp);
  }
  for (const [i, p] of rng.subset(inside, 0.5).slice(0, 2).entries()) {
    const fip = e(100 + i);
    const distributed = rng.chance(0.5);
    const mac = `0a:00:00:00:aa:${hex(i + 1)}`;
    nat.push({
      type: 'dnat_and_snat',
      external_ip: fip,
      logical_ip: p.ip4,
      ...(distributed ? { logical_port: p.name, external_mac: mac } : {}),
    });
    if (distributed) macs[fip] = mac;
    net.dsts.push(fip);
  }
  if (rng.chance(0.4)) {
    nat.push({ type: 'dnat', external_ip: e(110), logical_ip: rng.pick(net.ports).ip4 });
    net.dsts.push(e(110));
  }
  const ext2 = net.routed.find((s) => s !== ext);
  if (ext2 !== undefined && rng.chance(0.3)) addSecondGatewayPort(rng, net, router, nat, ext2);
  router.nat = nat;
  net.gateway = { sw: ext, macs };
}

/**
 * A second gateway port: NAT rules then bind by gateway_port or by the port whose network holds the
 * external IP, and a rule matching neither installs nothing.
 */
function addSecondGatewayPort(
  rng: Rng,
  net: GenNet,
  router: Router,
  nat: NonNullable<Router['nat']>,
  ext2: number,
) {
  router.ports!.find((p) => p.name === `r1-s${ext2}`)!.gateway_chassis = ['hv2'];
  const p = rng.pick(net.ports);
  if (rng.chance(0.5))
    nat.push({ type: 'dnat_and_snat', external_ip: `10.${ext2}.0.105`, logical_ip: p.ip4 });
  else
    nat.push({
      type: 'dnat_and_snat',
      external_ip: '172.30.0.5',
      logical_ip: p.ip4,
      gateway_port: `r1-s${ext2}`,
    });
  if (rng.chance(0.3))
    nat.push({ type: 'dnat', external_ip: '172.30.0.6', logical_ip: rng.pick(net.ports).ip4 });
  net.dsts.push(`10.${ext2}.0.105`, '172.30.0.5', '172.30.0.6');
}

/** A load balancer on the router itself (one backend, so ovn-trace's choice is known). */
function addRouterLb(rng: Rng, net: GenNet, router: Router): void {
  const backend = rng.pick(net.ports);
  const port = rng.pick([80, 443]);
  net.doc.load_balancers = [
    ...(net.doc.load_balancers ?? []),
    {
      name: 'rlb',
      protocol: 'tcp',
      vips: { [`10.8.0.100:${port}`]: `${backend.ip4}:${rng.pick([80, 8080])}` },
    },
  ];
  router.load_balancers = ['rlb'];
  net.vips.push({ sw: 0, ip: '10.8.0.100', port, backend });
}

function addLoadBalancers(rng: Rng, doc: Doc, ports: GenPort[], vips: GenNet['vips']): void {
  doc.load_balancers ??= [];
  doc.switches!.forEach((sw, i) => {
    if (!rng.chance(0.5)) return;
    const backend = rng.pick(ports);
    const ip = `10.9.${i + 1}.100`;
    const port = rng.pick([80, 443]);
    doc.load_balancers!.push({
      name: `lb${i + 1}`,
      protocol: 'tcp',
      vips: { [`${ip}:${port}`]: `${backend.ip4}:${rng.pick([80, 8080])}` },
    });
    sw.load_balancers = [`lb${i + 1}`];
    vips.push({ sw: i + 1, ip, port, backend });
  });
}

/** Random packets on a network: same switch, routed, external, router address, VIP, spoofed. */
export function genRequests(rng: Rng, net: GenNet, count: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (let i = 0; i < count; i++) {
    const src = rng.pick(net.ports);
    const protocol = rng.pick(['tcp', 'udp', 'icmp'] as const);
    const req: TraceRequest = { source_port: src.name, protocol };
    if (protocol !== 'icmp') {
      req.destination_port_num = rng.pick(DPORTS);
      req.source_port_num = rng.int(1024, 65535);
    }
    // Gateway NAT and ECMP destinations get a share of their own, or they would be rare.
    const kind = net.dsts.length > 0 && rng.chance(0.25) ? -1 : rng.next();
    const dst = rng.pick(net.ports.filter((p) => p !== src).concat(net.ports.length === 1 ? [src] : []));
    const v6 = src.ip6 && dst.ip6 && rng.chance(0.3);
    if (kind < 0) req.destination_ip = rng.pick(net.dsts);
    else if (kind < 0.65) req.destination_ip = v6 ? dst.ip6! : dst.ip4;
    else if (kind < 0.75)
      req.destination_ip = rng.pick(
        net.dsts.length > 0 && rng.chance(0.6)
          ? net.dsts
          : ['172.16.1.9', '172.16.5.7', '8.8.8.8', '172.31.0.10'],
      );
    else if (kind < 0.82 && net.routed.includes(src.sw)) req.destination_ip = `10.${src.sw}.0.1`;
    else if (kind < 0.92 && net.vips.length > 0) {
      const v = rng.pick(net.vips);
      req.destination_ip = v.ip;
      req.protocol = 'tcp';
      req.destination_port_num = rng.chance(0.8) ? v.port : 22;
      req.source_port_num = rng.int(1024, 65535);
    } else req.destination_ip = dst.ip4;
    if (rng.chance(0.12))
      req.source_ip = req.destination_ip?.includes(':') ? `fd00:${src.sw}::99` : `10.${src.sw}.0.99`;
    if (rng.chance(0.08)) req.source_mac = '0a:00:00:00:ee:ee';
    if (rng.chance(0.05)) req.destination_mac = '0a:00:00:00:dd:dd';
    // From the gateway port's switch, a distributed floating IP is reached at its external_mac.
    const fipMac = net.gateway?.macs[req.destination_ip ?? ''];
    if (fipMac && src.sw === net.gateway!.sw && rng.chance(0.5)) req.destination_mac = fipMac;
    if (net.xr) featureRequest(net.xr, net, req);
    out.push(req);
  }
  return out;
}

type AclWithTier = Acl & { tier?: number };
type Policy = NonNullable<Router['policies']>[number] & { chain?: string; jump_chain?: string };

/**
 * The optional features, drawn from their own stream `xr`. Newer NB columns (ACL tier, policy chain /
 * jump_chain, the `pass` and `jump` actions) are set as extra keys: the snapshot schema of this branch
 * may not name them yet, and nbTransaction writes them only when present (schema 7.0.0 has none).
 */
function addFeatures(xr: Rng, net: GenNet): void {
  const f = net.features;
  if (f.tiers) addTiers(xr, net);
  const router = net.doc.routers?.[0];
  if (router && f.chains && xr.chance(0.5)) addPolicyChain(xr, net, router);
  if (f.affinity)
    for (const lb of net.doc.load_balancers ?? [])
      if (xr.chance(0.4)) lb.options = { ...lb.options, affinity_timeout: String(xr.pick([1, 60, 600])) };
  if (router?.options?.chassis && f.nodeport && xr.chance(0.9)) addNodePort(xr, net, router);
  if (net.gateway && f.localnet && xr.chance(0.5)) {
    net.doc.switches![net.gateway.sw - 1]!.ports!.push({
      name: `ln-s${net.gateway.sw}`,
      type: 'localnet',
      addresses: ['unknown'],
      options: { network_name: 'physnet1' },
    });
  }
}

/** Tiers 0..3 on every ACL (ovn-kubernetes uses 1 ANP, 2 NetworkPolicy, 3 BANP) and some `pass`. */
function addTiers(xr: Rng, net: GenNet): void {
  const acls = [
    ...(net.doc.port_groups ?? []).flatMap((g) => g.acls ?? []),
    ...(net.doc.switches ?? []).flatMap((s) => s.acls ?? []),
  ] as AclWithTier[];
  if (acls.length === 0 || !xr.chance(0.7)) return;
  for (const a of acls) {
    a.tier = xr.int(0, 3);
    if (xr.chance(0.25)) Object.assign(a, { action: 'pass' });
  }
}

/** A `jump` from the default chain to chain `c1`, whose policies allow, drop or reroute. */
function addPolicyChain(xr: Rng, net: GenNet, router: Router): void {
  const inside = net.ports.filter((p) => net.routed.includes(p.sw));
  const s = xr.pick(net.routed);
  const policies = (router.policies ?? []) as Policy[];
  policies.push({
    priority: 500 + xr.int(0, 9),
    match: xr.pick([`ip4.src == 10.${s}.0.0/24`, 'tcp', 'ip4.dst == 172.16.0.0/16', 'ip4']),
    action: 'jump' as Policy['action'],
    jump_chain: 'c1',
  });
  for (let i = 0; i < xr.int(1, 3); i++) {
    const action = xr.pick(['allow', 'drop', 'reroute'] as const);
    policies.push({
      chain: 'c1',
      priority: 100 + i * 10 + xr.int(0, 9),
      match: xr.pick([
        `tcp.dst == ${xr.pick(DPORTS)}`,
        `ip4.dst == 10.${xr.pick(net.routed)}.0.0/24`,
        'udp',
        'icmp4',
        `ip4.src == ${xr.pick(inside).ip4}`,
      ]),
      action,
      ...(action === 'reroute' ? { nexthops: [xr.pick(inside).ip4] } : {}),
    });
  }
  router.policies = policies;
}

/** A NodePort: a gateway router's LB whose VIP is the router's own address on one of its ports. */
function addNodePort(xr: Rng, net: GenNet, router: Router): void {
  const s = xr.pick(net.routed);
  const ip = `10.${s}.0.1`;
  const backend = xr.pick(net.ports);
  const port = 30080;
  net.doc.load_balancers = [
    ...(net.doc.load_balancers ?? []),
    {
      name: 'nodeport',
      protocol: 'tcp',
      vips: { [`${ip}:${port}`]: `${backend.ip4}:${xr.pick([80, 8080])}` },
    },
  ];
  router.load_balancers = [...(router.load_balancers ?? []), 'nodeport'];
  net.vips.push({ sw: 0, ip, port, backend });
}

/** Sometimes aims a request at a feature: a NodePort VIP, or a VIP from its own backend (hairpin). */
function featureRequest(xr: Rng, net: GenNet, req: TraceRequest): void {
  const nodeport = net.doc.load_balancers?.find((l) => l.name === 'nodeport');
  if (nodeport && xr.chance(0.25)) {
    const vip = Object.keys(nodeport.vips ?? {})[0]!;
    toVip(xr, req, vip.slice(0, vip.lastIndexOf(':')), Number(vip.slice(vip.lastIndexOf(':') + 1)));
    return;
  }
  const vips = net.vips.filter((v) => v.sw > 0);
  if (!net.features.hairpin || vips.length === 0 || !xr.chance(0.15)) return;
  const v = xr.pick(vips);
  req.source_port = v.backend.name;
  toVip(xr, req, v.ip, v.port);
}

function toVip(xr: Rng, req: TraceRequest, ip: string, port: number): void {
  req.destination_ip = ip;
  req.protocol = 'tcp';
  req.destination_port_num = port;
  req.source_port_num = xr.int(1024, 65535);
  delete req.source_ip;
  delete req.source_mac;
  delete req.destination_mac;
}

/**
 * The classes a network belongs to, for reports: the optional features it uses and the shapes whose
 * behaviour is known to change between releases (DESIGN.md §3a). 'base' when none applies.
 */
export function tagsOf(net: GenNet): string[] {
  const tags = new Set<string>();
  const { doc } = net;
  const acls = [
    ...(doc.port_groups ?? []).flatMap((g) => g.acls ?? []),
    ...(doc.switches ?? []).flatMap((s) => s.acls ?? []),
  ] as AclWithTier[];
  if (acls.some((a) => (a.tier ?? 0) > 0)) tags.add('tiers');
  if (acls.some((a) => (a.action as string) === 'pass')) tags.add('pass');
  if (acls.some((a) => a.action === 'reject' && a.match.includes(') || ('))) tags.add('reject-or');
  if (doc.nb_global?.options?.default_acl_drop === 'true') {
    const pgAcls = (doc.port_groups ?? []).some((g) => (g.acls?.length ?? 0) > 0);
    if ((doc.switches ?? []).some((s) => s.load_balancers?.length && !s.acls?.length && !pgAcls))
      tags.add('default-drop-lb-only');
  }
  const routers = doc.routers ?? [];
  if (routers.some((r) => (r.policies as Policy[] | undefined)?.some((p) => p.jump_chain))) tags.add('chain');
  if (net.gateway && Object.keys(net.gateway.macs).length > 0) {
    const sw = doc.switches![net.gateway.sw - 1]!;
    tags.add(sw.ports!.some((p) => p.type === 'localnet') ? 'fip-localnet' : 'fip-no-localnet');
  }
  return tags.size > 0 ? [...tags].sort() : ['base'];
}

/**
 * The classes of one case: its network's (tagsOf) plus what the packet itself does: `hairpin` (a
 * backend to its own VIP), `affinity` (to a VIP of a load balancer with affinity_timeout), `nodeport`.
 */
export function caseTags(net: GenNet, req: TraceRequest): string[] {
  const tags = new Set(net.tags.filter((t) => t !== 'base'));
  const key = `${req.destination_ip}:${req.destination_port_num}`;
  const lb = (net.doc.load_balancers ?? []).find((l) => l.vips?.[key] !== undefined);
  if (lb && req.protocol === 'tcp') {
    if (lb.options?.affinity_timeout) tags.add('affinity');
    if (lb.name === 'nodeport') tags.add('nodeport');
    const v = net.vips.find((x) => x.ip === req.destination_ip && x.port === req.destination_port_num);
    if (v && v.backend.name === req.source_port) tags.add('hairpin');
  }
  return tags.size > 0 ? [...tags].sort() : ['base'];
}
