// Match analysis (src/ovn/expr/analyze.ts, l4-constants.ts) as tables of `match => expected`: the
// references, top-level conjuncts, port scope and L4 constants of a match, read from tokens or the
// parse tree. Quoted names holding `@`, `$`, `"`, `\`, `||` or spaces are strings, never references.

import { describe, expect, it } from 'vitest';
import {
  fieldComparisons,
  hasTopLevelOr,
  type L4Constant,
  l4Constants,
  l4Cuts,
  portScope,
  references,
  topLevelConjuncts,
} from '../../src/ovn/expr/index.ts';

describe('references', () => {
  const cases: [string, string[], string[], [string, 4 | 6][]][] = [
    ['outport == "b@ns" && ip4', [], [], []],
    ['inport == "x$y" && ip4.src == $as', ['as'], [], []],
    [String.raw`outport == "q\"@pg" && ip4`, [], [], []],
    [String.raw`outport == "back\\@pg"`, [], [], []],
    ['inport == "with space @pg" && outport == @pg', [], ['pg'], []],
    [
      'ip4.src == $pg_ip4 || ip6.src == $pg_ip6',
      ['pg_ip4', 'pg_ip6'],
      [],
      [
        ['pg', 4],
        ['pg', 6],
      ],
    ],
    ['ip4.src == {$a, $a, $b_ip4} && outport == {@g, @g}', ['a', 'b_ip4'], ['g'], [['b', 4]]],
    ['ip4.src == $_ip4', ['_ip4'], [], []],
    ['ip4 /* outport == @pg && $set */', [], [], []],
    ['outport == @pg && ip4 &', [], ['pg'], []],
  ];
  it.each(cases)('%s', (match, sets, groups, derived) => {
    const r = references(match);
    expect(r.addressSets).toEqual(sets);
    expect(r.portGroups).toEqual(groups);
    expect(r.derived.map((d) => [d.group, d.family])).toEqual(derived);
  });
});

describe('topLevelConjuncts', () => {
  const cases: [string, string[] | null][] = [
    ['ip4 && tcp', ['ip4', 'tcp']],
    ['(outport == @pg) && (tcp.dst == 80)', ['outport == @pg', 'tcp.dst == 80']],
    ['((ip4 && tcp)) && udp', ['ip4', 'tcp', 'udp']],
    ['(ip4 || ip6) && tcp', ['(ip4 || ip6)', 'tcp']],
    ['!(ip4 && tcp) && udp', ['!(ip4 && tcp)', 'udp']],
    ['ip4 || tcp', null],
    ['(ip4 && tcp) || udp', null],
    ['inport == "x||y" && tcp', ['inport == "x||y"', 'tcp']],
    ['inport == "x&&y"', ['inport == "x&&y"']],
    ['outport == {"a", "b"} && ip4', ['outport == {"a", "b"}', 'ip4']],
    ['ip4 &', null],
  ];
  it.each(cases)('%s', (match, want) => {
    expect(topLevelConjuncts(match)).toEqual(want);
  });
});

describe('hasTopLevelOr', () => {
  const cases: [string, boolean][] = [
    ['ip4 || ip6', true],
    ['(ip4 || ip6) && tcp', false],
    ['inport == "x||y" && tcp', false],
    ['tcp.dst == {80, 443} && ip4', false],
    ['ip4 && tcp || udp', true],
    ['ip4 /* || */ && tcp', false],
  ];
  it.each(cases)('%s', (match, want) => {
    expect(hasTopLevelOr(match)).toBe(want);
  });
});

describe('portScope', () => {
  const members = (g: string) => ({ pg: ['p1', 'p2'], ns: ['n1'] })[g];
  const cases: [string, 'inport' | 'outport', string[] | null][] = [
    ['outport == "b@ns" && ip4', 'outport', ['b@ns']],
    ['outport == @ns && ip4', 'outport', ['n1']],
    ['outport == "ns"', 'outport', ['ns']],
    ['outport == {"ns", @ns}', 'outport', ['ns', 'n1']],
    ['outport == {"a" "b"}', 'outport', ['a', 'b']],
    ['"vm1" == inport && tcp', 'inport', ['vm1']],
    ['inport == "with space" && outport == @pg', 'inport', ['with space']],
    ['inport == "with space" && outport == @pg', 'outport', ['p1', 'p2']],
    [String.raw`outport == "q\"x" && ip4`, 'outport', ['q"x']],
    [String.raw`outport == "back\\slash"`, 'outport', [String.raw`back\slash`]],
    ['inport == "x$y"', 'inport', ['x$y']],
    ['(outport == @pg) && (tcp.dst == 80)', 'outport', ['p1', 'p2']],
    ['(ip4 && (outport == @pg)) && tcp', 'outport', ['p1', 'p2']],
    ['ip4 && inport == {"x", @pg}', 'inport', ['x', 'p1', 'p2']],
    ['outport == {"a", "b"} && outport == {"b", "c"}', 'outport', ['b']],
    ['outport == "a" && ip4 /* || */', 'outport', ['a']],
    ['outport == @pg || ip4', 'outport', null],
    ['(outport == @pg || outport == "x") && ip4', 'outport', null],
    ['inport == "x"', 'outport', null],
    ['outport == @missing', 'outport', null],
    ['!(outport == "a") && ip4', 'outport', null],
    ['outport != "a"', 'outport', null],
    ['outport == {}', 'outport', null],
    ['outport == {"a", 1}', 'outport', null],
    ['outport == "a" &', 'outport', null],
  ];
  it.each(cases)('%s (%s)', (match, field, want) => {
    expect(portScope(match, field, members)).toEqual(want);
  });
});

