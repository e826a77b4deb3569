// A seeded generator of small random OVN networks and packets for conformance against real ovn-trace:
// switches (dual-stack subnets), ports with and without port security and `unknown`, a router joining
// some switches, static routes (next hop, discard, src-ip), address sets, port groups, ACLs of every
// action and direction with generated matches, default_acl_drop, and in the `lb` round switch load
// balancers (one backend per VIP, so OVN's choice is deterministic) and gateway-router DNAT/SNAT.

import type { TraceRequest } from '../../src/engine/types.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';

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

export interface GenNet {
  doc: Doc;
  ports: GenPort[];
  routed: number[];
  vips: { sw: number; ip: string; port: number; backend: GenPort }[];
}

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
    const nexthops = action === 'reroute' ? [rng.pick(inside).ip4] : undefined;
    return { priority: 100 + i * 10 + rng.int(0, 9), match, action, ...(nexthops ? { nexthops } : {}) };
  });
}

function genRouter(rng: Rng, doc: Doc, routed: number[], ports: GenPort[], lb: boolean): void {
  const rports = routed.map((s) => ({
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
  const router: NonNullable<Doc['routers']>[number] = { name: 'r1', ports: rports, static_routes };
  if (rng.chance(0.4)) router.policies = genPolicies(rng, routed, ports);
  if (lb && rng.chance(0.5)) {
    router.options = { chassis: 'hv1' };
    const inside = rng.pick(ports.filter((p) => routed.includes(p.sw)));
    // dnat + snat rather than dnat_and_snat: ovn-trace 23.03 stops at the argument-less ct_snat a
    // gateway router applies to traffic for a dnat_and_snat/snat external IP (ovn-trace.c
    // execute_ct_nat returns early), so such packets cannot be judged.
    router.nat = [
      { type: 'dnat', external_ip: '172.31.0.10', logical_ip: inside.ip4 },
      { type: 'snat', external_ip: '172.31.0.20', logical_ip: `10.${inside.sw}.0.0/24` },
    ];
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

/** One random network; `lb` adds load balancers and NAT. */
export function genNetwork(rng: Rng, opts: { lb?: boolean } = {}): GenNet {
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
  if (routed.length > 0) genRouter(rng, doc, routed, ports, opts.lb ?? false);
  const vips: GenNet['vips'] = [];
  if (opts.lb) addLoadBalancers(rng, doc, ports, vips);
  return { doc, ports, routed, vips };
}

function addLoadBalancers(rng: Rng, doc: Doc, ports: GenPort[], vips: GenNet['vips']): void {
  doc.load_balancers = [];
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
    const kind = rng.next();
    const dst = rng.pick(net.ports.filter((p) => p !== src).concat(net.ports.length === 1 ? [src] : []));
    const v6 = src.ip6 && dst.ip6 && rng.chance(0.3);
    if (kind < 0.65) req.destination_ip = v6 ? dst.ip6! : dst.ip4;
    else if (kind < 0.75)
      req.destination_ip = rng.pick(['172.16.1.9', '172.16.5.7', '8.8.8.8', '172.31.0.10']);
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
    out.push(req);
  }
  return out;
}
