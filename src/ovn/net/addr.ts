// MAC, IPv4 and IPv6 parsing shared by the topology model, the expression language and the engines.
// IPv4 values are numbers (0..2^32-1); IPv6 values are bigints (0..2^128-1); MACs are bigints of 48 bits.

export type IpFamily = 4 | 6;

/** A parsed IP address: family plus numeric value (bigint for both families, for uniform masking). */
export interface IpAddr {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A parsed network: address (host bits kept as written), prefix length, and the network value. */
export interface Cidr {
  readonly family: IpFamily;
  readonly addr: bigint;
  readonly prefix: number;
  readonly network: bigint;
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text);
}

/** Parses `xx:xx:xx:xx:xx:xx`; returns null when malformed. */
export function parseMac(text: string): bigint | null {
  if (!MAC_RE.test(text)) return null;
  return BigInt(`0x${text.replaceAll(':', '')}`);
}

/** Canonical lower-case colon form of a 48-bit MAC value. */
export function formatMac(value: bigint): string {
  const hex = value.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

export function normalizeMac(text: string): string | null {
  const v = parseMac(text);
  return v === null ? null : formatMac(v);
}

export function isMulticastMac(value: bigint): boolean {
  return (value & 0x010000000000n) !== 0n;
}

export const BROADCAST_MAC = 0xffffffffffffn;

/** Parses dotted-quad IPv4; returns null when malformed (no leading zeros beyond "0", 0..255 each). */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

export function formatIpv4(value: number | bigint): string {
  const n = Number(value);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses an IPv6 address (with `::` compression and an optional trailing dotted IPv4). */
export function parseIpv6(text: string): bigint | null {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let s = text;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = `${s.slice(0, lastColon + 1)}`;
    if (s.endsWith('::')) {
      /* keep */
    } else if (s.endsWith(':')) s = s.slice(0, -1);
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parseGroups = (g: string): number[] | null => {
    if (g === '') return [];
    const out: number[] = [];
    for (const part of g.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
      out.push(Number.parseInt(part, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    if (!head || !rest) return null;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    const all = parseGroups(s);
    if (!all) return null;
    groups = [...all, ...tail];
    if (groups.length !== 8) return null;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** RFC 5952 text form of an IPv6 value. */
export function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseIp(text: string): IpAddr | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: BigInt(v4) };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: 6, value: v6 };
  return null;
}

export function formatIp(addr: IpAddr): string {
  return addr.family === 4 ? formatIpv4(addr.value) : formatIpv6(addr.value);
}

export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  if (prefix === 0) return 0n;
  return ((1n << BigInt(prefix)) - 1n) << (bits - BigInt(prefix));
}

/** Parses `ADDR/LEN` (or a bare address, taken as a host route). Returns null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return null;
  const max = familyBits(ip.family);
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > max) return null;
  }
  return { family: ip.family, addr: ip.value, prefix, network: ip.value & prefixMask(ip.family, prefix) };
}

export function cidrContains(cidr: Cidr, ip: IpAddr): boolean {
  return cidr.family === ip.family && (ip.value & prefixMask(ip.family, cidr.prefix)) === cidr.network;
}

export function formatCidr(c: Cidr, keepHost = false): string {
  const a = keepHost ? c.addr : c.network;
  return `${formatIp({ family: c.family, value: a })}/${c.prefix}`;
}

/** The EUI-64 IPv6 link-local address (fe80::/64) derived from a MAC, as OVN computes it. */
export function linkLocalFromMac(mac: bigint): bigint {
  const b = mac ^ 0x020000000000n; // flip the universal/local bit
  const hi = b >> 24n;
  const lo = b & 0xffffffn;
  const iid = (hi << 40n) | (0xfffen << 24n) | lo;
  return (0xfe80n << 112n) | iid;
}
