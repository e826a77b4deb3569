// The batch order of checks (src/monitor/locality.ts): grouped by source switch, groups in the order
// their first check came, checks in their own order within a group, nothing lost or repeated.

import { describe, expect, it } from 'vitest';
import { bySourceSwitch } from '../../src/monitor/locality.ts';

describe('bySourceSwitch', () => {
  const sw: Record<string, string | undefined> = {
    a1: 'A',
    a2: 'A',
    b1: 'B',
    b2: 'B',
    c1: 'C',
    x: undefined,
  };

  it('groups by switch in first-seen order, keeping the order inside each group', () => {
    expect(bySourceSwitch(['b1', 'a1', 'x', 'b2', 'c1', 'a2'], (k) => sw[k])).toEqual([
      'b1',
      'b2',
      'a1',
      'a2',
      'x',
      'c1',
    ]);
  });

  it('keeps every item once, repeats included, and copies short lists', () => {
    const items = ['a1', 'b1', 'a1', 'x', 'x'];
    const out = bySourceSwitch(items, (k) => sw[k]);
    expect(out).toEqual(['a1', 'a1', 'b1', 'x', 'x']);
    const one = ['a1'];
    expect(bySourceSwitch(one, (k) => sw[k])).not.toBe(one);
    expect(bySourceSwitch([], (k: string) => sw[k])).toEqual([]);
  });
});
