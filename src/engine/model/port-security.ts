// Port security as ovn-trace 23.03 evaluates check_in_port_sec() / check_out_port_sec(): the first
// entry whose MAC matches decides; an entry with no IPs allows any IP; IPv4 must equal one of the
// entry's IPv4 addresses exactly (ovn-trace compares the address, not the network), IPv6 one of its
// IPv6 addresses or the MAC's EUI-64 link-local address. Egress also admits broadcast/multicast.

import type { Flow } from '../../ovn/expr/index.ts';
import { linkLocalFromMac } from '../../ovn/net/addr.ts';
import type { PortSecurityEntry, SwitchPort } from '../../ovn/topology/types.ts';
import { ETH_IP4, ETH_IP6, macValue } from './packet.ts';

const split = new WeakMap<PortSecurityEntry, { v4: bigint[]; v6: bigint[] }>();

function addrs(e: PortSecurityEntry): { v4: bigint[]; v6: bigint[] } {
  let a = split.get(e);
  if (!a) {
    a = {
      v4: e.nets.filter((n) => n.family === 4).map((n) => n.addr),
      v6: e.nets.filter((n) => n.family === 6).map((n) => n.addr),
    };
    split.set(e, a);
  }
  return a;
}
const v4s = (e: PortSecurityEntry): bigint[] => addrs(e).v4;
const v6s = (e: PortSecurityEntry): bigint[] => addrs(e).v6;

function entryFor(port: SwitchPort, mac: bigint): PortSecurityEntry | null {
  for (const e of port.portSecurity) if (macValue(e.mac) === mac) return e;
  return null;
}

/** Null when allowed, else the reason the packet is dropped entering from `port`. */
export function ingressViolation(port: SwitchPort, f: Flow): string | null {
  if (port.portSecurity.length === 0) return null;
  const e = entryFor(port, f.ethSrc);
  if (!e) return 'source MAC is not allowed by port_security';
  if (e.nets.length === 0) return null;
  if (f.ethType === ETH_IP4) {
    if (v4s(e).includes(BigInt(f.ip4Src))) return null;
    const dhcp = f.ipProto === 17 && f.l4Src === 68 && f.l4Dst === 67 && f.ip4Src === 0;
    return dhcp && f.ip4Dst === 0xffffffff ? null : 'source IPv4 address is not allowed by port_security';
  }
  if (f.ethType === ETH_IP6) {
    const ok = v6s(e).includes(f.ip6Src) || f.ip6Src === linkLocalFromMac(f.ethSrc);
    return ok ? null : 'source IPv6 address is not allowed by port_security';
  }
  return null;
}

/** Null when allowed, else the reason the packet is not delivered out of `port`. */
export function egressViolation(port: SwitchPort, f: Flow): string | null {
  if (port.portSecurity.length === 0) return null;
  if ((f.ethDst & 0x010000000000n) !== 0n) return null;
  const e = entryFor(port, f.ethDst);
  if (!e) return 'destination MAC is not allowed by port_security';
  if (e.nets.length === 0) return null;
  if (f.ethType === ETH_IP4) {
    const d = f.ip4Dst;
    const four = v4s(e);
    // An entry with IPv6 addresses only admits no IPv4 at all, not even broadcast.
    const ok = four.length > 0 && (four.includes(BigInt(d)) || d === 0xffffffff || d >>> 28 === 0xe);
    return ok ? null : 'destination IPv4 address is not allowed by port_security';
  }
  if (f.ethType === ETH_IP6) {
    const six = v6s(e);
    const ok =
      six.length > 0 &&
      (six.includes(f.ip6Dst) || f.ip6Dst === linkLocalFromMac(f.ethDst) || f.ip6Dst >> 120n === 0xffn);
    return ok ? null : 'destination IPv6 address is not allowed by port_security';
  }
  return null;
}
