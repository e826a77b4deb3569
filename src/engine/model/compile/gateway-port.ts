// NAT on a distributed logical router with a distributed gateway port (DGP: a router port with
// gateway_chassis or an HA chassis group, which gets a `cr-<port>` chassisredirect port), as
// ovn-northd 23.03 builds it and ovn-trace 23.03 runs it. ovn-trace treats every existing port as
// chassis-resident, so every `is_chassis_resident(...)`-gated flow applies and the redirect to the
// cr- port never shows; what remains visible:
// - DNAT (dnat, dnat_and_snat) only for packets entering on the NAT's gateway port (lr_in_dnat);
// - SNAT (snat, dnat_and_snat) only for packets leaving by the NAT's gateway port (lr_out_snat),
//   longest logical_ip first; a distributed floating IP (dnat_and_snat with logical_port and
//   external_mac) also rewrites eth.src to its external_mac;
// - admission of eth.dst = external_mac on the gateway port, and the switch behind the gateway port
//   forwarding external_mac to the router (so the floating IP answers with its own MAC);
// - routing to a NAT external IP out of the gateway port resolves to the external_mac (distributed)
//   or the gateway port's MAC, and a clone of the packet loops back into the router ingress at the
//   gateway port (lr_out_egr_loop) where DNAT applies: east-west traffic to a floating IP;
// - such a packet that came in on the gateway port itself is dropped (lr_in_arp_resolve, no loop).
// NAT on a router with neither options:chassis nor a DGP installs no flow at all.
// From 25.03 (ovn-version.ts distributedNatNeedsLocalnet) a router's lone gateway port whose switch has
// no localnet port is centralized: its floating IPs are not distributed (external_mac not admitted by
// the router, though the switch still sends it there).

import { formatIp, type IpAddr, parseMac } from '../../../ovn/net/addr.ts';
import type { LogicalRouter, Nat, RouterPort, Topology } from '../../../ovn/topology/types.ts';
import { ovnBehaviour } from '../../ovn-version.ts';
import { inCidr } from '../packet.ts';

export interface DgpNat {
  readonly nat: Nat;
  /** The gateway port the rule is bound to (gateway_port, or the only / the matching DGP). */
  readonly dgp: RouterPort;
  /** A distributed floating IP: dnat_and_snat with logical_port and external_mac. */
  readonly distributed: boolean;
  /** external_mac as a value when distributed. */
  readonly mac: bigint | null;
}

export interface DgpInfo {
  readonly dgps: readonly RouterPort[];
  readonly nats: readonly DgpNat[];
  /** Why some NAT rules install no flow. */
  readonly ignored: readonly string[];
}

export const isDgp = (p: RouterPort): boolean => p.gatewayChassis.length > 0;

const sameIp = (a: IpAddr, b: IpAddr) => a.family === b.family && a.value === b.value;
const fullLength = (n: Nat) => n.logicalIp.prefix === (n.logicalIp.family === 4 ? 32 : 128);

/** The gateway port a NAT rule binds to, or why it installs nothing (lrouter_check_nat_entry). */
function bindNat(r: LogicalRouter, dgps: readonly RouterPort[], n: Nat): RouterPort | string {
  if (n.gatewayPort) {
    const p = dgps.find((d) => d.name === n.gatewayPort);
    return p ?? `gateway_port ${n.gatewayPort} is not a distributed gateway port of ${r.name}`;
  }
  if (dgps.length === 1) return dgps[0]!;
  const p = dgps.find((d) => d.networks.some((c) => inCidr(c, n.externalIp)));
  return p ?? `no distributed gateway port of ${r.name} has a network with the external IP`;
}

/**
 * The router's gateway-port NAT, or null for a gateway router (options:chassis) or a router without a
 * DGP. Compiled once with the router (network.ts); traces read CompiledRouter.dgp.
 */
