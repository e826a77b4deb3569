// Model engine vs real ovn-trace on seeded random networks and packets. CI runs a bounded number of
// cases (OVNCP_CONFORMANCE_CASES overrides, e.g. 5000 for a long run; OVNCP_CONFORMANCE_SEED picks
// another seed) and prints `agreement: K/N`; any disagreement fails with the seeds to reproduce it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { runConformance } from './run-conformance.ts';

const CASES = Number(process.env.OVNCP_CONFORMANCE_CASES ?? 800);
const SEED = Number(process.env.OVNCP_CONFORMANCE_SEED ?? 20260);
const TIMEOUT = Math.max(180_000, CASES * 200);

describe.skipIf(skipWithoutOvn())('model engine conformance with real ovn-trace', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it(
    `agrees with ovn-trace on ${CASES} generated cases (delivered port set or drop)`,
    async () => {
      const rep = await runConformance(tb, { seed: SEED, cases: CASES });
      console.log(
        `agreement: ${rep.agreed}/${rep.cases} (${rep.topologies} topologies, ${rep.delivered} delivered by OVN, ${rep.skipped} requests unresolvable and skipped, seed ${SEED})`,
      );
      for (const d of rep.disagreements.slice(0, 20)) console.log(`disagreement: ${JSON.stringify(d)}`);
      // The generator must exercise both verdicts, or agreement means little.
      expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
      expect(rep.disagreements).toEqual([]);
    },
    TIMEOUT,
  );
});
