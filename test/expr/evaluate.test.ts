// Tables of `match + packet => true/false` for every symbol family, with OVN's prerequisite and
// negation rules (a negated field test keeps its prerequisites; a negated predicate does not).

import { describe, expect, it } from 'vitest';
import { CT, compileMatch, emptyFlow, type Flow, FRAG, type RefResolver } from '../../src/ovn/expr/index.ts';
import { parseIpv4, parseIpv6, parseMac } from '../../src/ovn/net/addr.ts';
import { prng } from '../helpers/prng.ts';

const refs: RefResolver = {
  addressSet: (n) => ({ web: ['10.0.0.1', '10.0.0.2', '10.1.0.0/16'], v6: ['2001:db8::/32'], empty: [] })[n],
  portGroup: (n) => (n === 'pg' ? ['p1', 'p2'] : undefined),
  portGroupAddresses: (n, fam) => (n === 'pg' ? (fam === 4 ? ['10.0.0.5'] : ['fd00::5']) : undefined),
};

const ip4 = (s: string) => parseIpv4(s)!;
const ip6 = (s: string) => parseIpv6(s)!;
const mac = (s: string) => parseMac(s)!;

function flow(over: Partial<Flow>): Flow {
  return Object.assign(emptyFlow(), over);
}

const tcp4 = flow({
  inport: 'p1',
  outport: 'p9',
  ethSrc: mac('00:00:00:00:00:01'),
  ethDst: mac('00:00:00:00:00:02'),
  ethType: 0x800,
  ip4Src: ip4('10.0.0.1'),
  ip4Dst: ip4('10.1.2.3'),
  ipProto: 6,
  ipTtl: 64,
  l4Src: 40000,
  l4Dst: 80,
  tcpFlags: 0x002,
});
const udp6 = flow({
  inport: 'p3',
  ethSrc: mac('00:00:00:00:00:03'),
  ethDst: mac('33:33:00:00:00:01'),
  ethType: 0x86dd,
  ip6Src: ip6('fe80::1'),
  ip6Dst: ip6('ff02::1'),
  ipProto: 17,
  ipTtl: 255,
  l4Src: 546,
  l4Dst: 547,
});
const arp = flow({
  ethType: 0x806,
  ethDst: 0xffffffffffffn,
  arpOp: 1,
  arpSpa: ip4('10.0.0.1'),
  arpTpa: ip4('10.0.0.254'),
  arpSha: mac('00:00:00:00:00:01'),
});
const icmp4 = flow({
  ethType: 0x800,
  ipProto: 1,
  icmpType: 8,
  icmpCode: 0,
  ip4Dst: ip4('224.0.0.5'),
  ethDst: mac('01:00:5e:00:00:05'),
});
const ns = flow({
  ethType: 0x86dd,
  ipProto: 58,
  ipTtl: 255,
  icmpType: 135,
  ndTarget: ip6('fd00::1'),
  ndSll: mac('00:00:00:00:00:07'),
});
const frag = flow({ ethType: 0x800, ipProto: 17, ipFrag: FRAG.later });
const tracked = flow({
  ...tcp4,
  regs: new Uint32Array(16),
  ctState: CT.trk | CT.est,
  ctMark: 0x3,
  ctLabel: 1n << 96n,
});
tracked.regs[0] = 0x12345678;
tracked.regs[9] = 7;
const vlan = flow({ ethType: 0x800, vlanTci: 0x1000 | 0x2000 | 100 });

