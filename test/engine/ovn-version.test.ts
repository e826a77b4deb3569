// The per-release table of OVN behaviour (src/engine/ovn-version.ts) and the schema table it is keyed by
// (src/ovn/topology/ovn-releases.ts): expected values per release as tables, stage names as ovn-trace
// prints them, and the ovn-trace engine's stage classification read from the same table.

import { describe, expect, it } from 'vitest';
import { hopTypeOfStage, isAclActionStage, isAclDecisionStage } from '../../src/engine/ovn-trace/stages.ts';
import {
  ACL_ACTION_STAGES,
  ACL_DECIDE_STAGES,
  ovnBehaviour,
  routePriority,
} from '../../src/engine/ovn-version.ts';
import {
  COLUMN_SINCE,
  columnsOfRelease,
  columnsOfSchema,
  compareVersions,
  RELEASE_SCHEMAS,
  releaseOfSchema,
} from '../../src/ovn/topology/ovn-releases.ts';
import { OVN_RELEASES, type OvnRelease } from '../../src/ovn/topology/types.ts';

describe('release from schema versions', () => {
  it.each([
    ['6.1.0', null, '22.03', '22.03'],
    ['6.3.0', null, '22.09', '22.09'], // 22.06 and 22.09 share NB 6.3.0: the newest without the SB
    ['6.3.0', '20.23.0', '22.06', '22.06'], // the SB tells them apart
    ['6.3.0', '20.25.0', '22.09', '22.09'],
    ['7.0.0', null, '23.03', '23.03'], // 22.12 = 23.03 by schema: the verified one
    ['7.0.0', '20.27.0', '23.03', '23.03'],
    ['7.0.4', null, '23.06', '23.06'],
    ['7.2.0', null, '23.09', '>=23.09'], // between 23.09 (7.1.0) and 24.03 (7.3.0): a point release
    ['7.3.0', '20.33.0', '24.03', '24.03'],
    ['7.11.0', null, '25.03', '25.03'],
    ['7.12.0', '21.5.0', '25.09', '25.09'],
    ['7.18.0', '21.8.0', '26.03', '26.03'],
    ['7.20.1', null, '26.03', '>=26.03'], // newer than any release known
    ['5.32.1', null, '22.03', '<=22.03'],
  ] as const)('NB %s, SB %s -> %s (%s)', (nb, sb, release, range) => {
    expect(releaseOfSchema(nb, sb)).toEqual({ release, range });
  });

  it('maps every release schema back to that release, or to its same-schema twin', () => {
    for (const r of OVN_RELEASES) {
      const { nb, sb } = RELEASE_SCHEMAS[r];
      const twin = OVN_RELEASES.filter((o) => RELEASE_SCHEMAS[o].nb === nb && RELEASE_SCHEMAS[o].sb === sb);
      expect(releaseOfSchema(nb, sb).release).toBe(twin.at(-1));
    }
  });

  it('orders schema versions numerically', () => {
    expect(compareVersions('7.11.0', '7.6.0')).toBe(1);
    expect(compareVersions('7.0', '7.0.0')).toBe(0);
    expect(compareVersions('20.27.2', '21.5.0')).toBe(-1);
  });

  it('schema versions never go back from one release to the next', () => {
    for (let i = 1; i < OVN_RELEASES.length; i++) {
      const [a, b] = [RELEASE_SCHEMAS[OVN_RELEASES[i - 1]!], RELEASE_SCHEMAS[OVN_RELEASES[i]!]];
      expect(compareVersions(a.nb, b.nb)).toBeLessThanOrEqual(0);
      expect(compareVersions(a.sb, b.sb)).toBeLessThanOrEqual(0);
    }
  });
});

describe('version-dependent columns', () => {
  it.each([
    ['23.03', { aclTier: false, aclSampleNew: false, policyChain: false, networkFunction: false }],
    ['23.06', { aclTier: true, aclSampleNew: false, policyChain: false, networkFunction: false }],
    ['24.09', { aclTier: true, aclSampleNew: true, policyChain: false, networkFunction: false }],
    ['25.03', { aclTier: true, aclSampleNew: true, policyChain: true, networkFunction: false }],
    ['26.03', { aclTier: true, aclSampleNew: true, policyChain: true, networkFunction: true }],
  ] as const)('%s has %o', (release, columns) => {
    expect(columnsOfRelease(release)).toEqual(columns);
  });

  it('reads presence from the schema tables, not from a version number', () => {
    const cols = (m: Record<string, string[]>) =>
      new Map(Object.entries(m).map(([t, c]) => [t, new Map(c.map((x) => [x, {}]))]));
    const schema = { version: '9.9.9', tables: cols({ ACL: ['match', 'tier'], Network_Function: [] }) };
    expect(columnsOfSchema(schema)).toEqual({
      aclTier: true,
      aclSampleNew: false,
      policyChain: false,
      networkFunction: true,
    });
    expect(Object.keys(COLUMN_SINCE).sort()).toEqual(Object.keys(columnsOfSchema(schema)).sort());
  });
});

