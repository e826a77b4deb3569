// The generated match functions (evaluate.ts compile) against the closure tree (compileTree) on the
// differential generator's matches and packets: the two must agree on every packet. Real OVN judges the
// generated code in differential.test.ts; this one runs without OVN and on many more cases.

import { describe, expect, it } from 'vitest';
import { compile, compileTree } from '../../src/ovn/expr/evaluate.ts';
import { prng } from '../helpers/prng.ts';
import { Gen } from './generate.ts';
import { offlineMatches, PORT_A } from './offline-matches.ts';
import { toFlow } from './packets.ts';

describe('generated match code', () => {
  it('agrees with the closure tree on generated matches and packets', () => {
    const gen = new Gen(prng(20261203));
    let compared = 0;
    let matched = 0;
    for (const [m, a] of offlineMatches(gen, 3000)) {
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
