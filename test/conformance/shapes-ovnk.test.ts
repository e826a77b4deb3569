// The model (and the lflow engine) on ovn-kubernetes-shaped networks (shapes/ovnk.ts) against real
// ovn-trace of OVN 23.03, 25.03 and 26.03: node switches with management ports, the cluster router, join,
// gateway routers with SNAT and localnet, Services (ClusterIP, NodePort on the node address, affinity,
// no endpoints, hairpin), NetworkPolicy / ANP / BANP with tiers and pass, EgressIP reroutes and SNAT,
// EgressFirewall ACLs on join, Service LBs in a Load_Balancer_Group, dual-stack (IPv6 pods, ClusterIPs,
// NodePorts, routes, SNAT and ACLs). Every engine must agree on the
// delivered port set of every case; a second round judges the model by the lflow engine on many more
// packets per network (fast: no ovn-trace). OVNCP_OVNK_CASES overrides the ovn-trace round's size.
// The long run: `npm run conformance -- --release 25.03 --source ovnk --engines model,lflow --cases 3000`.

import { describe, expect, it } from 'vitest';
import type { OvnRelease } from '../helpers/ovn-testbed.ts';
import { describeBed } from '../helpers/release-bed.ts';
import { lflowConformanceEngine, lflowOracle, modelConformanceEngine } from './engines.ts';
import { reportLines, runConformance } from './run-conformance.ts';
import { OVNK_SOURCE } from './shapes/ovnk.ts';

const CASES = Number(process.env.OVNCP_OVNK_CASES ?? 200);
const LFLOW_ORACLE_CASES = 1200;
const SEED = 31000;

/** Classes every run must exercise; with ACL tiers (23.06+) also ANP / pass / BANP. */
const TAGS = [
  'pod-same-node',
  'pod-other-node',
  'service',
  'nodeport',
  'from-outside',
  'from-mgmt',
  'egress',
  'hairpin',
  'affinity',
  'no-endpoints',
  'netpol',
  'egress-policy',
  'egress-ip',
  'egress-firewall',
  'lb-group',
  'ipv6',
];
const TIER_TAGS = ['anp', 'anp-pass', 'banp'];

describe.each(['23.03', '25.03', '26.03'] as const)(
  'ovn-kubernetes shapes on real ovn-trace %s',
  (release) => {
    describeBed(release as OvnRelease, 'in its test bed', (bed) => {
      it(`${CASES} cases: model and lflow agree with ovn-trace on the delivered ports`, async () => {
        const tb = bed();
        const rep = await runConformance(tb, [modelConformanceEngine(), lflowConformanceEngine()], {
          seed: SEED,
          cases: CASES,
          perTopology: 20,
          source: OVNK_SOURCE,
        });
        for (const l of reportLines(rep, SEED, 5)) console.log(l);
        expect(rep.skipped).toBe(0);
        expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
        expect(rep.cases - rep.delivered).toBeGreaterThan(rep.cases / 5);
        const tags = release === '23.03' ? TAGS : [...TAGS, ...TIER_TAGS];
        if (CASES >= 200) for (const t of tags) expect(rep.tagCases[t] ?? 0, t).toBeGreaterThan(0);
        expect(rep.engines.model!.disagreements).toEqual([]);
        expect(rep.engines.lflow!.disagreements).toEqual([]);
      }, 300_000);

      it(`${LFLOW_ORACLE_CASES} cases: the model agrees with the lflow engine`, async () => {
        const tb = bed();
        const rep = await runConformance(tb, [modelConformanceEngine()], {
          seed: SEED + 500,
          cases: LFLOW_ORACLE_CASES,
          perTopology: 200,
          source: OVNK_SOURCE,
          oracle: lflowOracle(),
        });
        for (const l of reportLines(rep, SEED + 500, 5)) console.log(l);
        expect(rep.delivered).toBeGreaterThan(rep.cases / 5);
        expect(rep.engines.model!.disagreements).toEqual([]);
      }, 300_000);
    });
  },
);
