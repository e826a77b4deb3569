// Seeded generator of ACL matches and packets for the differential test. Values come from small pools
// shared by matches and packets so that matches hit often; a share of the matches is invalid on purpose
// (forms OVN rejects), because rejecting exactly what OVN rejects is part of the contract.
// Port names are written as {A} (the switch's sending port) and {B} (its other port).

import { parseIpv4, parseIpv6, parseMac } from '../../src/ovn/net/addr.ts';
import type { Packet } from './packets.ts';

export const MAC_A = '00:00:00:00:00:0a';
export const MAC_B = '00:00:00:00:00:0b';
export const IP_A = '10.9.0.1';
export const IP_B = '10.9.0.2';

export const ADDRESS_SETS: Record<string, string[]> = {
  as4: ['10.0.0.1', '10.0.1.0/24', '192.168.0.0/16'],
  as6: ['2001:db8::1', 'fd00::/8'],
  asmac: ['00:00:00:00:00:77'],
  asbad: ['10.0.0.1/8', '10.0.0.2'],
  asempty: [],
};
/** Port group holding every switch's {A} port. */
export const PORT_GROUP = 'pg1';

const IP4 = ['10.0.0.1', '10.0.0.2', '10.0.1.5', '192.168.1.10', '172.16.5.4', IP_A];
const IP6 = ['2001:db8::1', '2001:db8::2', '2001:db8:1::5', 'fd00::10', 'fe80::1'];
const MACS = [MAC_A, '00:00:00:00:00:77', '02:00:00:00:00:01'];
const PORTS = [22, 53, 80, 443, 1000, 1500, 2000, 8080, 65535];
const TTLS = [64, 255, 1, 2];
const DSCPS = [0, 10, 46];
const FLAGS = [0x002, 0x012, 0x010, 0x004];
const ICMP4 = [0, 3, 8, 11];
const ICMP6 = [1, 128, 129];
const CODES = [0, 1, 3];

/** Matches always in the differential run: OVN behaviours worth pinning (see README, Match expressions). */
export const PINNED = [
  '!(tcp.dst == 80)',
  '!(udp)',
  '!udp',
  '!(inport == "{A}")',
  'inport != "{A}"',
  '!(inport != "{A}")',
  'tcp.dst != {80, 443, 22}',
  '!(tcp.dst == {80, 443, 22})',
  '!ip.is_frag',
  '!ip4.mcast',
  '!eth.bcast',
  'ip4.src == 10.0.0.1/8',
  'ip4.src == $asbad',
  'ip4.src == $asempty',
  'ip4.src != $asempty',
  'ip4.src == $pg1_ip4',
  'ip6.src == $pg1_ip6',
  '!ct.est',
  'ct_state == 0',
  'outport == "{B}"',
  'inport == @pg1 && tcp',
  '1000 <= tcp.dst <= 2000',
  '!(1000 <= udp.dst <= 2000)',
  'ip4.src[24..31] == 10 && !(ip4.dst[0])',
  'icmp4.type == 8 || icmp6.type == 128',
  'ip.ttl == 1',
  'tcp.flags == 0x2/0x12',
  'arp.op == 1 && arp.tpa == 10.0.0.0/16',
  'eth.src == {00:00:00:00:00:77, 02:00:00:00:00:01}',
  'ip4 && ip.proto == 47',
  'is_chassis_resident("{A}") && tcp',
  '!is_chassis_resident("{A}")',
  'ip4.src == {10.0.0.0/8, 192.168.1.10} && ip4.dst != {10.0.0.0/24, 172.16.0.0/12}',
];

