// Port security as ovn-trace 23.03 evaluates check_in_port_sec() / check_out_port_sec(): the first
// entry whose MAC matches decides; an entry with no IPs allows any IP; IPv4 must equal one of the
// entry's IPv4 addresses exactly (ovn-trace compares the address, not the network), IPv6 one of its
// IPv6 addresses or the MAC's EUI-64 link-local address. Egress also admits broadcast/multicast.

import type { Flow } from '../../../ovn/expr/index.ts';
import { linkLocalFromMac } from '../../../ovn/net/addr.ts';
import type { SwitchPort } from '../../../ovn/topology/types.ts';
import type { CompiledPort } from '../compile/network.ts';
import { ETH_IP4, ETH_IP6, macValue } from '../packet.ts';

type Entry = CompiledPort['security'][number];

/** The port's entries with values instead of text (built once per compiled port). */
export function securityEntries(port: SwitchPort): Entry[] {
  return port.portSecurity.map((e) => ({
    mac: macValue(e.mac),
    any: e.nets.length === 0,
    v4: e.nets.filter((n) => n.family === 4).map((n) => Number(n.addr)),
    v6: e.nets.filter((n) => n.family === 6).map((n) => n.addr),
  }));
}

function entryFor(port: CompiledPort, mac: bigint): Entry | null {
  for (const e of port.security) if (e.mac === mac) return e;
  return null;
}

/** Null when allowed, else the reason the packet is dropped entering from `port`. */
export function ingressViolation(port: CompiledPort, f: Flow): string | null {
  if (port.security.length === 0) return null;
  const e = entryFor(port, f.ethSrc);
  if (!e) return 'source MAC is not allowed by port_security';
  if (e.any) return null;
  if (f.ethType === ETH_IP4) {
    if (e.v4.includes(f.ip4Src)) return null;
    const dhcp = f.ipProto === 17 && f.l4Src === 68 && f.l4Dst === 67 && f.ip4Src === 0;
    return dhcp && f.ip4Dst === 0xffffffff ? null : 'source IPv4 address is not allowed by port_security';
  }
  if (f.ethType === ETH_IP6) {
    const ok = e.v6.includes(f.ip6Src) || f.ip6Src === linkLocalFromMac(f.ethSrc);
    return ok ? null : 'source IPv6 address is not allowed by port_security';
  }
  return null;
}

/** Null when allowed, else the reason the packet is not delivered out of `port`. */
export function egressViolation(port: CompiledPort, f: Flow): string | null {
  if (port.security.length === 0) return null;
  if ((f.ethDst & 0x010000000000n) !== 0n) return null;
  const e = entryFor(port, f.ethDst);
  if (!e) return 'destination MAC is not allowed by port_security';
  if (e.any) return null;
  if (f.ethType === ETH_IP4) {
    const d = f.ip4Dst;
    // An entry with IPv6 addresses only admits no IPv4 at all, not even broadcast.
    const ok = e.v4.length > 0 && (e.v4.includes(d) || d === 0xffffffff || d >>> 28 === 0xe);
    return ok ? null : 'destination IPv4 address is not allowed by port_security';
  }
  if (f.ethType === ETH_IP6) {
    const six = e.v6;
    const ok =
      six.length > 0 &&
      (six.includes(f.ip6Dst) || f.ip6Dst === linkLocalFromMac(f.ethDst) || f.ip6Dst >> 120n === 0xffn);
    return ok ? null : 'destination IPv6 address is not allowed by port_security';
  }
  return null;
}