describe('behaviour table', () => {
  it.each([
    ['22.03', 'ls_in_acl', null, null, 'ls_out_acl'],
    ['23.03', 'ls_in_acl', null, null, 'ls_out_acl'],
    ['23.06', 'ls_in_acl_eval', 'ls_in_acl_action', null, 'ls_out_acl_eval'],
    ['24.03', 'ls_in_acl_eval', 'ls_in_acl_action', null, 'ls_out_acl_eval'],
    ['24.09', 'ls_in_acl_eval', 'ls_in_acl_action', 'ls_in_acl_sample', 'ls_out_acl_eval'],
    ['25.03', 'ls_in_acl_eval', 'ls_in_acl_action', 'ls_in_acl_sample', 'ls_out_acl_eval'],
    ['26.03', 'ls_in_acl_eval', 'ls_in_acl_action', 'ls_in_acl_sample', 'ls_out_acl_eval'],
  ] as const)('%s ACL stages: %s / %s / %s, egress %s', (release, decide, action, sample, egress) => {
    const s = ovnBehaviour(release).aclStages;
    expect(s.ingress).toEqual({ decide, action, sample });
    expect(s.egress.decide).toBe(egress);
    expect(s['after-lb'].decide).toBe(decide.replace('ls_in_acl', 'ls_in_acl_after_lb'));
  });

  const FEATURES = [
    'aclTiers',
    'aclSampling',
    'aclPersistEstablished',
    'policyChains',
    'defaultDropOnLbOnlySwitch',
    'rejectTopLevelOrIgnored',
    'distributedNatNeedsLocalnet',
    'globalSrcIpRouteInEveryTable',
    'arpRequestOutputsPacket',
    'unsnatSkippedForNatVips',
    'routerPortEgressCtClear',
    'sbHasRouterOnlyLbs',
  ] as const;
  it.each([
    ['22.03', [false, false, false, false, true, true, false, true, false, true, false, false]],
    ['23.03', [false, false, false, false, true, true, false, true, false, true, true, false]],
    ['23.06', [true, false, false, false, false, false, false, true, false, true, true, false]],
    ['24.03', [true, false, false, false, false, false, false, true, false, true, true, true]],
    ['24.09', [true, true, false, false, false, false, false, true, true, false, true, true]],
    ['25.03', [true, true, true, true, false, false, true, false, true, false, true, true]],
    ['26.03', [true, true, true, true, false, false, true, false, true, true, true, true]],
  ] as const)('%s features', (release, expected) => {
    const b = ovnBehaviour(release);
    expect(FEATURES.map((f) => b[f])).toEqual(expected);
  });

  it('route priorities: 3·plen+2/+1 until 24.09, 8·plen+6/+4 from 25.03 (src-ip +0), same order', () => {
    expect(routePriority('23.03', 24, 'connected')).toBe(74);
    expect(routePriority('24.09', 24, 'static')).toBe(73);
    expect(routePriority('25.03', 24, 'connected')).toBe(198);
    expect(routePriority('25.03', 24, 'static')).toBe(196);
    expect(routePriority('25.03', 24, 'src-ip')).toBe(192);
    for (const r of OVN_RELEASES) {
      // Longest prefix first, then connected > static dst-ip > src-ip at equal length.
      expect(routePriority(r, 25, 'src-ip')).toBeGreaterThan(routePriority(r, 24, 'connected'));
      expect(routePriority(r, 24, 'connected')).toBeGreaterThan(routePriority(r, 24, 'static'));
      expect(routePriority(r, 24, 'static')).toBeGreaterThan(routePriority(r, 24, 'src-ip'));
    }
  });

  it('network function stages only from 26.03', () => {
    expect(ovnBehaviour('25.09').networkFunctionStages).toEqual([]);
    expect(ovnBehaviour('26.03').networkFunctionStages).toEqual([
      'ls_in_network_function',
      'ls_out_network_function',
    ]);
  });

  it('takes an OvnInfo as well as a release', () => {
    const info = { release: '25.03' as OvnRelease } as Parameters<typeof ovnBehaviour>[0];
    expect(ovnBehaviour(info)).toBe(ovnBehaviour('25.03'));
  });
});

describe('ovn-trace stage classification reads the table', () => {
  it('every ACL stage of every release is an acl hop; decide vs action as the table says', () => {
    for (const r of OVN_RELEASES)
      for (const s of Object.values(ovnBehaviour(r).aclStages)) {
        expect(hopTypeOfStage(s.decide)).toBe('acl');
        expect(isAclDecisionStage(s.decide)).toBe(true);
        if (s.action) {
          expect(hopTypeOfStage(s.action)).toBe('acl');
          expect(isAclDecisionStage(s.action)).toBe(false);
          expect(isAclActionStage(s.action)).toBe(true);
        }
      }
    expect([...ACL_DECIDE_STAGES].sort()).toEqual([
      'ls_in_acl',
      'ls_in_acl_after_lb',
      'ls_in_acl_after_lb_eval',
      'ls_in_acl_eval',
      'ls_out_acl',
      'ls_out_acl_eval',
    ]);
    expect([...ACL_ACTION_STAGES].sort()).toEqual([
      'ls_in_acl_action',
      'ls_in_acl_after_lb_action',
      'ls_out_acl_action',
    ]);
  });

  it('hint, pre and sample stages are not ACL verdicts', () => {
    for (const s of ['ls_in_acl_hint', 'ls_out_pre_acl', 'ls_in_acl_sample', 'ls_in_acl_after_lb_sample']) {
      expect(isAclDecisionStage(s)).toBe(false);
      expect(hopTypeOfStage(s)).toBe('flow');
    }
  });
});