describe('l4Constants', () => {
  const c = (
    protocol: L4Constant['protocol'],
    side: L4Constant['side'],
    lo: number,
    hi = lo,
    negated = false,
  ) => ({
    protocol,
    side,
    lo,
    hi,
    negated,
  });
  const cases: [string, L4Constant[]][] = [
    ['tcp.dst == 80', [c('tcp', 'dst', 80)]],
    ['udp.dst == {53, 123}', [c('udp', 'dst', 53), c('udp', 'dst', 123)]],
    ['1024 <= tcp.dst <= 2048', [c('tcp', 'dst', 1024, 2048)]],
    ['tcp.dst >= 1024 && tcp.dst < 2048 && ip4', [c('tcp', 'dst', 1024, 2047)]],
    ['tcp.dst > 65000', [c('tcp', 'dst', 65001, 65535)]],
    ['tcp.dst == 0x400/0xfc00', [c('tcp', 'dst', 1024, 2047)]],
    ['tcp.dst == 1/1', []],
    ['!(tcp.dst == 22)', [c('tcp', 'dst', 22, 22, true)]],
    ['tcp.src == 80 || udp.dst == 53', [c('tcp', 'src', 80), c('udp', 'dst', 53)]],
    ['80 == sctp.dst', [c('sctp', 'dst', 80)]],
    ['inport == "tcp.dst == 99" && tcp.dst == 80', [c('tcp', 'dst', 80)]],
    ['outport == @pg && ip4.src == $as && tcp.dst == 443', [c('tcp', 'dst', 443)]],
    ['tcp.dst == 80 && tcp.dst == 81', []],
    ['tcp.dst[0..7] == 80', []],
    ['ip4.dst == 10.0.0.80', []],
    ['tcp.dst ==', []],
  ];
  it.each(cases)('%s', (match, want) => {
    expect(l4Constants(match)).toEqual(want);
  });
});

describe('l4Cuts', () => {
  const tcpDst = (cuts: number[]) => [{ protocol: 'tcp', side: 'dst', cuts }];
  const cases: [string, unknown[]][] = [
    ['tcp.dst == 80', tcpDst([80, 81])],
    ['tcp.dst == {80, 443}', tcpDst([80, 81, 443, 444])],
    ['1024 <= tcp.dst <= 2048', tcpDst([1024, 2049])],
    ['tcp.dst > 65000', tcpDst([65001])],
    ['tcp.dst == 0x400/0xfc00', tcpDst([1024, 2048])],
    // Under a negation (pushed down into an OR) no conjunction confines the field: cuts are kept.
    ['!(tcp.dst >= 100 && tcp.dst <= 200)', tcpDst([100, 201])],
    // A conjunction that is false everywhere needs no cut; the one left is harmless.
    ['tcp.dst == 80 && tcp.dst == 81', tcpDst([81])],
    // A conjunction confining the field keeps a sweep's cuts inside it: odd ports below 8 only.
    ['tcp.dst[0..0] == 1 && tcp.dst < 8', tcpDst([1, 2, 3, 4, 5, 6, 7, 8])],
    ['tcp.dst[8..15] == 1', tcpDst([256, 512])],
    ['udp.src == 53', [{ protocol: 'udp', side: 'src', cuts: [53, 54] }]],
    ['tcp.dst == 0', tcpDst([1])],
    ['tcp.dst == 65535', tcpDst([65535])],
    ['inport == "tcp.dst == 99" && ip4', []],
    ['tcp.dst ==', []],
  ];
  it.each(cases)('%s', (match, want) => {
    expect(l4Cuts(match)).toEqual(want);
  });

  it('cuts odd ports everywhere without a confining conjunction', () => {
    expect(l4Cuts('tcp.dst == 1/1')[0]!.cuts).toHaveLength(65535);
  });
});

describe('fieldComparisons', () => {
  const F = new Set(['eth.src', 'ip4.src', 'ip6.src']);
  const view = (match: string) =>
    Object.fromEntries(
      [...fieldComparisons(match, F)].map(([f, c]) => [
        f,
        { ints: c.ints.map((t) => t.text || String(t.value)), sets: c.sets, opaque: c.opaque },
      ]),
    );
  it.each([
    ['ip4.src == $as && tcp.dst == 80', { 'ip4.src': { ints: [], sets: ['as'], opaque: false } }],
    [
      'ip4.src == {10.0.0.1, $b} || ip4.dst == 10.0.0.2',
      { 'ip4.src': { ints: ['167772161'], sets: ['b'], opaque: false } },
    ],
    ['10.0.0.0/8 == ip4.src', { 'ip4.src': { ints: ['167772160'], sets: [], opaque: false } }],
    ['ip4.src[24..31] == 10', { 'ip4.src': { ints: [], sets: [], opaque: true } }],
    ['ip4.src < 10.0.0.1', { 'ip4.src': { ints: ['167772161'], sets: [], opaque: true } }],
    ['inport == "ip4.src == 1.2.3.4" && ip4', {}],
    ['ip4.dst == $as', {}],
  ])('%s', (match, want) => {
    expect(view(match)).toEqual(want);
  });
});
