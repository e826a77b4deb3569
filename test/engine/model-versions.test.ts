// The model follows the OVN release of its topology (snapshot `ovn_version`, a live NB's schema): each
// version case gives the verdict the table in version-cases.ts states for that release, and the cases
// loadable into the host's OVN are re-checked against its real ovn-trace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { decidingAcl } from '../../src/engine/result/outcome.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { OVN_RELEASES, type OvnRelease } from '../../src/ovn/topology/types.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import {
  type OvnRelease as BedRelease,
  type OvnTestbed,
  skipWithoutRelease,
  startOvn,
} from '../helpers/ovn-testbed.ts';
import { modelOn } from '../helpers/trace.ts';
import { VERSION_CASES, type VersionCase, verdictOn } from './version-cases.ts';

const CHECKED: readonly OvnRelease[] = ['23.03', '23.06', '24.03', '25.03', '26.03'];

function topologyOn(c: VersionCase, release: OvnRelease) {
  return buildTopology({ ...c.network, ovn_version: release }, { kind: 'memory', name: c.name });
}

describe('the model follows the topology OVN release', () => {
  for (const c of VERSION_CASES)
    for (const release of CHECKED) {
      const v = verdictOn(c, release, OVN_RELEASES);
      if (!v) continue;
      it(`${release}: ${c.name}`, async () => {
        const r = await modelOn(topologyOn(c, release)).trace(c.request);
        expect(r.reaches_destination).toBe(v.reaches);
        expect([...r.output_ports].sort()).toEqual(v.outputs);
        if (v.dropAcl === 'default') {
          expect(r.dropped_at?.type).toBe('acl');
          expect(r.dropped_at?.acl_matches).toEqual([]);
        } else if (v.dropAcl) expect(decidingAcl(r.dropped_at?.acl_matches)?.acl_name).toBe(v.dropAcl);
      });
    }

  it('stage names follow the release (ls_out_acl on 23.03, ls_out_acl_eval from 23.06)', async () => {
    const c = VERSION_CASES.find((x) => x.name.startsWith('a reject ACL with a top-level ||'))!;
    const old = await modelOn(topologyOn(c, '23.03')).trace(c.request);
    const now = await modelOn(topologyOn(c, '25.03')).trace(c.request);
    expect(old.allowed_by.map((a) => a.stage)).toContain('ls_out_acl');
    expect(now.dropped_at?.stage).toBe('ls_out_acl_eval');
  });

  it('a pass ACL or a policy chain in a 23.03 topology is ignored with a warning', async () => {
    const tiers = VERSION_CASES.find((c) => c.name.startsWith('tiers: a tier-0 pass'))!;
    const r = await modelOn(topologyOn(tiers, '23.03')).trace(tiers.request);
    expect(r.warnings.join('\n')).toMatch(/pass-all.*ignored.*pass needs ACL tiers/);
    const chain = VERSION_CASES.find((c) => c.name.startsWith('router policy chains: a jump'))!;
    const r2 = await modelOn(topologyOn(chain, '23.03')).trace(chain.request);
    expect(r2.reaches_destination).toBe(true);
    expect(r2.warnings.join('\n')).toMatch(/policy chains and jump need OVN 25\.03/);
  });
});

/** Beds of these releases (test/helpers/ovn-testbed.ts: the host's 23.03, chroots for the others). */
const BEDS: readonly BedRelease[] = ['23.03', '25.03', '26.03'];

for (const release of BEDS)
  describe.skipIf(skipWithoutRelease(release))(`version cases hold on real ovn-trace ${release}`, () => {
    let tb: OvnTestbed;
    let oracle: OvnTraceOracle;
    beforeAll(async () => {
      tb = await startOvn({ release });
      oracle = new OvnTraceOracle(tb);
    }, 180_000);
    afterAll(async () => {
      await oracle?.stop();
      await tb?.stop();
    });

    it(`every case with a verdict on ${release}`, async () => {
      let checked = 0;
      for (const c of VERSION_CASES) {
        const v = verdictOn(c, release, OVN_RELEASES);
        if (!v) continue;
        // ovn-northd 26.03 dies on an assertion (ods_assign_array_index) when one transaction replaces
        // every datapath: empty the NB first.
        await tb.loadSnapshot({});
        await tb.loadSnapshot(c.network);
        await oracle.restart();
        const r = resolveRequest(topologyOn(c, release), c.request);
        const { ports } = await oracle.trace(r);
        expect({ name: c.name, ports: ports.sort() }).toEqual({ name: c.name, ports: [...v.outputs] });
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(9);
    }, 180_000);
  });
