// The symbol table for logical-flow matches, as OVN 23.03 defines it (lib/logical-fields.c): fields
// backed by packet data, subfields (named bit ranges of a field), and predicates (names for an
// expression). Each symbol carries its level, which decides the tests OVN allows on it:
// - nominal: fields OVS cannot mask (eth.type, ip.proto, icmp types, arp.op, ...) and string fields;
//   they may only be tested for equality, and predicates over them only positively (`!udp` is invalid);
// - ordinal: maskable fields and their subfields; every relational operator works;
// - boolean: predicates over ordinal fields (`ip.is_frag`, `eth.bcast`); only == and != work.

import type { Flow } from './flow.ts';

export type Level = 'nominal' | 'boolean' | 'ordinal';

/** How to read a field from a flow: numbers for fields up to 32 bits, bigints beyond, strings. */
export type Reader =
  | { readonly kind: 'num'; readonly read: (f: Flow) => number; readonly expr?: string }
  | {
      readonly kind: 'big';
      readonly read: (f: Flow) => bigint;
      readonly expr?: string;
      /** Register-backed (xxreg, xreg): the words of Flow.regs it reads, most significant first. */
      readonly regs?: { readonly first: number; readonly count: number };
    }
  | { readonly kind: 'str'; readonly read: (f: Flow) => string; readonly expr?: string };

export interface FieldSymbol {
  readonly kind: 'field';
  readonly name: string;
  /** Bit width; 0 for string fields (inport, outport). */
  readonly width: number;
  readonly level: 'nominal' | 'ordinal';
  readonly prereqs: string | undefined;
  readonly reader: Reader;
}

export interface SubfieldSymbol {
  readonly kind: 'subfield';
  readonly name: string;
  readonly width: number;
  readonly level: Level;
  readonly prereqs: string | undefined;
  readonly parent: string;
  readonly ofs: number;
}

export interface PredicateSymbol {
  readonly kind: 'predicate';
  readonly name: string;
  readonly width: 1;
  readonly level: 'nominal' | 'boolean';
  readonly prereqs: undefined;
  readonly expansion: string;
}

export type ExprSymbol = FieldSymbol | SubfieldSymbol | PredicateSymbol;

// A reader is written once, as the JS expression reading the field from a Flow `f`: the function reads
// with it, and the match compiler (evaluate.ts) inlines it into the code it generates.
const readerFn = <T>(expr: string) => new Function('f', `return ${expr};`) as (f: Flow) => T;
const num = (expr: string): Reader => ({ kind: 'num', read: readerFn<number>(expr), expr });
const big = (expr: string): Reader => ({ kind: 'big', read: readerFn<bigint>(expr), expr });
const str = (expr: string): Reader => ({ kind: 'str', read: readerFn<string>(expr), expr });

const base = new Map<string, ExprSymbol>();
/** Symbols later releases added (24.03 .. 26.03): only logical flows of those releases use them. */
const later = new Map<string, ExprSymbol>();
/** The map the define* functions fill (base, then later). */
let table = base;
const known = (name: string): ExprSymbol | undefined => base.get(name) ?? later.get(name);

function field(name: string, width: number, maskable: boolean, prereqs: string | null, reader: Reader): void {
  const level = maskable ? 'ordinal' : 'nominal';
  table.set(name, { kind: 'field', name, width, level, prereqs: prereqs ?? undefined, reader });
}

/** `spec` is `parent[lo]` or `parent[lo..hi]`; the subfield inherits the parent's level, as in OVN. */
function subfield(name: string, prereqs: string | null, spec: string): void {
  const m = /^([a-z0-9_.]+)\[(\d+)(?:\.\.(\d+))?\]$/.exec(spec)!;
  const parent = known(m[1]!)!;
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  table.set(name, {
    kind: 'subfield',
    name,
    width: hi - lo + 1,
    level: parent.level,
    prereqs: prereqs ?? undefined,
    parent: parent.name,
    ofs: lo,
  });
}