export class Gen {
  constructor(readonly rnd: () => number) {}
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }

  packet(): Packet {
    const r = this.rnd();
    const l3 = r < 0.55 ? 'ip4' : r < 0.85 ? 'ip6' : 'arp';
    const q = this.rnd();
    const l4 = q < 0.35 ? 'tcp' : q < 0.6 ? 'udp' : q < 0.8 ? 'icmp' : q < 0.9 ? 'sctp' : 'other';
    return {
      ethSrc: parseMac(this.pick(MACS))!,
      ethDst: parseMac(MAC_B)!,
      l3,
      ip4Src: parseIpv4(this.pick(IP4))!,
      ip4Dst: parseIpv4(this.pick(IP4))!,
      ip6Src: parseIpv6(this.pick(IP6))!,
      ip6Dst: parseIpv6(this.pick(IP6))!,
      ttl: this.pick(TTLS),
      // ovn-trace 23.03 drops ip.dscp from a microflow (its flow shows nw_tos=0), so packets keep 0.
      dscp: 0,
      frag: this.pick([0, 0, 0, 0, 1, 3]),
      l4,
      sport: this.pick(PORTS),
      dport: this.pick(PORTS),
      tcpFlags: this.pick(FLAGS),
      icmpType: l3 === 'ip6' ? this.pick(ICMP6) : this.pick(ICMP4),
      icmpCode: this.pick(CODES),
      arpOp: this.pick([1, 2]),
      arpSpa: parseIpv4(this.pick(IP4))!,
      arpTpa: parseIpv4(this.pick(IP4.slice(0, 5)))!,
      arpSha: parseMac(this.pick(MACS))!,
      arpTha: parseMac(this.pick([...MACS, '00:00:00:00:00:00']))!,
    };
  }

  expr(depth: number): string {
    if (depth <= 0 || this.chance(0.3)) return this.atom();
    const r = this.rnd();
    if (r < 0.2) return `!(${this.expr(depth - 1)})`;
    const op = this.chance(0.5) ? '&&' : '||';
    const n = this.chance(0.7) ? 2 : 3;
    const terms = Array.from({ length: n }, () => this.term(depth - 1));
    if (this.chance(0.04)) return `${terms.join(` ${op} `)} ${op === '&&' ? '||' : '&&'} ${this.atom()}`;
    return terms.join(` ${op} `);
  }

  private term(depth: number): string {
    const e = this.expr(depth);
    return /&&|\|\|/.test(e) && !/^!\(.*\)$/.test(e) ? `(${e})` : e;
  }

  atom(): string {
    const r = this.rnd();
    if (r < 0.15) return this.predicate();
    if (r < 0.45) return this.compare();
    if (r < 0.6) return this.setCompare();
    if (r < 0.7) return this.range();
    if (r < 0.78) return this.masked();
    if (r < 0.92) return this.reference();
    if (r < 0.96) return this.pick(['1', '0']);
    return this.invalid();
  }

  private predicate(): string {
    const p = this.pick([
      'tcp',
      'udp',
      'sctp',
      'icmp',
      'icmp4',
      'icmp6',
      'ip',
      'ip4',
      'ip6',
      'arp',
      'ip.is_frag',
      'ip.first_frag',
      'ip.later_frag',
      'eth.bcast',
      'eth.mcast',
      'ip4.mcast',
      'ip6.mcast',
      'ip4.src_mcast',
    ]);
    return this.chance(0.12) ? `!${p}` : p;
  }

  private value(field: string): string {
    if (field.startsWith('ip4') || field.startsWith('arp.spa') || field.startsWith('arp.tpa'))
      return this.pick(IP4);
    if (field.startsWith('ip6')) return this.pick(IP6);
    if (field.startsWith('eth') || field === 'arp.sha' || field === 'arp.tha') return this.pick(MACS);
    if (field === 'ip.ttl') return String(this.pick(TTLS));
    if (field === 'ip.frag') return this.pick(['0', '1', '2', '3']);
    if (field === 'ip.dscp') return String(this.pick(DSCPS));
    if (field === 'tcp.flags') return `0x${this.pick(FLAGS).toString(16)}`;
    if (field.startsWith('icmp4.type')) return String(this.pick(ICMP4));
    if (field.startsWith('icmp6.type')) return String(this.pick(ICMP6));
    if (field.endsWith('.code')) return String(this.pick(CODES));
    if (field === 'arp.op') return this.pick(['1', '2']);
    if (field === 'ip.proto') return this.pick(['6', '17', '1', '58', '132', '47']);
    return String(this.pick(PORTS));
  }

  private static readonly FIELDS = [
    'ip4.src',
    'ip4.dst',
    'ip6.src',
    'ip6.dst',
    'eth.src',
    'tcp.src',
    'tcp.dst',
    'udp.src',
    'udp.dst',
    'sctp.dst',
    'ip.ttl',
    'ip.dscp',
    'tcp.flags',
    'icmp4.type',
    'icmp4.code',
    'icmp6.type',
    'icmp6.code',
    'arp.op',
    'arp.spa',
    'arp.tpa',
    'arp.sha',
    'ip.proto',
    'ip.frag',
  ];
  private static readonly NOMINAL = new Set([
    'ip.ttl',
    'ip.dscp',
    'icmp4.type',
    'icmp4.code',
    'icmp6.type',
    'icmp6.code',
    'arp.op',
    'ip.proto',
  ]);

  private compare(): string {
    const f = this.pick(Gen.FIELDS);
    const op = Gen.NOMINAL.has(f) && !this.chance(0.1) ? '==' : this.pick(['==', '==', '!=']);
    const e = `${f} ${op} ${this.value(f)}`;
    return this.chance(Gen.NOMINAL.has(f) ? 0.03 : 0.15) ? `!(${e})` : e;
  }

  private setCompare(): string {
    const f = this.pick(Gen.FIELDS);
    const op = Gen.NOMINAL.has(f) ? '==' : this.pick(['==', '!=']);
    const vals = Array.from({ length: 2 + Math.floor(this.rnd() * 3) }, () => this.value(f));
    const sep = this.chance(0.1) ? ' ' : ', ';
    return `${f} ${op} {${vals.join(sep)}}`;
  }

  private range(): string {
    const f = this.pick(['tcp.dst', 'udp.dst', 'tcp.src', 'ip4.src', 'sctp.dst']);
    if (f === 'ip4.src') return `ip4.src ${this.pick(['<', '<=', '>', '>='])} ${this.pick(IP4)}`;
    const [a, b] = [this.pick(PORTS), this.pick(PORTS)].sort((x, y) => x - y);
    const r = this.rnd();
    if (r < 0.4) return `${a} <= ${f} <= ${b}`;
    if (r < 0.6) return `${b} > ${f} >= ${a}`;
    if (r < 0.9) return `${f} ${this.pick(['<', '<=', '>', '>='])} ${a}`;
    return `${a} < ${f} > ${b}`;
  }

  private masked(): string {
    if (this.chance(0.5)) return this.cidr();
    return this.pick([
      'ip4.src == 10.0.0.0/16',
      'ip4.dst == 10.0.0.0/8',
      'ip4.src == 192.168.0.0/255.255.0.0',
      'ip4.src == 0.0.0.1/0.0.0.1',
      'ip4.src == 10.0.0.1/8',
      'ip6.src == 2001:db8::/32',
      'ip6.dst == fd00::/8',
      'ip6.src == fe80::/10',
      'tcp.dst == 0x50/0xfff0',
      'udp.dst == 0/0xff00',
      'eth.src == 00:00:00:00:00:00/01:00:00:00:00:00',
      'ip4.src[24..31] == 10',
      'ip4.dst[0] == 1',
      'tcp.dst[0..7] == 80',
      'eth.src[0..7] == 0x77',
      'tcp.dst[0..7] < 100',
      'ip4.src != 10.0.0.0/8',
      'ip6.src != 2001:db8::/32',
    ]);
  }

  /** A random prefix of a pool address (host bits may be set, which 23.03 accepts), or a set of them. */
  private cidr(): string {
    const v6 = this.chance(0.35);
    const one = () =>
      v6
        ? `${this.pick(IP6)}/${this.pick([10, 32, 48, 64, 127, 128])}`
        : `${this.pick(IP4)}/${this.pick([0, 8, 12, 16, 24, 30, 32])}`;
    const field = v6 ? this.pick(['ip6.src', 'ip6.dst']) : this.pick(['ip4.src', 'ip4.dst', 'arp.spa']);
    const op = this.pick(['==', '!=']);
    if (this.chance(0.6)) return `${field} ${op} ${one()}`;
    return `${field} ${op} {${one()}, ${one()}, ${v6 ? this.pick(IP6) : this.pick(IP4)}}`;
  }

  private reference(): string {
    return this.pick([
      'ip4.src == $as4',
      'ip4.dst == $as4',
      'ip4.src != $as4',
      'ip6.src == $as6',
      'ip6.dst != $as6',
      'eth.src == $asmac',
      'ip4.src == $asbad',
      'ip4.src == $asempty',
      'ip4.src != $asempty',
      'ip4.src == {$as4, 172.16.5.4}',
      `ip4.src == $${PORT_GROUP}_ip4`,
      `inport == @${PORT_GROUP}`,
      'inport == "{A}"',
      'inport == "{B}"',
      'inport == {"{B}", "{A}"}',
      '!(inport != "{A}")',
      'outport == "{B}"',
    ]);
  }

  private invalid(): string {
    return this.pick([
      'inport != "{A}"',
      '!(inport == "{A}")',
      'ip.proto != 6',
      'eth.type != 0x800',
      'icmp4.type < 3',
      'tcp.dst == 70000',
      'tcp.dst',
      'ip4.src == {}',
      'tcp.dst == 80 &&',
      'tcp.dst = 80',
      'ip.ttl == 064',
      'ip4.src == 10.0.0.1/33',
      'tcp.dst == {80, "x"}',
      'inport == 1',
      '!!tcp',
      '! tcp.dst == 80',
      'eth.type[0..3] == 0',
      'tcp.dst[16] == 1',
      'ip4.src == $nosuch',
      'inport == @nosuch',
    ]);
  }
}
