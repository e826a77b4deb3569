// The symbol table against real OVN: for every symbol we define, probe matches check that OVN knows
// it, that its width is the same (the widest constant fits, one bit more is rejected) and that its
// level is the same (nominal symbols reject `!=` and `<`, boolean ones reject `<`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatch, NO_REFS } from '../../src/ovn/expr/index.ts';
import { allSymbolNames, lookupSymbol } from '../../src/ovn/expr/symbols.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { buildNetwork, TraceDaemon } from './ovn-oracle.ts';

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
  const matches = allSymbolNames().flatMap(probes);

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
      const ours = compileMatch(m, NO_REFS);
      const theirs = rejected.get(m);
      if (ours.ok !== (theirs === undefined))
        disagreements.push(`${m}: ovn ${theirs ?? 'accepts'}, ours ${ours.ok ? 'accepts' : ours.message}`);
    }
    console.log(`symbol probes: ${matches.length - disagreements.length}/${matches.length} agree with OVN`);
    expect(disagreements).toEqual([]);
  });
});
