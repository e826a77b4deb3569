// Engines vs real ovn-trace of OVN 25.03 and 26.03 (Debian trixie / sid chroot test beds), on seeded
// random networks with every generator feature the bed's NB schema has (tiers + pass, policy chains,
// affinity, hairpin, NodePort, localnet FIPs). The ovn-trace engine and the lflow engine (the bed's SB)
// must agree on every case's delivered ports; the lflow engine's dropping stage is reported, not
// asserted (where a packet forks and several branches drop, which one is "the" drop differs). The model
// still follows 23.03 where a release differs (the per-release model is separate work): it must agree on
// every case of the classes it knows ('base': none of the tags below), and its disagreements per class
// are recorded here, so that any change, better or worse, is noticed and the figure updated.
// OVNCP_CONFORMANCE_RELEASE_CASES overrides the case count (the counts are then not compared); the
// long run is `npm run conformance -- --release 25.03 --cases 3000 --engines model,lflow`.

import { describe, expect, it } from 'vitest';
import type { OvnRelease } from '../helpers/ovn-testbed.ts';
import { describeBed } from '../helpers/release-bed.ts';
import { lflowConformanceEngine, modelConformanceEngine, ovnTraceConformanceEngine } from './engines.ts';
import { disagreementsByTag, reportLines, runConformance } from './run-conformance.ts';

const DEFAULT_CASES = 300;
const CASES = Number(process.env.OVNCP_CONFORMANCE_RELEASE_CASES ?? DEFAULT_CASES);
/** A seed whose first 300 cases exercise every feature below (checked by the test). */
const SEED = 20262;

/**
 * Model disagreements at SEED and DEFAULT_CASES: total and per class (a disagreement counts for each of
 * its classes). Round 2 (issue 16) closed the ten of the first measurement (affinity 3, chain 5,
 * fip-no-localnet 1, hairpin 4, nodeport 2, pass 4, reject-or 4, tiers 6): none is left at this seed.
 * A longer run still finds some (README, conformance): this asserts the CI seed only.
 */
const GAPS = { total: 0, byTag: {} };
const MODEL_GAPS: Record<'25.03' | '26.03', { total: number; byTag: Record<string, number> }> = {
  '25.03': GAPS,
  '26.03': GAPS,
};

describe.each(['25.03', '26.03'] as const)('engine conformance with real ovn-trace %s', (release) => {
  describeBed(release as OvnRelease, 'in its test bed', (bed) => {
    it(
      `${CASES} cases: the ovn-trace and lflow engines always agree, the model on every class it knows`,
      async () => {
        const tb = bed();
        const engines = [modelConformanceEngine(), ovnTraceConformanceEngine(tb), lflowConformanceEngine()];
        const rep = await runConformance(tb, engines, { seed: SEED, cases: CASES });
        for (const l of reportLines(rep, SEED, 5)) console.log(l);
        expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
        expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
        // Every feature the bed supports is exercised.
        const tags = [
          'tiers',
          'pass',
          'chain',
          'affinity',
          'hairpin',
          'nodeport',
          'fip-localnet',
          'fip-no-localnet',
        ];
        for (const tag of tags) expect(rep.tagCases[tag] ?? 0, tag).toBeGreaterThan(0);
        expect(rep.engines['ovn-trace']!.disagreements).toEqual([]);
        expect(rep.engines.lflow!.disagreements).toEqual([]);
        const model = rep.engines.model!.disagreements;
        expect(model.filter((d) => d.tags.includes('base'))).toEqual([]);
        if (CASES === DEFAULT_CASES) {
          const gaps = MODEL_GAPS[release];
          expect({ total: model.length, byTag: disagreementsByTag(model) }).toEqual(gaps);
        }
      },
      Math.max(300_000, CASES * 500),
    );
  });
});
