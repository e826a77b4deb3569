// The generated match functions (evaluate.ts compile) against the closure tree (compileTree) on the
// differential generator's matches and packets: the two must agree on every packet. Real OVN judges the
// generated code in differential.test.ts; this one runs without OVN and on many more cases.

import { describe, expect, it } from 'vitest';
import { annotate } from '../../src/ovn/expr/annotate.ts';
import { compile, compileTree } from '../../src/ovn/expr/evaluate.ts';
import type { RefResolver } from '../../src/ovn/expr/index.ts';
import { parseMatch } from '../../src/ovn/expr/parser.ts';
import { prng } from '../helpers/prng.ts';
import { ADDRESS_SETS, Gen, IP_A, PINNED, PORT_GROUP } from './generate.ts';
import { toFlow } from './packets.ts';

const PORT_A = 'lsp-a';
const refs: RefResolver = {
  addressSet: (name) => ADDRESS_SETS[name],
  portGroup: (name) => (name === PORT_GROUP ? [PORT_A] : undefined),
  portGroupAddresses: (name, family) => (name === PORT_GROUP ? (family === 4 ? [IP_A] : []) : undefined),
};

describe('generated match code', () => {
  it('agrees with the closure tree on generated matches and packets', () => {
    const gen = new Gen(prng(20261203));
    const matches = [...PINNED, ...Array.from({ length: 3000 }, () => gen.expr(3))].map((m) =>
      m.replaceAll('{A}', PORT_A).replaceAll('{B}', 'lsp-b'),
    );
    let compared = 0;
    let matched = 0;
    for (const m of matches) {
      let a: ReturnType<typeof annotate>;
      try {
        a = annotate(parseMatch(m, refs, { laterSymbols: false }));
      } catch {
        continue; // a match OVN rejects: nothing to evaluate
      }
      const code = compile(a);
      const tree = compileTree(a);
      for (let i = 0; i < 8; i++) {
        const f = toFlow(gen.packet(), i % 2 ? PORT_A : 'lsp-b');
        const want = tree(f);
        expect(code(f), `${m}`).toBe(want);
        compared++;
        if (want) matched++;
      }
    }
    // Both outcomes are exercised, on most of the matches.
    expect(compared).toBeGreaterThan(12_000);
    expect(matched).toBeGreaterThan(compared / 10);
    expect(matched).toBeLessThan(compared * 0.9);
  });
});
