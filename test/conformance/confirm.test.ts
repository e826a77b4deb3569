// Two rules of the harness (run-conformance.ts, judgeCase) for a case an engine disagrees on:
// - it is asked again of a fresh oracle; an answer the fresh oracle does not repeat is set aside as the
//   long-running process's (reported as unstable) and every engine is judged by the fresh one, while an
//   answer it repeats stays a disagreement;
// - an engine that says the answer depends on the order of equal-priority flows (the model, checked by
//   the lflow engine in the reversed order: engines.ts) has the case reported apart, not as a disagreement.
// A real ovn-trace that answers wrongly once cannot be made on demand, so the judge here is the lflow
// engine on the bed's real SB, wrapped to lie on one chosen case; the second rule's engine is the lflow
// engine wrapped likewise. Those wrappers are the only fakes, and they say so.

import { expect, it } from 'vitest';
import { describeBed } from '../helpers/release-bed.ts';
import { lflowConformanceEngine, lflowOracle } from './engines.ts';
import { NO_FEATURES } from './generator.ts';
import { type ConformanceEngine, type ConformanceOracle, runConformance } from './run-conformance.ts';

/** The lflow oracle, except that case number `lieAt` gets a delivery to a port that does not exist. */
function lyingOracle(
  lieAt: number,
  lieAgainWhenConfirmed: boolean,
): ConformanceOracle & { confirmed: number } {
  const inner = lflowOracle();
  let n = 0;
  const lie = ['no-such-port'];
  const wrapped = {
    name: 'lflow (lies once, test fake)',
    confirmed: 0,
    load: inner.load.bind(inner),
    async ports(req, r) {
      return n++ === lieAt ? lie : inner.ports(req, r);
    },
    dropStages: inner.dropStages.bind(inner),
    async confirm(req, r) {
      wrapped.confirmed++;
      if (lieAgainWhenConfirmed) return { ports: lie, dropStages: null, detail: 'lie', previous: 'lie' };
      return { ports: await inner.ports(req, r), dropStages: await inner.dropStages(req, r) };
    },
    stop: inner.stop.bind(inner),
  } satisfies ConformanceOracle & { confirmed: number };
  return wrapped;
}

describeBed('23.03', 'conformance: a disagreement is confirmed by a fresh oracle', (bed) => {
  /** 12 cases judged by an oracle that lies on the 6th (and, if told, again when asked afresh). */
  async function lyingRun(lieAgainWhenConfirmed: boolean) {
    const oracle = lyingOracle(5, lieAgainWhenConfirmed);
    const rep = await runConformance(bed(), [lflowConformanceEngine()], {
      seed: 3100,
      cases: 12,
      features: NO_FEATURES,
      oracle,
    });
    expect(oracle.confirmed).toBe(1);
    return rep;
  }

  it('an answer the fresh oracle does not repeat is reported as unstable, not held against the engine', async () => {
    const rep = await lyingRun(false);
    expect(rep.oracleUnstable).toHaveLength(1);
    expect(rep.oracleUnstable[0]!.first).toMatch(/^no-such-port \|/);
    expect(rep.engines.lflow!.disagreements).toEqual([]);
    expect(rep.engines.lflow!.agreed).toBe(12);
  }, 60_000);

  it('an answer the fresh oracle repeats stays a disagreement', async () => {
    const rep = await lyingRun(true);
    expect(rep.oracleUnstable).toEqual([]);
    expect(rep.engines.lflow!.disagreements).toHaveLength(1);
    expect(rep.engines.lflow!.disagreements[0]!.ovn).toEqual(['no-such-port']);
  }, 60_000);

  it('a disagreement the engine shows to depend on the order of equal-priority flows is reported apart', async () => {
    const inner = lflowConformanceEngine();
    let n = 0;
    const asked: number[] = [];
    // Test fake: the lflow engine, answering wrongly on case 4 and calling only that case order-dependent.
    const engine: ConformanceEngine = {
      name: 'lflow (wrong once, test fake)',
      load: (net) => inner.load(net),
      async deliver(req, r) {
        const a = await inner.deliver(req, r);
        return n++ === 4 ? { ...a, ports: ['no-such-port'] } : a;
      },
      async orderDependent(_req, _r, got) {
        asked.push(n - 1);
        return got.ports[0] === 'no-such-port';
      },
      close: () => inner.close(),
    };
    const rep = await runConformance(bed(), [engine], { seed: 3100, cases: 12, features: NO_FEATURES });
    const er = rep.engines[engine.name]!;
    expect(asked).toEqual([4]);
    expect(er.disagreements).toEqual([]);
    expect(er.orderDependent.map((d) => d.got)).toEqual([['no-such-port']]);
    expect(er.agreed).toBe(11);
  }, 60_000);
});
