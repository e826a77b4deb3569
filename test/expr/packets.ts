// Test packets for the expression language: one description turns into both our Flow and the
// microflow text real ovn-trace takes, so the differential test feeds both sides the same packet.

import { emptyFlow, type Flow } from '../../src/ovn/expr/index.ts';
import { formatIpv4, formatIpv6, formatMac } from '../../src/ovn/net/addr.ts';

export interface Packet {
  readonly ethSrc: bigint;
  readonly ethDst: bigint;
  readonly l3: 'ip4' | 'ip6' | 'arp';
  readonly ip4Src: number;
  readonly ip4Dst: number;
  readonly ip6Src: bigint;
  readonly ip6Dst: bigint;
  readonly ttl: number;
  readonly dscp: number;
  /** FRAG.* value (IP only). */
  readonly frag: number;
  /** 'other' = an IP protocol without L4 fields (47, GRE). */
  readonly l4: 'tcp' | 'udp' | 'sctp' | 'icmp' | 'other';
  readonly sport: number;
  readonly dport: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly arpOp: number;
  readonly arpSpa: number;
  readonly arpTpa: number;
  readonly arpSha: bigint;
  readonly arpTha: bigint;
}

const PROTO = { tcp: 6, udp: 17, sctp: 132, other: 47 } as const;

export function toFlow(p: Packet, inport: string): Flow {
  const f = emptyFlow();
  f.inport = inport;
  f.ethSrc = p.ethSrc;
  f.ethDst = p.ethDst;
  if (p.l3 === 'arp') {
    f.ethType = 0x806;
    f.arpOp = p.arpOp;
    f.arpSpa = p.arpSpa;
    f.arpTpa = p.arpTpa;
    f.arpSha = p.arpSha;
    f.arpTha = p.arpTha;
    return f;
  }
  if (p.l3 === 'ip4') {
    f.ethType = 0x800;
    f.ip4Src = p.ip4Src;
    f.ip4Dst = p.ip4Dst;
  } else {
    f.ethType = 0x86dd;
    f.ip6Src = p.ip6Src;
    f.ip6Dst = p.ip6Dst;
  }
  f.ipTtl = p.ttl;
  f.ipDscp = p.dscp;
  f.ipFrag = p.frag;
  if (p.l4 === 'icmp') {
    f.ipProto = p.l3 === 'ip4' ? 1 : 58;
    f.icmpType = p.icmpType;
    f.icmpCode = p.icmpCode;
  } else {
    f.ipProto = PROTO[p.l4];
    if (p.l4 !== 'other') {
      f.l4Src = p.sport;
      f.l4Dst = p.dport;
    }
    if (p.l4 === 'tcp') f.tcpFlags = p.tcpFlags;
  }
  return f;
}

/** The same packet as an ovn-trace microflow (typed values only, names JSON-quoted). */
export function toMicroflow(p: Packet, inport: string): string {
  const parts = [
    `inport == ${JSON.stringify(inport)}`,
    `eth.src == ${formatMac(p.ethSrc)}`,
    `eth.dst == ${formatMac(p.ethDst)}`,
  ];
  if (p.l3 === 'arp') {
    parts.push(
      'arp',
      `arp.op == ${p.arpOp}`,
      `arp.spa == ${formatIpv4(p.arpSpa)}`,
      `arp.tpa == ${formatIpv4(p.arpTpa)}`,
      `arp.sha == ${formatMac(p.arpSha)}`,
      `arp.tha == ${formatMac(p.arpTha)}`,
    );
    return parts.join(' && ');
  }
  if (p.l3 === 'ip4')
    parts.push('ip4', `ip4.src == ${formatIpv4(p.ip4Src)}`, `ip4.dst == ${formatIpv4(p.ip4Dst)}`);
  else parts.push('ip6', `ip6.src == ${formatIpv6(p.ip6Src)}`, `ip6.dst == ${formatIpv6(p.ip6Dst)}`);
  parts.push(`ip.ttl == ${p.ttl}`, `ip.dscp == ${p.dscp}`);
  if (p.frag) parts.push(`ip.frag == ${p.frag}`);
  if (p.l4 === 'icmp') {
    const v = p.l3 === 'ip4' ? 'icmp4' : 'icmp6';
    parts.push(v, `${v}.type == ${p.icmpType}`, `${v}.code == ${p.icmpCode}`);
  } else if (p.l4 === 'other') parts.push(`ip.proto == ${PROTO.other}`);
  else {
    parts.push(p.l4, `${p.l4}.src == ${p.sport}`, `${p.l4}.dst == ${p.dport}`);
    if (p.l4 === 'tcp') parts.push(`tcp.flags == ${p.tcpFlags}`);
  }
  return parts.join(' && ');
}