/** `nominal` must say whether the expansion mentions a nominal field (OVN derives this by parsing). */
function predicate(name: string, expansion: string, nominal: boolean): void {
  table.set(name, {
    kind: 'predicate',
    name,
    width: 1,
    level: nominal ? 'nominal' : 'boolean',
    prereqs: undefined,
    expansion,
  });
}

function regReader(first: number, count: number): Reader {
  const read = (f: Flow) => {
    let v = 0n;
    for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(f.regs[first + i] ?? 0);
    return v;
  };
  return { kind: 'big', read, regs: { first, count } };
}

function defineMetadata(): void {
  field('pkt.mark', 32, true, null, num('(f.pktMark ?? 0) >>> 0'));
  field('inport', 0, false, null, str('f.inport'));
  field('outport', 0, false, null, str('f.outport'));
  // 23.03 has ten logical registers: xxreg0..1 cover reg0..7, xreg4 covers reg8..9.
  field('xxreg0', 128, true, null, regReader(0, 4));
  field('xxreg1', 128, true, null, regReader(4, 4));
  field('xreg4', 64, true, null, regReader(8, 2));
  for (let xi = 0; xi < 4; xi++)
    subfield(`xreg${xi}`, null, `xxreg${xi >> 1}[${64 * (1 - (xi % 2))}..${64 * (1 - (xi % 2)) + 63}]`);
  for (let i = 0; i < 8; i++) {
    const lsb = 32 * (3 - (i % 4));
    subfield(`reg${i}`, null, `xxreg${i >> 2}[${lsb}..${lsb + 31}]`);
  }
  subfield('reg8', null, 'xreg4[32..63]');
  subfield('reg9', null, 'xreg4[0..31]');
  field('flags', 32, true, null, num('f.logFlags >>> 0'));
  const flagBits: [string, number][] = [
    ['loopback', 0],
    ['force_snat_for_dnat', 2],
    ['force_snat_for_lb', 3],
    ['skip_snat_for_lb', 9],
    ['use_snat_zone', 11],
  ];
  for (const [n, bit] of flagBits) subfield(`flags.${n}`, null, `flags[${bit}]`);
}

function defineConntrack(): void {
  field('ct_mark', 32, true, null, num('f.ctMark >>> 0'));
  subfield('ct_mark.blocked', null, 'ct_mark[0]');
  subfield('ct_mark.natted', null, 'ct_mark[1]');
  subfield('ct_mark.skip_snat', null, 'ct_mark[2]');
  subfield('ct_mark.force_snat', null, 'ct_mark[3]');
  subfield('ct_mark.ecmp_reply_port', null, 'ct_mark[16..31]');
  field('ct_label', 128, true, null, big('f.ctLabel'));
  subfield('ct_label.blocked', null, 'ct_label[0]');
  subfield('ct_label.natted', null, 'ct_label[1]');
  subfield('ct_label.skip_snat', null, 'ct_label[2]');
  subfield('ct_label.force_snat', null, 'ct_label[3]');
  subfield('ct_label.ecmp_reply_eth', null, 'ct_label[32..79]');
  subfield('ct_label.ecmp_reply_port', null, 'ct_label[80..95]');
  subfield('ct_label.label', null, 'ct_label[96..127]');
  field('ct_state', 32, true, null, num('f.ctState >>> 0'));
  const bits = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];
  bits.forEach((n, i) => {
    subfield(`ct.${n}`, n === 'trk' ? null : 'ct.trk', `ct_state[${i}]`);
  });
}

function defineL2(): void {
  field('eth.src', 48, true, null, big('f.ethSrc'));
  field('eth.dst', 48, true, null, big('f.ethDst'));
  field('eth.type', 16, false, null, num('f.ethType'));
  predicate('eth.bcast', 'eth.dst == ff:ff:ff:ff:ff:ff', false);
  subfield('eth.mcast', null, 'eth.dst[40]');
  predicate('eth.mcastv6', 'eth.dst[32..47] == 0x3333', false);
  field('vlan.tci', 16, true, null, num('f.vlanTci'));
  predicate('vlan.present', 'vlan.tci[12]', false);
  subfield('vlan.pcp', 'vlan.present', 'vlan.tci[13..15]');
  subfield('vlan.vid', 'vlan.present', 'vlan.tci[0..11]');
}

