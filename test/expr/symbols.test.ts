// The symbol table against real OVN: for every symbol we define, probe matches check that OVN knows
// it, that its width is the same (the widest constant fits, one bit more is rejected) and that its
// level is the same (nominal symbols reject `!=` and `<`, boolean ones reject `<`). Plus a list of odd
// syntactic forms whose acceptance must also match.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatch, type RefResolver } from '../../src/ovn/expr/index.ts';
import { allSymbolNames, lookupSymbol } from '../../src/ovn/expr/symbols.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { ADDRESS_SETS } from './generate.ts';
import { buildNetwork, TraceDaemon } from './ovn-oracle.ts';

const refs: RefResolver = {
  addressSet: (n) => ADDRESS_SETS[n],
  portGroup: () => undefined,
  portGroupAddresses: () => undefined,
};

/** Odd forms (spacing, empty list items, masks, comments, boolean constants, ...): OVN decides. */
const EDGE_FORMS = [
  'tcp.dst[0x3] == 1',
  'tcp.dst[ 3 .. 5 ] == 1',
  '{80} < tcp.dst',
  'tcp.dst == {80}',
  '!0',
  '!1',
  '2',
  '0x1',
  'tcp.dst == 80 && 1',
  'ip4.src == 1.2.3.4:80',
  'tcp.dst == {80,,443}',
  'tcp.dst == {,80}',
  'tcp.dst == 80;',
  'tcp.dst == 80 ;',
  'ct.est == 1 && ct.est',
  'inport == "a" && inport == {"a"}',
  '1 == ct.est',
  '0 < tcp.dst',
  'tcp.dst > 0xffff',
  'tcp.dst >= 0',
  'eth.src == 0:0:0:0:0:1',
  'eth.src == 00:00:00:00:00:1',
  'ip6.src == ::ffff:1.2.3.4',
  'ip6.src == 0::0/0',
  'ip4.src == 0/0',
  'tcp.dst == 0/0',
  'ip4.src != 0/0',
  'reg0 == 0xffffffff',
  'tcp.dst == 1/0x1',
  'tcp.dst == 1/1',
  'ip4.src == 10.0.0.0/0.255.0.0',
  'eth.src == ff:ff:ff:ff:ff:ff/ff:00:00:00:00:00',
  'tcp.dst == 80 // c',
  'tcp.dst == 80 /* c */',
  'ip4.src == 01.2.3.4',
  'inport == "\\u00e9"',
  'tcp && (udp)',
  '(tcp) || (udp) && ip',
  'ip.proto == {6, 17}',
  '!(ip.proto == {6, 17})',
  '!(ip.proto != {6, 17})',
  'is_chassis_resident(1)',
  'eth.src == $as4',
];

function probes(name: string): string[] {
  const s = lookupSymbol(name)!;
  if (s.width === 0) return [`${name} == "x"`, `${name} != "x"`, `${name} < "x"`];
  if (s.kind === 'predicate') return [name, `${name} == 1`, `${name} != 0`, `${name} < 1`];
  const max = (1n << BigInt(s.width)) - 1n;
  return [
    `${name} == 0x${max.toString(16)}`,
    `${name} == 0x${(max + 1n).toString(16)}`,
    `${name} != 0`,
    `${name} < 1`,
    `${name}[${s.width - 1}] == 1`,
  ];
}

describe.skipIf(skipWithoutOvn())('symbol table vs real OVN', () => {
  let tb: OvnTestbed;
  let rejected: Map<string, string>;
  const matches = [...allSymbolNames().flatMap(probes), ...EDGE_FORMS];

  beforeAll(async () => {
    tb = await startOvn();
    await buildNetwork(tb, matches);
    const daemon = await TraceDaemon.start(tb);
    await daemon.trace(
      's0',
      'inport == "s0a" && eth.src == 00:00:00:00:00:0a && eth.dst == 00:00:00:00:00:0b',
    );
    rejected = daemon.rejectedMatches();
  });
  afterAll(async () => {
    await tb?.stop();
  });

  it(`accepts and rejects the same probes as OVN (${matches.length} probes)`, () => {
    const disagreements: string[] = [];
    for (const m of matches) {
      const ours = compileMatch(m, refs);
      const theirs = rejected.get(m);
      if (ours.ok !== (theirs === undefined))
        disagreements.push(`${m}: ovn ${theirs ?? 'accepts'}, ours ${ours.ok ? 'accepts' : ours.message}`);
    }
    console.log(
      `symbol and syntax probes: ${matches.length - disagreements.length}/${matches.length} agree with OVN`,
    );
    expect(disagreements).toEqual([]);
  });
});
