// Engines vs real ovn-trace 23.03 (the host's OVN) on seeded random networks and packets, the original
// case stream (generator features off: its figures are the ones measured since round 1). The model is
// judged on every case, the ovn-trace engine (our parser over the same ovn-trace) on the first
// OVNCP_CONFORMANCE_OVN_TRACE_CASES, the lflow engine (the bed's SB) on the first
// OVNCP_CONFORMANCE_LFLOW_CASES, on ports and, when both drop, the dropping stage.
// OVNCP_CONFORMANCE_CASES / _SEED override; the long run is
// `npm run conformance -- --release 23.03 --cases 3000 --engines model,lflow`. Any disagreement fails
// with its seed. A second, short run judges the model by the lflow engine (`--oracle lflow`).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import {
  lflowConformanceEngine,
  lflowOracle,
  modelConformanceEngine,
  ovnTraceConformanceEngine,
} from './engines.ts';
import { NO_FEATURES } from './generator.ts';
import { reportLines, runConformance } from './run-conformance.ts';

const CASES = Number(process.env.OVNCP_CONFORMANCE_CASES ?? 800);
const OVN_TRACE_CASES = Number(process.env.OVNCP_CONFORMANCE_OVN_TRACE_CASES ?? 300);
const LFLOW_CASES = Number(process.env.OVNCP_CONFORMANCE_LFLOW_CASES ?? 300);
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
        [
          modelConformanceEngine(),
          ovnTraceConformanceEngine(tb, OVN_TRACE_CASES),
          lflowConformanceEngine(LFLOW_CASES),
        ],
        { seed: SEED, cases: CASES, features: NO_FEATURES },
      );
      for (const l of reportLines(rep, SEED)) console.log(l);
      // The generator must exercise both verdicts, or agreement means little.
      expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.engines['ovn-trace']!.cases).toBe(Math.min(CASES, OVN_TRACE_CASES));
      expect(rep.engines.model!.disagreements).toEqual([]);
      expect(rep.engines['ovn-trace']!.disagreements).toEqual([]);
      const lflow = rep.engines.lflow!;
      expect(lflow.cases).toBe(Math.min(CASES, LFLOW_CASES));
      expect(lflow.drops).toBeGreaterThan(lflow.cases / 10);
      expect(lflow.disagreements).toEqual([]);
      expect(lflow.stageDisagreements).toEqual([]);
    },
    TIMEOUT,
  );

  it('the model judged by the lflow engine on the bed SB (--oracle lflow), many cases per network', async () => {
    const t0 = Date.now();
    const rep = await runConformance(tb, [modelConformanceEngine()], {
      seed: SEED + 5000,
      cases: 600,
      perTopology: 150,
      features: NO_FEATURES,
      oracle: lflowOracle(),
    });
    for (const l of reportLines(rep, SEED + 5000)) console.log(l);
    console.log(`model vs lflow oracle: ${rep.cases} cases in ${Date.now() - t0} ms`);
    expect(rep.oracle).toBe('lflow');
    expect(rep.topologies).toBeLessThanOrEqual(5);
    expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
    expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
    expect(rep.engines.model!.disagreements).toEqual([]);
  }, 120_000);
});