export function compileGatewayPorts(
  t: Topology,
  r: LogicalRouter,
  ports: readonly RouterPort[],
  gateway: boolean,
): DgpInfo | null {
  // A gateway router's ports are never DGPs (northd logs "Bad configuration" and skips them).
  if (gateway) return null;
  const dgps = ports.filter(isDgp);
  if (dgps.length === 0) return null;
  const nats: DgpNat[] = [];
  const ignored: string[] = [];
  for (const nat of r.nat) {
    const what = `NAT ${nat.type} ${formatIp(nat.externalIp)} on ${r.name}`;
    if (nat.type !== 'snat' && !fullLength(nat)) {
      ignored.push(`${what} ignored: logical_ip of a ${nat.type} must be one address`);
      continue;
    }
    const dgp = bindNat(r, dgps, nat);
    if (typeof dgp === 'string') {
      ignored.push(`${what} ignored: ${dgp}`);
      continue;
    }
    const distributed = isDistributedNat(t, nat, dgp);
    const mac = distributed ? parseMac(nat.externalMac!) : null;
    nats.push({ nat, dgp, distributed, mac });
  }
  return { dgps, nats, ignored };
}

/** True when the switch behind router port `lrp` has a localnet port. */
function peerHasLocalnet(t: Topology, lrp: RouterPort): boolean {
  const lsp = t.ports.get(t.index.switchPortByRouterPort.get(lrp.name) ?? '');
  const sw = lsp ? t.switches.get(lsp.switchName) : undefined;
  return sw?.ports.some((p) => t.ports.get(p)?.type === 'localnet') ?? false;
}

/** True when `lrp` is the only distributed gateway port of its router. */
function loneDgp(t: Topology, lrp: RouterPort): boolean {
  const r = t.routers.get(lrp.routerName);
  const dgps = (r?.ports ?? []).filter((pn) => {
    const p = t.routerPorts.get(pn);
    return p !== undefined && isDgp(p);
  });
  return dgps.length <= 1;
}

/**
 * A floating IP is distributed (answered with its external_mac where the VM runs) when it is a
 * dnat_and_snat with logical_port and external_mac, and, from 25.03, its gateway port is not
 * centralized: northd centralizes the router's lone gateway port whose switch has no localnet port
 * (measured: the external MAC is then dropped); a router with several gateway ports keeps them all
 * distributed (measured on 25.03 through the lflow engine, network seed 20359).
 */
function isDistributedNat(t: Topology, n: Nat, dgp: RouterPort): boolean {
  if (!hasFloatingMac(n)) return false;
  return !ovnBehaviour(t.ovn).distributedNatNeedsLocalnet || peerHasLocalnet(t, dgp) || !loneDgp(t, dgp);
}

/** A floating IP with its own MAC: dnat_and_snat with logical_port and external_mac. */
function hasFloatingMac(n: Nat): boolean {
  return n.type === 'dnat_and_snat' && !!n.logicalPort && !!n.externalMac;
}

/** lr_in_admission: eth.dst = external_mac of a distributed floating IP on this gateway port. */
export function admitsNatMac(d: DgpInfo, lrp: RouterPort, ethDst: bigint): boolean {
  return d.nats.some((n) => n.distributed && n.dgp === lrp && n.mac === ethDst);
}

/** lr_in_ip_input priority 120: a snat external IP as source on its gateway port is not a martian. */
export function snatSourceAllowed(d: DgpInfo, lrp: RouterPort, src: IpAddr): boolean {
  return d.nats.some((n) => n.nat.type === 'snat' && n.dgp === lrp && sameIp(n.nat.externalIp, src));
}

/** lr_in_dnat: the rule that DNATs a packet entering on `inport` to `dst`. */
export function dnatRule(d: DgpInfo, inport: string, dst: IpAddr): DgpNat | null {
  for (const n of d.nats)
    if (n.nat.type !== 'snat' && n.dgp.name === inport && sameIp(n.nat.externalIp, dst)) return n;
  return null;
}