function defineIp(): void {
  predicate('ip4', 'eth.type == 0x800', true);
  predicate('ip6', 'eth.type == 0x86dd', true);
  predicate('ip', 'ip4 || ip6', true);
  field('ip.proto', 8, false, 'ip', num('f.ipProto'));
  field('ip.dscp', 6, false, 'ip', num('f.ipDscp'));
  field('ip.ecn', 2, false, 'ip', num('f.ipEcn'));
  field('ip.ttl', 8, false, 'ip', num('f.ipTtl'));
  field('ip4.src', 32, true, 'ip4', num('f.ip4Src >>> 0'));
  field('ip4.dst', 32, true, 'ip4', num('f.ip4Dst >>> 0'));
  predicate('ip4.src_mcast', 'ip4.src[28..31] == 0xe', false);
  predicate('ip4.mcast', 'eth.mcast && ip4.dst[28..31] == 0xe', false);
  predicate('icmp4', 'ip4 && ip.proto == 1', true);
  field('icmp4.type', 8, false, 'icmp4', num('f.icmpType'));
  field('icmp4.code', 8, false, 'icmp4', num('f.icmpCode'));
  predicate('igmp', 'ip4 && ip.proto == 2', true);
  field('ip6.src', 128, true, 'ip6', big('f.ip6Src'));
  field('ip6.dst', 128, true, 'ip6', big('f.ip6Dst'));
  field('ip6.label', 20, true, 'ip6', num('f.ip6Label'));
  predicate('ip6.mcast_rsvd', 'ip6.dst[116..127] == 0xff0 && ip6.dst[0..111] == 0x0', false);
  predicate('ip6.mcast_all_nodes', 'ip6.dst == ff01::1 || ip6.dst == ff02::1', false);
  predicate('ip6.mcast_all_rtrs', 'ip6.dst == ff01::2 || ip6.dst == ff02::2 || ip6.dst == ff05::2', false);
  predicate('ip6.mcast_sol_node', 'ip6.dst == ff02::1:ff00:0000/104', false);
  predicate(
    'ip6.mcast_flood',
    'eth.mcastv6 && (ip6.mcast_rsvd || ip6.mcast_all_nodes || ip6.mcast_all_rtrs || ip6.mcast_sol_node)',
    false,
  );
  predicate('ip6.mcast', 'eth.mcastv6 && ip6.dst[120..127] == 0xff', false);
  predicate('icmp6', 'ip6 && ip.proto == 58', true);
  field('icmp6.type', 8, false, 'icmp6', num('f.icmpType'));
  field('icmp6.code', 8, false, 'icmp6', num('f.icmpCode'));
  predicate('icmp', 'icmp4 || icmp6', true);
  field('ip.frag', 2, true, 'ip', num('f.ipFrag'));
  predicate('ip.is_frag', 'ip.frag[0]', false);
  predicate('ip.later_frag', 'ip.frag[1]', false);
  predicate('ip.first_frag', 'ip.is_frag && !ip.later_frag', false);
}

