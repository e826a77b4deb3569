// The exact tests of a match (exact-tests.ts) are necessary conditions: a flow index may skip every flow
// whose tests a packet fails, so a packet the match accepts must pass every one of them. Checked on the
// differential generator's matches and packets (plus register and conntrack bits, which its packets
// leave at 0), and on the shapes northd writes, where the derived entries are pinned.

import { describe, expect, it } from 'vitest';
import { annotate } from '../../src/ovn/expr/annotate.ts';
import { compile } from '../../src/ovn/expr/evaluate.ts';
import { exactTests } from '../../src/ovn/expr/exact-tests.ts';
import { CT, type Flow } from '../../src/ovn/expr/index.ts';
import { parseMatch } from '../../src/ovn/expr/parser.ts';
import { prng } from '../helpers/prng.ts';
import { Gen } from './generate.ts';
import { OFFLINE_REFS, offlineMatches, PORT_A } from './offline-matches.ts';
import { toFlow } from './packets.ts';

const testsOf = (m: string) => exactTests(annotate(parseMatch(m, OFFLINE_REFS, { laterSymbols: false })));

/** Every test of `m` holds on `f` (some entry equals the field's value under its mask). */
function passes(m: string, f: Flow): boolean {
  return testsOf(m).every((t) => {
    const v = t.field.reader.read(f);
    const x = typeof v === 'number' ? BigInt(v >>> 0) : (v as bigint);
    return t.entries.some((e) => (x & e.mask) === e.value);
  });
}

/** Matches of the shapes northd writes: register bits, conntrack bits, predicates with prerequisites. */
const NORTHD = [
  'ip && ct.est && ct.trk && reg0[6] == 1',
  'ip && ct.new && ct.trk && reg0[6] == 1',
  '!ct.est && ct.rel && !ct.new && !ct.inv && ct_mark.blocked == 0',
  'ct.est && !ct.rel && !ct.new && !ct.inv && ct.rpl && ct_mark.blocked == 0',
  'ct.inv || (ct.est && ct.rpl && ct_mark.blocked == 1)',
  'reg0[7] == 1 && (outport == "lsp-a" && ip4.src == $as4 && tcp.dst == 80)',
  'reg0[1] == 1 && reg0[13] == 0',
  'flags[1] == 0 && arp.op == 1 && arp.tpa == 10.0.0.1',
  'eth.mcast',
  'ip4 && ip4.dst == 10.0.0.0/8 && ip.ttl == {0, 1}',
  'nd || nd_ra || nd_rs',
  'xxreg0 == 5 || xxreg0 == 6',
  'reg9[2..3] == 2 && reg9[3] == 1',
  'ct_state == 0x21/0x21',
];

describe('exact tests of a match', () => {
  it('are passed by every packet the match accepts (generated matches and packets)', () => {
    const gen = new Gen(prng(20261204));
    const rnd = prng(99);
    let accepted = 0;
    let keyed = 0;
    let valid = 0;
    for (const [m, a] of offlineMatches(gen, 3000, NORTHD)) {
      const match = compile(a);
      valid++;
      if (exactTests(a).length > 0) keyed++;
      for (let i = 0; i < 12; i++) {
        const f = toFlow(gen.packet(), i % 2 ? PORT_A : 'lsp-b');
        // Register and conntrack bits the generator's packets leave at 0: a few random bits.
        f.regs[3] = rnd() < 0.5 ? 0 : (rnd() * 2 ** 32) >>> 0;
        f.regs[11] = rnd() < 0.5 ? 0 : (rnd() * 2 ** 32) >>> 0;
        f.ctState = Math.floor(rnd() * 256);
        f.logFlags = Math.floor(rnd() * 16);
        if (!match(f)) continue;
        accepted++;
        expect(passes(m, f), m).toBe(true);
      }
    }
    expect(keyed).toBeGreaterThan(valid / 2);
    expect(accepted).toBeGreaterThan(3000);
  });

  it('reads bit tests, predicates and prerequisites as northd writes them', () => {
    const byField = (m: string) =>
      Object.fromEntries(
        testsOf(m).map((t) => [t.field.name, t.entries.map((e) => [e.value, e.mask] as [bigint, bigint])]),
      );
    const est = BigInt(CT.est);
    const trk = BigInt(CT.trk);
    const rel = BigInt(CT.rel);
    // `!ct.est` is ct_state[est] == 0; the one-entry tests of ct_state combine into one entry.
    const ct = byField('ct.trk && !ct.est && ct.rel')['ct_state']!;
    expect(ct).toEqual([[trk | rel, trk | est | rel]]);
    // `ip` is a disjunction of two eth.type values.
    expect(byField('ip')['eth.type']).toEqual([
      [0x800n, 0xffffn],
      [0x86ddn, 0xffffn],
    ]);
    // A prerequisite narrows a disjunction: ip4.dst needs eth.type 0x800.
    expect(byField('ip && ip4.dst == 10.0.0.1')['eth.type']).toEqual([[0x800n, 0xffffn]]);
    // reg0 is the most significant word of xxreg0 (bits 96..127): reg0[6] is its bit 102.
    const x = byField('reg0[6] == 1')['xxreg0']!;
    expect(x).toEqual([[1n << 102n, 1n << 102n]]);
    // A disjunction keeps what every disjunct tests: nd and nd_ra are both ICMPv6.
    const nd = byField('nd || nd_ra');
    expect(nd['eth.type']).toEqual([[0x86ddn, 0xffffn]]);
    expect(nd['ip.proto']).toEqual([[58n, 0xffn]]);
    const inv = BigInt(CT.inv);
    const rpl = BigInt(CT.rpl);
    // (every ct.* bit has the prerequisite ct.trk)
    expect(byField('ct.inv || (ct.est && ct.rpl)').ct_state).toEqual([
      [inv | trk, inv | trk],
      [est | rpl | trk, est | rpl | trk],
    ]);
    // Disjunctions over different fields, and a `!=` of several bits, are no exact test.
    expect(byField('ct.est || ip4')).toEqual({});
    expect(byField('reg0[0..1] != 1')).toEqual({});
    // Contradicting bit tests keep the first (the match never holds; the test stays a necessary one).
    expect(byField('reg0[6] == 1 && reg0[6] == 0')['xxreg0']).toEqual([[1n << 102n, 1n << 102n]]);
  });
});
