// sortInSteps (the NB rebuild sorts a port group's ACLs in steps, issue 18 item 5): the same order as
// Array.prototype.sort (stable) for any input, with yields in between for big inputs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSteps } from '../../src/ovn/topology/build.ts';
import { sortInSteps } from '../../src/sources/nb/from-nb.ts';

describe('sortInSteps', () => {
  it('sorts as Array.prototype.sort does, equal keys kept in order', () => {
    const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3000 }), (keys) => {
        const items = keys.map((k, i) => [k, i] as [number, number]);
        expect(runSteps(sortInSteps([...items], cmp))).toEqual([...items].sort(cmp));
      }),
      { numRuns: 60 },
    );
  });

  it('yields while sorting 20k items', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 20_011);
    const steps = sortInSteps([...items], (a, b) => a - b);
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBeGreaterThan(10);
    expect(r.value).toEqual([...items].sort((a, b) => a - b));
  });
});
