// Lexer table: every token OVN's lexer knows, number formats with masks, and errors with offsets.

import { describe, expect, it } from 'vitest';
import { references, tokenize } from '../../src/ovn/expr/index.ts';

const show = (src: string) =>
  tokenize(src).map((t) => {
    if (t.type === 'int')
      return `${t.format}:${t.value.toString(16)}${t.mask === undefined ? '' : `/${t.mask.toString(16)}`}`;
    if (t.type === 'id' || t.type === 'string' || t.type === 'addrset' || t.type === 'portgroup')
      return `${t.type}:${t.text}`;
    if (t.type === 'error') return `error@${t.offset}:${t.text}`;
    return t.type;
  });

describe('lexer', () => {
  const cases: [string, string[]][] = [
    ['( ) { } [ ] , ; :', ['(', ')', '{', '}', '[', ']', ',', ';', ':', 'end']],
    [
      '== != < <= > >= ! && || = .. -- <->',
      ['==', '!=', '<', '<=', '>', '>=', '!', '&&', '||', '=', '..', '--', '<->', 'end'],
    ],
    ['ip4.src ct.est reg0 _x', ['id:ip4.src', 'id:ct.est', 'id:reg0', 'id:_x', 'end']],
    ['80 0x50 0X1f 0', ['decimal:50', 'hex:50', 'hex:1f', 'decimal:0', 'end']],
    [
      '10.0.0.1 10.0.0.0/8 10.0.0.0/255.255.0.0',
      ['ipv4:a000001', 'ipv4:a000000/ff000000', 'ipv4:a000000/ffff0000', 'end'],
    ],
    ['10.0.0.1/8', ['ipv4:a000000/ff000000', 'end']],
    [
      'fe80::1 ::1 ::ffff:1.2.3.4 fd00::/8',
      [
        'ipv6:fe800000000000000000000000000001',
        'ipv6:1',
        'ipv6:ffff01020304',
        'ipv6:fd000000000000000000000000000000/ff000000000000000000000000000000',
        'end',
      ],
    ],
    [
      'aa:bb:cc:dd:ee:ff 00:00:00:00:00:00/01:00:00:00:00:00',
      ['mac:aabbccddeeff', 'mac:0/10000000000', 'end'],
    ],
    ['0/0x1234 0x10/0xf0', ['hex:0/1234', 'hex:10/f0', 'end']],
    ['reg0[0..15]', ['id:reg0', '[', 'decimal:0', '..', 'decimal:f', ']', 'end']],
    ['"vm 1" "a\\"b" "\\u0041"', ['string:vm 1', 'string:a"b', 'string:A', 'end']],
    ['$as1 @pg_1 $a.b', ['addrset:as1', 'portgroup:pg_1', 'addrset:a.b', 'end']],
    ['tcp /* c */ && // rest\n udp', ['id:tcp', '&&', 'id:udp', 'end']],
    ['1.2.3.4:80', ['ipv4:1020304', ':', 'decimal:50', 'end']],
    ['deadbeef', ['id:deadbeef', 'end']],
    ['& x', ["error@0:`&' is only valid as part of `&&'.", 'end']],
    ['tcp | udp', ['id:tcp', "error@4:`|' is only valid as part of `||'.", 'end']],
    ['a - b', ['id:a', "error@2:`-' is only valid as part of `--'.", 'end']],
    ['a / b', ['id:a', "error@2:`/' is only valid as part of `//' or `/*'.", 'end']],
    ['#', ["error@0:Invalid character `#' in input.", 'end']],
    ['"open', ['error@0:Input ends inside quoted string.', 'end']],
    ['$ x', ["error@0:`$' must be followed by a valid identifier.", 'end']],
    ['@1', ["error@0:`@' must be followed by a valid identifier.", 'end']],
    ['007', ['error@0:Decimal constants must not have leading zeros.', 'end']],
    ['0xg', ['error@0:Invalid syntax in hexadecimal constant.', 'end']],
    ['1.2.3', ['error@0:Invalid numeric constant.', 'end']],
    ['10.0.0.0/129', ['error@0:Value and mask have incompatible formats.', 'end']],
    ['0x1/8', ['error@0:Value and mask have incompatible formats.', 'end']],
    [`0x1${'0'.repeat(32)}`, ['error@0:Hexadecimal constant requires more than 128 bits.', 'end']],
  ];
  it.each(cases)('%j', (src, want) => {
    expect(show(src)).toEqual(want);
  });
});

describe('references', () => {
  it('lists $sets and @groups, not text inside strings', () => {
    expect(references('outport == @pg1 && ip4.src == {$as1, $pg1_ip4} && inport != "x@y"')).toEqual({
      addressSets: ['as1', 'pg1_ip4'],
      portGroups: ['pg1'],
      derived: [{ name: 'pg1_ip4', group: 'pg1', family: 4 }],
    });
  });
});
