// Whatever text arrives (ACLs come from users), compileMatch answers with a compiled match or an
// ExprError with an offset inside the text; it never throws and evaluation never throws.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMatch, emptyFlow, type RefResolver } from '../../src/ovn/expr/index.ts';

const refs: RefResolver = {
  addressSet: (n) => (n === 'as' ? ['10.0.0.1', 'fd00::/8', 'junk'] : undefined),
  portGroup: (n) => (n === 'pg' ? ['p1'] : undefined),
  portGroupAddresses: () => [],
};

const PIECES = [
  'tcp',
  'udp',
  'ip4',
  'ip6',
  'inport',
  'outport',
  'tcp.dst',
  'ip4.src',
  'ip6.dst',
  'eth.src',
  'ct.est',
  'reg0',
  'xxreg1',
  'ip.proto',
  'eth.type',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '!',
  '&&',
  '||',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '..',
  ',',
  '80',
  '0x50',
  '10.0.0.1',
  '10.0.0.0/8',
  'fe80::1',
  '::/0',
  '00:11:22:33:44:55',
  '"p1"',
  '"',
  '$as',
  '$none',
  '@pg',
  '@none',
  '0',
  '1',
  '/',
  '&',
  '|',
  '-',
  '/*',
  '=',
  ':',
  ';',
  'is_chassis_resident',
  '65536',
  '3',
  '127',
];

describe('robustness', () => {
  it('never throws on token soup', () => {
    const flow = emptyFlow();
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }), fc.boolean(), (parts, spaced) => {
        const text = parts.join(spaced ? ' ' : '');
        const r = compileMatch(text, refs);
        if (r.ok) expect(typeof r.evaluate(flow)).toBe('boolean');
        else expect(r.offset).toBeGreaterThanOrEqual(0);
        if (!r.ok) expect(r.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const r = compileMatch(text, refs);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('handles a long match and deep negation chains', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `tcp.dst == ${i % 65536}`).join(' || ');
    const r = compileMatch(long, refs);
    expect(r.ok).toBe(true);
    const deep = (n: number) => `${'!('.repeat(n)}tcp.dst == 80${')'.repeat(n)}`;
    expect(compileMatch(deep(100), refs)).toMatchObject({ ok: true });
    expect(compileMatch(deep(101), refs)).toMatchObject({
      ok: false,
      message: 'Parentheses nested too deeply.',
    });
  });
});
