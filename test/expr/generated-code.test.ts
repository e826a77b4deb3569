// The generated match functions (evaluate.ts compile) against the closure tree (compileTree) on the
// differential generator's matches and packets: the two must agree on every packet. Real OVN judges the
// generated code in differential.test.ts; this one runs without OVN and on many more cases.

import { describe, expect, it } from 'vitest';
import { compile, compileFirst, compileTree, type Predicate } from '../../src/ovn/expr/evaluate.ts';
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

  it('first-match functions (compileFirst) pick the first of their matches that holds, among the first n', () => {
    const gen = new Gen(prng(20261204));
    const all = [...offlineMatches(gen, 1200)].map(([m, a]) => ({
      m,
      tree: compileTree(a),
      code: compile(a),
    }));
    let hits = 0;
    let misses = 0;
    for (let start = 0; start + 6 <= all.length; start += 3) {
      const group = all.slice(start, start + 1 + (start % 6));
      // One predicate compile() did not make: called from the constants.
      const preds: Predicate[] = group.map((g, i) => (i === 1 ? (f) => g.tree(f) : g.code));
      const first = compileFirst(preds);
      for (let i = 0; i < 6; i++) {
        const f = toFlow(gen.packet(), i % 2 ? PORT_A : 'lsp-b');
        const n = i % 3 === 2 ? Math.max(0, group.length - 1) : group.length;
        const want = group.slice(0, n).findIndex((g) => g.tree(f));
        expect(first(f, n), group.map((g) => g.m).join(' | ')).toBe(want);
        if (want < 0) misses++;
        else hits++;
      }
    }
    expect(hits).toBeGreaterThan(100);
    expect(misses).toBeGreaterThan(100);
  });
});
