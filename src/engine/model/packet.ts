// The microflow a model trace starts with (built from a resolved request) and small accessors that
// read or rewrite its addresses whatever the IP family, so pipeline code stays family-agnostic.

import { emptyFlow, type Flow } from '../../ovn/expr/index.ts';
import { type Cidr, formatIp, type IpAddr, parseMac } from '../../ovn/net/addr.ts';
import type { ResolvedRequest } from '../types.ts';
import { maskOf } from './compile.ts';

export const ETH_IP4 = 0x0800;
export const ETH_IP6 = 0x86dd;
const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;

export function initialFlow(r: ResolvedRequest): Flow {
  const f = emptyFlow();
  f.inport = r.sourcePort;
  f.ethSrc = parseMac(r.srcMac) ?? 0n;
  f.ethDst = parseMac(r.dstMac) ?? 0n;
  f.ipTtl = 64;
  if (r.srcIp.family === 4) {
    f.ethType = ETH_IP4;
    f.ip4Src = Number(r.srcIp.value);
    f.ip4Dst = Number(r.dstIp.value);
  } else {
    f.ethType = ETH_IP6;
    f.ip6Src = r.srcIp.value;
    f.ip6Dst = r.dstIp.value;
  }
  if (r.protocol === 'icmp') {
    f.ipProto = r.srcIp.family === 4 ? 1 : 58;
    // An echo request: what "ping" sends.
    f.icmpType = r.srcIp.family === 4 ? 8 : 128;
  } else {
    f.ipProto = PROTO[r.protocol];
    f.l4Src = r.srcPortNum;
    f.l4Dst = r.dstPortNum;
  }
  return f;
}

export const isIp = (f: Flow): boolean => f.ethType === ETH_IP4 || f.ethType === ETH_IP6;
export const family = (f: Flow): 4 | 6 => (f.ethType === ETH_IP6 ? 6 : 4);

export function srcIp(f: Flow): IpAddr {
  return f.ethType === ETH_IP6 ? { family: 6, value: f.ip6Src } : { family: 4, value: BigInt(f.ip4Src) };
}

export function dstIp(f: Flow): IpAddr {
  return f.ethType === ETH_IP6 ? { family: 6, value: f.ip6Dst } : { family: 4, value: BigInt(f.ip4Dst) };
}

export function setDstIp(f: Flow, ip: IpAddr): void {
  if (ip.family === 6) f.ip6Dst = ip.value;
  else f.ip4Dst = Number(ip.value);
}

export function setSrcIp(f: Flow, ip: IpAddr): void {
  if (ip.family === 6) f.ip6Src = ip.value;
  else f.ip4Src = Number(ip.value);
}

export function inCidr(c: Cidr, ip: IpAddr): boolean {
  return c.family === ip.family && (ip.value & maskOf(c)) === c.network;
}

export const ipText = formatIp;

const macValues = new Map<string, bigint>();

/** The value of a MAC written in the topology (memoized: pipelines compare MACs per packet). */
export function macValue(text: string): bigint {
  let v = macValues.get(text);
  if (v === undefined) {
    v = parseMac(text) ?? -1n;
    macValues.set(text, v);
  }
  return v;
}
