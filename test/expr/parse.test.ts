// Tables of `match => parse tree` and `match => error`, for the grouping, negation and checking rules
// OVN applies while parsing (lib/expr.c). Trees print with formatExpr (constants in hex).

import { describe, expect, it } from 'vitest';
import { compileMatch, formatExpr, parseMatch, type RefResolver } from '../../src/ovn/expr/index.ts';

const refs: RefResolver = {
  addressSet: (n) =>
    ({
      web: ['10.0.0.1', '10.0.0.2', '10.1.0.0/16'],
      empty: [],
      mixed: ['10.0.0.9', 'junk', '10.0.0.1/99'],
      dual: ['10.0.0.9', '::1'],
    })[n],
  portGroup: (n) => (n === 'pg' ? ['p1', 'p2'] : n === 'nobody' ? [] : undefined),
  portGroupAddresses: (n, fam) => (n === 'pg' ? (fam === 4 ? ['10.0.0.5'] : ['fd00::5']) : undefined),
};

const tree = (m: string) => formatExpr(parseMatch(m, refs));

describe('parse trees', () => {
  const cases: [string, string][] = [
    ['tcp.dst == 80', 'tcp.dst == 0x50'],
    ['tcp.dst == {80, 443}', 'tcp.dst == {0x50, 0x1bb}'],
    ['tcp.dst == {80 443,}', 'tcp.dst == {0x50, 0x1bb}'],
    ['tcp.dst != {80, 443}', 'tcp.dst != {0x50, 0x1bb}'],
    ['!(tcp.dst == {80, 443})', 'tcp.dst != {0x50, 0x1bb}'],
    ['!(tcp.dst != 80)', 'tcp.dst == 0x50'],
    ['80 == tcp.dst', 'tcp.dst == 0x50'],
    ['1000 < tcp.dst', 'tcp.dst > 0x3e8'],
    ['1000 <= tcp.dst < 2000', 'tcp.dst >= 0x3e8 && tcp.dst < 0x7d0'],
    ['2000 > udp.src >= 1000', 'udp.src < 0x7d0 && udp.src >= 0x3e8'],
    ['!(tcp.dst < 1000)', 'tcp.dst >= 0x3e8'],
    ['ct.est', 'ct.est != 0x0'],
    ['!ct.est', 'ct.est == 0x0'],
    ['tcp', 'tcp != 0x0'],
    ['ip4.src == 10.0.0.0/8', 'ip4.src == 0xa000000/0xff000000'],
    ['ip4.src == 10.0.0.0/255.0.0.0', 'ip4.src == 0xa000000/0xff000000'],
    [
      'ip6.src == fe80::/10',
      'ip6.src == 0xfe800000000000000000000000000000/0xffc00000000000000000000000000000',
    ],
    ['eth.src[40]', 'eth.src[40] != 0x0'],
    ['ip4.dst[24..31] == 10', 'ip4.dst[24..31] == 0xa'],
    ['reg0[0..3] == 0x5', 'reg0[0..3] == 0x5'],
    ['ip4.src == $web', 'ip4.src == {0xa000001, 0xa000002, 0xa010000/0xffff0000}'],
    ['ip4.src == {$web, 10.9.9.9}', 'ip4.src == {0xa000001, 0xa000002, 0xa010000/0xffff0000, 0xa090909}'],
    ['ip4.src == $pg_ip4', 'ip4.src == 0xa000005'],
    ['ip4.src == $empty', '0'],
    ['ip4.src != $empty', '1'],
    ['inport == @pg', 'inport == {"p1", "p2"}'],
    ['outport == @nobody', '0'],
    ['inport == "vm 1"', 'inport == "vm 1"'],
    ['!(inport != "a")', 'inport == "a"'],
    ['1', '1'],
    ['0', '0'],
    ['tcp && udp && ip', 'tcp != 0x0 && udp != 0x0 && ip != 0x0'],
    ['tcp || udp || ip', 'tcp != 0x0 || udp != 0x0 || ip != 0x0'],
    ['(tcp || udp) && ip4', '(tcp != 0x0 || udp != 0x0) && ip4 != 0x0'],
    ['!(ct.est && ct.rpl)', 'ct.est == 0x0 || ct.rpl == 0x0'],
    ['ip4 /* comment */ && tcp // tail', 'ip4 != 0x0 && tcp != 0x0'],
    ['is_chassis_resident("p1")', 'is_chassis_resident("p1")'],
    ['!is_chassis_resident("p1")', '!is_chassis_resident("p1")'],
  ];
  it.each(cases)('%s => %s', (match, want) => {
    expect(tree(match)).toBe(want);
  });
});