function defineArpNd(): void {
  for (const [p, type] of [
    ['arp', '0x806'],
    ['rarp', '0x8035'],
  ] as const) {
    predicate(p, `eth.type == ${type}`, true);
    field(`${p}.op`, 16, false, p, num('f.arpOp'));
    field(`${p}.spa`, 32, true, p, num('f.arpSpa >>> 0'));
    field(`${p}.sha`, 48, true, p, big('f.arpSha'));
    field(`${p}.tpa`, 32, true, p, num('f.arpTpa >>> 0'));
    field(`${p}.tha`, 48, true, p, big('f.arpTha'));
  }
  predicate('nd', 'icmp6.type == {135, 136} && icmp6.code == 0 && ip.ttl == 255', true);
  predicate('nd_ns', 'icmp6.type == 135 && icmp6.code == 0 && ip.ttl == 255', true);
  predicate('nd_na', 'icmp6.type == 136 && icmp6.code == 0 && ip.ttl == 255', true);
  predicate('nd_rs', 'icmp6.type == 133 && icmp6.code == 0 && ip.ttl == 255', true);
  predicate('nd_ra', 'icmp6.type == 134 && icmp6.code == 0 && ip.ttl == 255', true);
  field('nd.target', 128, true, 'nd', big('f.ndTarget'));
  field('nd.sll', 48, true, 'nd_ns', big('f.ndSll'));
  field('nd.tll', 48, true, 'nd_na', big('f.ndTll'));
  predicate('mldv1', 'ip6.src == fe80::/10 && icmp6.type == {130, 131, 132}', true);
  predicate('mldv2', 'ip6.dst == ff02::16 && icmp6.type == 143', true);
}

function defineL4(): void {
  const protos = [
    ['tcp', 6],
    ['udp', 17],
    ['sctp', 132],
  ] as const;
  for (const [p, proto] of protos) {
    predicate(p, `ip.proto == ${proto}`, true);
    field(`${p}.src`, 16, true, p, num('f.l4Src'));
    field(`${p}.dst`, 16, true, p, num('f.l4Dst'));
  }
  field('tcp.flags', 12, true, 'tcp', num('f.tcpFlags'));
}

/** What 24.03 .. 26.03 added to lib/logical-fields.c (flag bits, ct_mark/ct_label parts, …). */
function defineLater(): void {
  const flagBits: [string, number][] = [
    ['localnet', 15],
    ['tunnel_rx', 16],
    ['icmp_snat', 17],
    ['from_ctrl', 19],
    ['unsnat_new', 20],
    ['unsnat_not_tracked', 21],
    ['igmp_loopback', 22],
    ['pkt_sampled', 23],
  ];
  for (const [n, bit] of flagBits) subfield(`flags.${n}`, null, `flags[${bit}]`);
  subfield('flags.network_id', null, 'flags[28..31]');
  subfield('ct_mark.obs_stage', null, 'ct_mark[4..5]');
  subfield('ct_mark.allow_established', null, 'ct_mark[6]');
  subfield('ct_mark.obs_collector_id', null, 'ct_mark[16..23]');
  subfield('ct_label.obs_point_id', null, 'ct_label[96..127]');
  subfield('ct_label.obs_unused', null, 'ct_label[0..95]');
  subfield('ct_label.acl_id', null, 'ct_label[80..95]');
  subfield('ct_label.nf', null, 'ct_label[7]');
  subfield('ct_label.nf_id', null, 'ct_label[17..24]');
  subfield('ct_label.tun_if', null, 'ct_label[8]');
  subfield('ct_label.tun_if_id', null, 'ct_label[80..95]');
  predicate('nd_ns_mcast', 'ip6.mcast && icmp6.type == 135 && icmp6.code == 0 && ip.ttl == 255', true);
  field('remote_outport', 0, false, null, str("f.remoteOutport ?? ''"));
}

defineMetadata();
defineConntrack();
defineL2();
defineIp();
defineArpNd();
defineL4();
table = later;
defineLater();
table = base;

/**
 * The symbol `name` as OVN 23.03 defines it; with `withLater`, also the symbols later releases added
 * (the lflow engine reads flows northd of any release wrote; NB matches stay 23.03's).
 */
export function lookupSymbol(name: string, withLater = false): ExprSymbol | undefined {
  return withLater ? known(name) : base.get(name);
}

/** The base field a (sub)field symbol reads, with the bit offset of the subfield inside it. */
export function baseField(sym: FieldSymbol | SubfieldSymbol): { field: FieldSymbol; ofs: number } {
  let ofs = 0;
  let s: ExprSymbol = sym;
  while (s.kind === 'subfield') {
    ofs += s.ofs;
    s = known(s.parent)!;
  }
  return { field: s as FieldSymbol, ofs };
}

export function allSymbolNames(): string[] {
  return [...base.keys()];
}
