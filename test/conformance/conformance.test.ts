// Engines vs real ovn-trace 23.03 (the host's OVN) on seeded random networks and packets, the original
// case stream (generator features off: its figures are the ones measured since round 1). The model is
// judged on every case, the ovn-trace engine (our parser over the same ovn-trace) on the first
// OVNCP_CONFORMANCE_OVN_TRACE_CASES. OVNCP_CONFORMANCE_CASES / _SEED override; the long run is
// `npm run conformance -- --release 23.03 --cases 3000`. Any disagreement fails with its seed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { modelConformanceEngine, ovnTraceConformanceEngine } from './engines.ts';
import { NO_FEATURES } from './generator.ts';
import { reportLines, runConformance } from './run-conformance.ts';

const CASES = Number(process.env.OVNCP_CONFORMANCE_CASES ?? 800);
const OVN_TRACE_CASES = Number(process.env.OVNCP_CONFORMANCE_OVN_TRACE_CASES ?? 300);
const SEED = Number(process.env.OVNCP_CONFORMANCE_SEED ?? 20260);
const TIMEOUT = Math.max(180_000, CASES * 200);

describe.skipIf(skipWithoutOvn())('engine conformance with real ovn-trace 23.03', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it(
    `model (${CASES} cases) and ovn-trace engine agree with ovn-trace on the delivered port set`,
    async () => {
      const rep = await runConformance(
        tb,
        [modelConformanceEngine(), ovnTraceConformanceEngine(tb, OVN_TRACE_CASES)],
        { seed: SEED, cases: CASES, features: NO_FEATURES },
      );
      for (const l of reportLines(rep, SEED)) console.log(l);
      // The generator must exercise both verdicts, or agreement means little.
      expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.engines['ovn-trace']!.cases).toBe(Math.min(CASES, OVN_TRACE_CASES));
      expect(rep.engines.model!.disagreements).toEqual([]);
      expect(rep.engines['ovn-trace']!.disagreements).toEqual([]);
    },
    TIMEOUT,
  );
});
