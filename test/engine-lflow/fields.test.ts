// Register loads take a number fast path (fields.ts writeWord on FieldRef.word); it must leave a packet's
// registers exactly as the general bit writer does, for every register name and bit range.

import { describe, expect, it } from 'vitest';
import { resolveField, writeBits, writeWord } from '../../src/engine/lflow/fields.ts';
import { emptyFlow } from '../../src/ovn/expr/index.ts';
import { prng } from '../helpers/prng.ts';

const NAMES: [string, number][] = [
  ...Array.from({ length: 10 }, (_, i) => [`reg${i}`, 32] as [string, number]),
  ['xreg0', 64],
  ['xreg1', 64],
  ['xreg4', 64],
  ['xxreg0', 128],
  ['xxreg1', 128],
];

describe('register word writes', () => {
  it('write the same bits as the general writer (random names, ranges, values)', () => {
    const rnd = prng(7);
    const int = (n: number) => Math.floor(rnd() * n);
    let fast = 0;
    for (let n = 0; n < 3000; n++) {
      const [name, width] = NAMES[int(NAMES.length)]!;
      const lo = int(width);
      const hi = Math.min(width - 1, lo + int(int(3) === 0 ? 40 : 16));
      const ref = resolveField(name, lo, hi)!;
      const value = int(2) ? BigInt(int(2 ** 32)) : BigInt(int(4));
      const a = emptyFlow();
      a.regs.forEach((_, i) => {
        a.regs[i] = int(2 ** 32);
      });
      const b = { ...a, regs: new Uint32Array(a.regs) };
      writeBits(a, ref, value);
      if (!ref.word) continue;
      writeWord(b, ref.word, Number(value));
      fast++;
      expect([...b.regs], `${ref.text} = ${value}`).toEqual([...a.regs]);
    }
    // Most ranges of at most 17 bits fall in one word.
    expect(fast).toBeGreaterThan(1500);
  });
});
