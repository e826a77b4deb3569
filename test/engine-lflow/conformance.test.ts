// The lflow engine vs real ovn-trace (the host's OVN) on generated networks (the original 23.03 stream,
// generator features off): the delivered port set of every case and the dropping stage of every drop
// must agree. CI runs a bounded number of cases;
// OVNCP_LFLOW_CASES=3000 is the long run. Prints `lflow agreement: …`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FEATURES } from '../conformance/generator.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { runLflowConformance } from './run-lflow-conformance.ts';

const CASES = Number(process.env.OVNCP_LFLOW_CASES ?? 240);
const SEED = Number(process.env.OVNCP_LFLOW_SEED ?? 20260);

describe.skipIf(skipWithoutOvn())('lflow engine conformance with real ovn-trace', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => tb?.stop());

  it(
    `agrees with ovn-trace on ${CASES} generated cases (ports and dropping stage)`,
    async () => {
      const rep = await runLflowConformance(tb, { seed: SEED, cases: CASES, features: NO_FEATURES });
      console.log(
        `lflow agreement: ports ${rep.portsAgreed}/${rep.cases}, dropping stage ${rep.stageAgreed}/${rep.drops} (${rep.topologies} topologies, ${rep.delivered} delivered, ${rep.skipped} skipped, seed ${SEED})`,
      );
      for (const d of rep.disagreements.slice(0, 20)) console.log(`disagreement: ${JSON.stringify(d)}`);
      expect(rep.delivered).toBeGreaterThan(rep.cases / 10);
      expect(rep.drops).toBeGreaterThan(rep.cases / 10);
      expect(rep.disagreements).toEqual([]);
    },
    Math.max(180_000, CASES * 300),
  );
});
