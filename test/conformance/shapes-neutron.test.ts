// The model (and the ovn-trace engine, on a prefix) against real ovn-trace on Neutron-shaped networks
// (shapes/neutron.ts: neutron_pg_drop, security groups with remote groups and stateless groups,
// allowed-address-pairs, a distributed gateway port with SNAT and floating IPs, provider localnet,
// metadata localports, Octavia VIP ports, `virtual` ports) on 23.03 (host), 25.03 and 26.03 (chroot beds). Goal and
// assertion: every delivered port set agrees (model, lflow engine, ovn-trace engine on a prefix). Then, on the same bed, the model judged by the lflow
// engine over many cases per network. The long run is one command:
// `npm run conformance -- --release 25.03 --source neutron --cases 1000 --per 20`.

import { describe, expect, it } from 'vitest';
import type { OvnRelease } from '../helpers/ovn-testbed.ts';
import { describeBed } from '../helpers/release-bed.ts';
import {
  lflowConformanceEngine,
  lflowOracle,
  modelConformanceEngine,
  ovnTraceConformanceEngine,
} from './engines.ts';
import { type ConformanceReport, reportLines, runConformance } from './run-conformance.ts';
import { NEUTRON_SOURCE } from './shapes/neutron-source.ts';

const CASES = Number(process.env.OVNCP_NEUTRON_CASES ?? 200);
const SEED = 16004;
/** Classes the run must reach (neutron-packets.ts neutronCaseTags), or agreement says little. */
const MUST_SEE = [
  'fip-distributed',
  'fip-centralized',
  'snat',
  'octavia',
  'metadata',
  'from-localnet',
  'aap',
  'virtual',
  'virtual-routed',
  'ha-chassis-group',
];

/** Both verdicts are well represented (about a third of Neutron cases are delivered). */
function expectUseful(rep: ConformanceReport): void {
  expect(rep.delivered).toBeGreaterThan(rep.cases / 6);
  expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
  expect(rep.skipped).toBeLessThan(rep.cases / 10);
}

describe.each(['23.03', '25.03', '26.03'] as const)('Neutron-shaped networks, OVN %s', (release) => {
  describeBed(release as OvnRelease, 'in its test bed', (bed) => {
    it(`${CASES} cases: the model, lflow and the ovn-trace engine agree with ovn-trace on every one`, async () => {
      const tb = bed();
      const t0 = Date.now();
      const engines = [modelConformanceEngine(), lflowConformanceEngine(), ovnTraceConformanceEngine(tb, 60)];
      const rep = await runConformance(tb, engines, {
        seed: SEED,
        cases: CASES,
        perTopology: 20,
        source: NEUTRON_SOURCE,
      });
      for (const l of reportLines(rep, SEED, 5)) console.log(l);
      console.log(`neutron ${release} vs ovn-trace: ${rep.cases} cases in ${Date.now() - t0} ms`);
      expectUseful(rep);
      if (CASES >= 200) for (const t of MUST_SEE) expect(rep.tagCases[t] ?? 0, t).toBeGreaterThan(0);
      expect(rep.engines.model!.disagreements).toEqual([]);
      expect(rep.engines.lflow!.disagreements).toEqual([]);
      // Neutron names ports by UUID: ovn-trace's "friendly" names would cut them to 6 characters.
      expect(rep.engines['ovn-trace']!.cases).toBe(Math.min(60, rep.cases));
      expect(rep.engines['ovn-trace']!.disagreements).toEqual([]);
    }, 300_000);

    it('the model judged by the lflow engine, 100 cases per network', async () => {
      const tb = bed();
      const t0 = Date.now();
      const rep = await runConformance(tb, [modelConformanceEngine()], {
        seed: SEED + 1000,
        cases: 800,
        perTopology: 100,
        source: NEUTRON_SOURCE,
        oracle: lflowOracle(),
      });
      for (const l of reportLines(rep, SEED + 1000, 5)) console.log(l);
      console.log(`neutron ${release} vs lflow: ${rep.cases} cases in ${Date.now() - t0} ms`);
      expectUseful(rep);
      expect(rep.engines.model!.disagreements).toEqual([]);
    }, 120_000);
  });
});