describe('matches OVN rejects', () => {
  const cases: [string, RegExp][] = [
    ['inport != "a"', /Nominal field inport may only be tested for equality/],
    ['!(inport == "a")', /Nominal field inport/],
    ['ip.proto != 6', /Nominal field ip.proto/],
    ['eth.type != 0x800', /Nominal field eth.type/],
    ['!udp', /Nominal predicate udp may only be tested positively/],
    ['!(udp)', /Nominal predicate udp/],
    ['udp == 0', /Nominal predicate udp/],
    ['!(ip4 && tcp.dst == 80)', /Nominal predicate ip4/],
    ['icmp4.type < 3', /Only == and != operators may be used with nominal field icmp4.type/],
    ['ip4.mcast < 1', /Only == and != operators may be used with boolean field ip4.mcast/],
    ['tcp.dst < {80, 90}', /Only == and != operators may be used with value sets/],
    ['ip4.src < 10.0.0.0/8', /masked constants/],
    ['tcp.dst < $empty', /against an empty value set/],
    ['tcp || udp && ip', /&& and \|\| must be parenthesized when used together/],
    ['tcp && udp || ip', /must be parenthesized/],
    ['! tcp.dst == 80', /Missing parentheses around operand of !/],
    ['!!tcp', /expecting constant/],
    ['tcp.dst', /Explicit `!= 0' is required/],
    ['inport', /expecting relational operator/],
    ['tcp.dst = 80', /expecting relational operator/],
    ['tcp.dst == 70000', /17-bit constant is not compatible with 16-bit field tcp.dst/],
    ['tcp.dst == 10.0.0.1', /32-bit constant/],
    ['inport == 1', /String field inport is not compatible with integer constant/],
    ['tcp.dst == "80"', /Integer field tcp.dst is not compatible with string constant/],
    ['tcp.dst == {80, "x"}', /expecting integer/],
    ['ip4.src == {}', /expecting constant/],
    ['ip4.src == {1, {2}}', /expecting constant/],
    ['1 == tcp.dst == 2', /Range expressions must have the form/],
    ['1 < tcp.dst > 2', /Range expressions/],
    ['eth.type[0..3] == 0', /Cannot select subfield of nominal field eth.type/],
    ['tcp.dst[16] == 1', /Cannot select bits 16 to 16 of 16-bit field tcp.dst/],
    ['tcp.dst[3..1] == 1', /Invalid bit range 3 to 1/],
    ['inport[0] == 1', /Cannot select subfield of string field inport/],
    ['nosuch == 1', /expecting field name/],
    ['reg10 == 1', /expecting field name/],
    ['nd_ns_mcast', /expecting field name/],
    ['icmp4.frag_mtu == 1', /may only be set by actions/],
    ['ip4.src == $nosuch', /no address set named nosuch/],
    ['ip4.src == $dual', /128-bit constant is not compatible with 32-bit field ip4.src/],
    ['inport == @nosuch', /no port group named nosuch/],
    ['foo(1)', /parsing function name/],
    ['tcp.dst == 080', /leading zeros/],
    ['tcp.dst == 0x', /Hex digits expected/],
    ['ip4.src == 10.0.0.256', /Invalid numeric constant/],
    ['ip4.src == 10.0.0.0/33', /incompatible formats/],
    ['tcp.dst == 80 &', /`&' is only valid as part of `&&'/],
    ['tcp.dst == 80 |', /`\|' is only valid/],
    ['inport == "a', /Input ends inside quoted string/],
    ['tcp /* open', /without matching/],
    ['tcp.dst == 80)', /expecting end of input/],
    ['(tcp.dst == 80', /expecting `\)'/],
    ['$', /`\$' must be followed by a valid identifier/],
    ['tcp.dst == 18446744073709551616', /less than 2\*\*64/],
    [`${'('.repeat(101)}tcp${')'.repeat(101)}`, /nested too deeply/],
  ];
  it.each(cases)('%s is rejected', (match, want) => {
    const r = compileMatch(match, refs);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(want);
  });

  it('reports where the problem is', () => {
    const r = compileMatch('tcp.dst == 80 && inport != "a"', refs);
    expect(r).toMatchObject({ ok: false, offset: 27 });
    const lex = compileMatch('tcp.dst == 80 & udp', refs);
    expect(lex).toMatchObject({ ok: false, offset: 14 });
  });

  it('accepts 100 nested parentheses', () => {
    expect(compileMatch(`${'('.repeat(100)}tcp${')'.repeat(100)}`, refs).ok).toBe(true);
  });

  it('skips address-set entries that are not constants, as OVN does', () => {
    expect(tree('ip4.src == $mixed')).toBe('ip4.src == 0xa000009');
  });
});