const cases: [string, Flow, boolean][] = [
  // l4 and prerequisites
  ['tcp.dst == 80', tcp4, true],
  ['tcp.dst == 80', udp6, false],
  ['udp.dst == 80', tcp4, false],
  ['!(tcp.dst == 80)', tcp4, false],
  ['!(tcp.dst == 443)', tcp4, true],
  ['!(tcp.dst == 443)', udp6, false],
  ['tcp.dst != 443', arp, false],
  ['tcp.dst == {22, 80}', tcp4, true],
  ['tcp.dst != {22, 80}', tcp4, false],
  ['tcp.dst != {22, 443}', tcp4, true],
  ['1 <= tcp.dst <= 80', tcp4, true],
  ['80 < tcp.dst', tcp4, false],
  ['tcp.dst >= 80 && tcp.dst < 81', tcp4, true],
  ['tcp.src > 32767', tcp4, true],
  ['tcp.dst[0..3] == 0', tcp4, true],
  ['tcp.dst == 0x50/0xfff0', tcp4, true],
  ['tcp.flags == 0x2', tcp4, true],
  ['tcp.flags == 0x2/0x2 && !(tcp.flags[4])', tcp4, true],
  ['udp.src == 546 && udp.dst == 547', udp6, true],
  ['sctp', tcp4, false],
  ['tcp', tcp4, true],
  ['udp || tcp', udp6, true],
  ['ip.proto == 6', tcp4, true],
  // L3
  ['ip4', tcp4, true],
  ['ip6', tcp4, false],
  ['ip', arp, false],
  ['ip4.src == 10.0.0.0/8', tcp4, true],
  ['ip4.src == 10.0.0.1/8', tcp4, true],
  ['ip4.src == 10.0.0.0/255.0.0.255', tcp4, false],
  ['ip4.src != 10.0.0.0/8', tcp4, false],
  ['ip4.src != 10.0.0.0/8', udp6, false],
  ['ip4.dst[24..31] == 10', tcp4, true],
  ['ip4.src < 10.0.0.2', tcp4, true],
  ['ip4.src == $web', tcp4, true],
  ['ip4.dst == $web', tcp4, true],
  ['ip4.dst != $web', tcp4, false],
  ['ip4.src == $empty', tcp4, false],
  ['ip4.src != $empty', tcp4, true],
  ['ip4.src == $pg_ip4', tcp4, false],
  ['ip6.src == $pg_ip6', udp6, false],
  ['ip6.src == fe80::/10', udp6, true],
  ['ip6.dst == ff02::1', udp6, true],
  ['ip6.src == $v6', udp6, false],
  ['ip.ttl == 64', tcp4, true],
  ['ip.ttl == 64', arp, false],
  ['ip.dscp == 0 && ip.ecn == 0', tcp4, true],
  ['ip.is_frag', tcp4, false],
  ['ip.is_frag', frag, true],
  ['ip.later_frag', frag, true],
  ['ip.first_frag', frag, false],
  ['ip.frag == 3', frag, true],
  // negated predicates lose their prerequisites along with the rest of the expansion
  ['!ip.is_frag', arp, true],
  ['!ip4.mcast', arp, true],
  ['ip4.mcast', icmp4, true],
  ['ip6.mcast', udp6, true],
  ['ip6.mcast_all_nodes', udp6, true],
  ['ip6.mcast_flood', udp6, true],
  ['ip4.src_mcast', tcp4, false],
  // ICMP
  ['icmp', icmp4, true],
  ['icmp4.type == 8 && icmp4.code == 0', icmp4, true],
  ['icmp6.type == 8', icmp4, false],
  ['igmp', icmp4, false],
  // L2, VLAN
  ['eth.src == 00:00:00:00:00:01', tcp4, true],
  ['eth.src == {00:00:00:00:00:09, 00:00:00:00:00:01}', tcp4, true],
  ['eth.dst == 00:00:00:00:00:00/01:00:00:00:00:00', tcp4, true],
  ['eth.bcast', arp, true],
  ['eth.mcast', arp, true],
  ['eth.mcast', tcp4, false],
  ['eth.mcastv6', udp6, true],
  ['eth.type == 0x806', arp, true],
  ['vlan.present', vlan, true],
  ['vlan.present', tcp4, false],
  ['vlan.vid == 100 && vlan.pcp == 1', vlan, true],
  ['vlan.vid == 100', tcp4, false],
  ['vlan.tci == 0', tcp4, true],
  // ARP and ND
  ['arp && arp.op == 1', arp, true],
  ['arp.spa == 10.0.0.0/24 && arp.tpa == 10.0.0.254', arp, true],
  ['arp.sha == 00:00:00:00:00:01 && arp.tha == 00:00:00:00:00:00', arp, true],
  ['rarp', arp, false],
  ['nd', ns, true],
  ['nd_ns && nd.target == fd00::1', ns, true],
  ['nd.sll == 00:00:00:00:00:07', ns, true],
  ['nd_na', ns, false],
  ['nd.tll == 00:00:00:00:00:00', ns, false],
  ['mldv1', udp6, false],
  // ports, port groups, strings
  ['inport == "p1"', tcp4, true],
  ['inport == @pg', tcp4, true],
  ['inport == @pg', udp6, false],
  ['outport == "p9"', tcp4, true],
  ['outport == {"p1", "p2"}', tcp4, false],
  ['!(inport != "p1")', tcp4, true],
  // conntrack, marks, labels, registers, flags
  ['ct.est', tracked, true],
  ['ct.new', tracked, false],
  ['!ct.new', tracked, true],
  ['!ct.new', tcp4, false],
  ['ct.trk && !ct.inv && !ct.rpl', tracked, true],
  ['ct_state == 0x22', tracked, true],
  ['ct_mark.blocked == 1 && ct_mark.natted', tracked, true],
  ['ct_mark == 3', tracked, true],
  ['ct_label.label == 1', tracked, true],
  ['ct_label[96] == 1', tracked, true],
  ['reg0 == 0x12345678', tracked, true],
  ['reg0[0..15] == 0x5678', tracked, true],
  ['xxreg0[96..127] == 0x12345678', tracked, true],
  ['xreg0 == 0x1234567800000000', tracked, true],
  ['reg9 == 7 && xreg4 == 7', tracked, true],
  ['flags.loopback', tracked, false],
  ['flags == 0', tracked, true],
  ['pkt.mark == 0', tracked, true],
  ['pkt.mark == 5', flow({ pktMark: 5 }), true],
  // constants and grouping
  ['1', arp, true],
  ['0', arp, false],
  ['!(0)', arp, true],
  ['(tcp || udp) && ip4', tcp4, true],
  ['(tcp || udp) && ip4', udp6, false],
  ['!(tcp && tcp.dst == 80)'.replace('tcp &&', 'tcp.src == 1 &&'), tcp4, true],
  ['is_chassis_resident("p1")', tcp4, true],
];