/**
 * lr_in_arp_resolve for a next hop that is a NAT external IP behind gateway port `out`: 'drop' when the
 * packet also came in there (priority 150), else the MAC to use (priority 100), or null (no such NAT).
 */
export function natNextHop(d: DgpInfo, inport: string, out: RouterPort, nh: IpAddr): 'drop' | string | null {
  // northd keeps the first rule per external IP.
  const n = d.nats.find((x) => x.dgp === out && sameIp(x.nat.externalIp, nh));
  if (!n) return null;
  if (inport === out.name) return 'drop';
  return n.distributed ? n.nat.externalMac! : out.mac;
}

/** lr_in_gw_redirect: a distributed floating IP's own traffic leaves with its external_mac. */
export function floatingSourceMac(d: DgpInfo, out: RouterPort, src: IpAddr): bigint | null {
  for (const n of d.nats) if (n.distributed && n.dgp === out && inCidr(n.nat.logicalIp, src)) return n.mac;
  return null;
}

/** lr_out_snat: the longest-prefix snat / dnat_and_snat rule for a source leaving by `out`. */
export function snatRuleFor(d: DgpInfo, out: RouterPort, src: IpAddr): DgpNat | null {
  let best: DgpNat | null = null;
  for (const n of d.nats) {
    if (n.nat.type === 'dnat' || n.dgp !== out || n.nat.externalIp.family !== src.family) continue;
    if (!inCidr(n.nat.logicalIp, src)) continue;
    if (!best || n.nat.logicalIp.prefix > best.nat.logicalIp.prefix) best = n;
  }
  return best;
}

/** lr_out_egr_loop: a packet leaving by `out` to one of its NAT external IPs loops back in. */
export function loopsBack(d: DgpInfo, out: RouterPort, dst: IpAddr): boolean {
  return d.nats.some((n) => n.dgp === out && sameIp(n.nat.externalIp, dst));
}

/** Where a switch's L2 lookup sends a distributed floating IP's external_mac. */
export interface NatMacTarget {
  readonly targets: readonly string[];
  readonly how: string;
}

const macCache = new WeakMap<Topology, Map<string, Map<bigint, NatMacTarget>>>();

/**
 * The switch behind a gateway port forwards every distributed floating IP's external_mac to its router
 * port (ls_in_l2_lkup, gated by is_chassis_resident(logical_port), which ovn-trace takes as true).
 * Looked up only when the MAC is not a port's own; built once per topology and switch.
 */
export function natMacTarget(t: Topology, switchName: string, mac: bigint): NatMacTarget | undefined {
  let perSwitch = macCache.get(t);
  if (!perSwitch) macCache.set(t, (perSwitch = new Map()));
  let m = perSwitch.get(switchName);
  if (!m) perSwitch.set(switchName, (m = natMacsOnSwitch(t, switchName)));
  return m.get(mac);
}

function natMacsOnSwitch(t: Topology, switchName: string): Map<bigint, NatMacTarget> {
  const out = new Map<bigint, NatMacTarget>();
  for (const pn of t.switches.get(switchName)?.ports ?? []) {
    const p = t.ports.get(pn);
    if (p?.type !== 'router') continue;
    const rp = t.routerPorts.get(p.options['router-port'] ?? '');
    const r = rp ? t.routers.get(rp.routerName) : undefined;
    if (!rp || !r || !isDgp(rp) || r.options.chassis) continue;
    for (const n of r.nat) {
      // Every floating IP with an external_mac, distributed or not: from 25.03 northd keeps this flow
      // when it centralizes the gateway port (no localnet), and the router then drops the MAC at
      // admission (measured on 25.03 and 26.03, conformance seeds 440001 and 777161).
      if (!hasFloatingMac(n)) continue;
      const mac = parseMac(n.externalMac!);
      if (mac === null || out.has(mac)) continue;
      const how = `forward to router port ${pn} for floating IP ${formatIp(n.externalIp)} (external_mac ${n.externalMac} of ${n.logicalPort})`;
      out.set(mac, { targets: [pn], how });
    }
  }
  return out;
}
