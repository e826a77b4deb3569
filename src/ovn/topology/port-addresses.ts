// The MAC/IP pairs a logical port answers to, looked up by name or UUID: the data behind
// GET /api/v1/trace/ports/:port/addresses. A switch port contributes its static `addresses`, its IPAM
// `dynamic_addresses`, and, for a router-type port (`addresses: router`), the networks of the peer
// router port; a logical router port is accepted too and contributes its own networks.

import { formatIp, type IpAddr } from '../net/addr.ts';
import type { PortAddress, RouterPort, SwitchPort, Topology } from './types.ts';

export interface MacIpPair {
  readonly mac: string | null;
  readonly ip: string | null;
}

export interface PortAddresses {
  readonly port_id: string;
  readonly port_name: string;
  /** The NB type: '' (a VM/container interface) is reported as 'vif'; a router port as 'router_port'. */
  readonly type: string;
  readonly addresses: readonly MacIpPair[];
}

function pairsOf(mac: string, ips: readonly IpAddr[]): MacIpPair[] {
  return ips.length === 0 ? [{ mac, ip: null }] : ips.map((ip) => ({ mac, ip: formatIp(ip) }));
}

function routerPortPairs(rp: RouterPort): MacIpPair[] {
  return pairsOf(
    rp.mac,
    rp.networks.map((n) => ({ family: n.family, value: n.addr })),
  );
}

function switchPortPairs(t: Topology, p: SwitchPort): MacIpPair[] {
  const entries: PortAddress[] = [...p.addresses, ...(p.dynamicAddresses ? [p.dynamicAddresses] : [])];
  const out: MacIpPair[] = [];
  for (const a of entries) {
    if (a.kind === 'static') out.push(...pairsOf(a.mac, a.ips));
    if (a.kind === 'router') {
      const rp = t.routerPorts.get(p.options['router-port'] ?? '');
      if (rp) out.push(...routerPortPairs(rp));
    }
  }
  return dedupe(out);
}

function dedupe(pairs: MacIpPair[]): MacIpPair[] {
  const seen = new Set<string>();
  return pairs.filter((x) => {
    const k = `${x.mac}|${x.ip}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Finds a switch port (first) or router port by name or UUID; null when neither exists. */
export function portAddresses(t: Topology, nameOrUuid: string): PortAddresses | null {
  const key = nameOrUuid.trim();
  const sp = t.ports.get(key) ?? t.index.portByUuid.get(key.toLowerCase());
  if (sp) {
    return {
      port_id: sp.uuid,
      port_name: sp.name,
      type: sp.type === '' ? 'vif' : sp.type,
      addresses: switchPortPairs(t, sp),
    };
  }
  const rp = t.routerPorts.get(key) ?? t.index.routerPortByUuid.get(key.toLowerCase());
  if (!rp) return null;
  return { port_id: rp.uuid, port_name: rp.name, type: 'router_port', addresses: routerPortPairs(rp) };
}

/**
 * The first IPv4 (else IPv6) address of a port, for analyses that need one destination address;
 * with `families`, only addresses of those families count.
 */
export function primaryIp(t: Topology, nameOrUuid: string, families?: ReadonlySet<4 | 6>): string | null {
  const ips = portIps(t, nameOrUuid).filter((ip) => !families || families.has(familyOf(ip)));
  return ips.find((ip) => familyOf(ip) === 4) ?? ips[0] ?? null;
}

/** Every IP of a port (text), in the order of portAddresses. */
export function portIps(t: Topology, nameOrUuid: string): string[] {
  const found = portAddresses(t, nameOrUuid);
  return (found?.addresses ?? []).map((a) => a.ip).filter((ip): ip is string => ip !== null);
}

/** Address family of an IP as written (an IPv6 text always holds a colon). */
export function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}