describe('evaluation', () => {
  it.each(cases)('%s on packet => %s', (match, f, want) => {
    const c = compileMatch(match, refs);
    if (!c.ok) throw new Error(`${match}: ${c.message}`);
    expect(c.evaluate(f)).toBe(want);
  });

  it('lists the fields read, prerequisites included', () => {
    const c = compileMatch('tcp.dst == 80 && outport == "x"', refs);
    expect(c.ok && [...c.fields].sort()).toEqual(['eth.type', 'ip.proto', 'outport', 'tcp.dst']);
  });

  it('evaluates big address sets by hashing, not scanning', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`);
    entries.push('172.16.0.0/12', '192.168.7.0/24');
    const big: RefResolver = { ...refs, addressSet: (n) => (n === 'big' ? entries : undefined) };
    const c = compileMatch('ip4.src == $big && tcp', big);
    if (!c.ok) throw new Error(c.message);
    const probe = (a: string) => c.evaluate(flow({ ...tcp4, ip4Src: ip4(a) }));
    expect([
      probe('10.39.15.1'),
      probe('10.39.15.2'),
      probe('172.20.1.1'),
      probe('192.168.7.9'),
      probe('192.168.8.1'),
    ]).toEqual([true, false, true, true, false]);
  });

  it('tests register bits on their 32-bit words exactly as on the whole register (random matches)', () => {
    // Register subfields are tested on Flow.regs words (evaluate.ts compileRegWords); the reference here
    // reads the whole 128/64-bit register as one number, as the match language defines it.
    const rnd = prng(20261203);
    const int = (n: number) => Math.floor(rnd() * n);
    const word = () => (int(4) === 0 ? [0, 1, 0x80000000, 0xffffffff][int(4)]! : int(2 ** 32)) >>> 0;
    const fields: [string, number, number, number][] = [
      ['xxreg0', 0, 4, 128],
      ['xxreg1', 4, 4, 128],
      ['xreg0', 0, 2, 64],
      ['xreg3', 6, 2, 64],
      ['xreg4', 8, 2, 64],
      ['reg0', 0, 1, 32],
      ['reg3', 3, 1, 32],
      ['reg8', 8, 1, 32],
      ['reg9', 9, 1, 32],
    ];
    const wide = (f: Flow, first: number, count: number) => {
      let v = 0n;
      for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(f.regs[first + i]!);
      return v;
    };
    let checked = 0;
    for (let n = 0; n < 400; n++) {
      const [name, first, count, width] = fields[int(fields.length)]!;
      const lo = int(width);
      const hi = Math.min(width - 1, lo + int(int(2) ? 8 : 70));
      const bits = hi - lo + 1;
      const rand = () => BigInt.asUintN(bits, (BigInt(word()) << 32n) | BigInt(word()));
      const values = Array.from({ length: 1 + int(3) }, () => {
        const v = rand();
        const m = int(3) === 0 ? rand() : null;
        return { v: m === null ? v : v & m, m };
      });
      const text = (x: { v: bigint; m: bigint | null }) =>
        x.m === null ? `0x${x.v.toString(16)}` : `0x${x.v.toString(16)}/0x${x.m.toString(16)}`;
      const rhs = values.length === 1 ? text(values[0]!) : `{${values.map(text).join(', ')}}`;
      const neg = int(2) === 0;
      const match = `${name}[${lo}..${hi}] ${neg ? '!=' : '=='} ${rhs}`;
      const c = compileMatch(match, refs);
      if (!c.ok) throw new Error(`${match}: ${c.message}`);
      for (let k = 0; k < 6; k++) {
        const f = flow({ regs: new Uint32Array(16).map(() => word()) });
        // Half the packets carry one of the values, so both outcomes are exercised.
        if (k % 2 === 0) {
          const pick = values[int(values.length)]!;
          const full = wide(f, first, count);
          const mask = ((1n << BigInt(bits)) - 1n) << BigInt(lo);
          let v = (full & ~mask) | (pick.v << BigInt(lo));
          for (let i = count - 1; i >= 0; i--) {
            f.regs[first + i] = Number(v & 0xffffffffn);
            v >>= 32n;
          }
        }
        const got = (wide(f, first, count) >> BigInt(lo)) & ((1n << BigInt(bits)) - 1n);
        const any = values.some((x) => (x.m === null ? got === x.v : (got & x.m) === x.v));
        expect(c.evaluate(f), `${match} on ${f.regs.slice(first, first + count).join(',')}`).toBe(
          any !== neg,
        );
        checked++;
      }
    }
    expect(checked).toBe(2400);
  });
});
