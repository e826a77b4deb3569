// The microflow a model trace starts with (built from a resolved request) and small accessors that
// read or rewrite its addresses whatever the IP family, so pipeline code stays family-agnostic.

import { emptyFlow, type Flow } from '../../ovn/expr/index.ts';
import { type Cidr, formatIp, type IpAddr, parseMac } from '../../ovn/net/addr.ts';
import type { ResolvedRequest } from '../types.ts';

export const ETH_IP4 = 0x0800;
export const ETH_IP6 = 0x86dd;
const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;

// The model never writes registers, so every flow of every trace can share one zeroed set.
const BLANK: Flow = emptyFlow();

export function initialFlow(r: ResolvedRequest): Flow {
  const f: Flow = { ...BLANK };
  f.inport = r.sourcePort;
  f.ethSrc = macValue(r.srcMac);
  f.ethDst = macValue(r.dstMac);
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

const masks = new WeakMap<Cidr, bigint>();

/** The network mask of a CIDR as a bigint (cached: port security and NAT test it per packet). */
function maskOf(c: Cidr): bigint {
  let m = masks.get(c);
  if (m === undefined) {
    const bits = c.family === 4 ? 32n : 128n;
    m = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << (bits - BigInt(c.prefix));
    masks.set(c, m);
  }
  return m;
}

export function inCidr(c: Cidr, ip: IpAddr): boolean {
  return c.family === ip.family && (ip.value & maskOf(c)) === c.network;
}

/** Copies a flow for a forked walk (registers shared: the model never writes them). */
export function copyFlow(f: Flow): Flow {
  return { ...f };
}

/**
 * An address as a hash key: the number for IPv4, the bigint for IPv6 (never equal to each other, so
 * one map holds both families without allocating per lookup).
 */
export type IpKey = number | bigint;
export const ipKey = (ip: IpAddr): IpKey => (ip.family === 4 ? Number(ip.value) : ip.value);
export const dstKey = (f: Flow): IpKey => (f.ethType === ETH_IP6 ? f.ip6Dst : f.ip4Dst);
export const srcKey = (f: Flow): IpKey => (f.ethType === ETH_IP6 ? f.ip6Src : f.ip4Src);

/** The text of an address key (IPv4 without the array join of formatIp: this runs per hop). */
export function keyText(k: IpKey): string {
  if (typeof k === 'bigint') return formatIp({ family: 6, value: k });
  return `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`;
}

export const ipText = formatIp;

const macValues = new Map<string, bigint>();

/** The value of a MAC written in the topology (memoized: pipelines compare MACs per packet). */
export function macValue(text: string): bigint {
  let v = macValues.get(text);
  if (v === undefined) {
    v = parseMac(text) ?? -1n;
    // Bounded: request MACs come from users, topology MACs are few compared to this.
    if (macValues.size > 100_000) macValues.clear();
    macValues.set(text, v);
  }
  return v;
}
