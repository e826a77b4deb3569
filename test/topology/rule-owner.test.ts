// Who owns an ACL, from the external_ids ovn-kubernetes and Neutron write (a table of cases), and the
// owner carried through a model trace into blocked_by / allowed_by, the monitor outcome and the CLI.

import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { outcomeOf } from '../../src/engine/result/outcome.ts';
import { renderTrace } from '../../src/engine/result/table.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { ruleOwner } from '../../src/ovn/topology/rule-owner.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Acl } from '../../src/ovn/topology/types.ts';

const SG = '5f1a2b3c-0000-4000-8000-00000000abcd';
const RULE = '9e8d7c6b-1111-4111-8111-000000000001';

const acl = (externalIds: Record<string, string>, owner: Acl['owner'], name: string | null = null): Acl => ({
  uuid: '11111111-2222-4333-8444-555555555555',
  name,
  direction: 'to-lport',
  priority: 1000,
  match: 'ip4',
  action: 'drop',
  log: false,
  severity: null,
  label: 0,
  tier: 0,
  options: {},
  externalIds,
  owner,
});
const pg = (name: string): Acl['owner'] => ({ kind: 'port_group', name });

describe('ruleOwner', () => {
  it.each([
    [
      'ovn-kubernetes NetworkPolicy (namespace:name)',
      acl(
        {
          'k8s.ovn.org/owner-type': 'NetworkPolicy',
          'k8s.ovn.org/name': 'shop:allow-web',
          'k8s.ovn.org/id': 'default-network-controller:NetworkPolicy:shop:allow-web:Ingress:0',
        },
        pg('a123'),
      ),
      {
        kind: 'NetworkPolicy',
        name: 'allow-web',
        namespace: 'shop',
        id: 'default-network-controller:NetworkPolicy:shop:allow-web:Ingress:0',
      },
    ],
    [
      'ovn-kubernetes AdminNetworkPolicy (cluster scoped)',
      acl({ 'k8s.ovn.org/owner-type': 'AdminNetworkPolicy', 'k8s.ovn.org/name': 'deny-egress' }, pg('anp')),
      { kind: 'AdminNetworkPolicy', name: 'deny-egress' },
    ],
    [
      'ovn-kubernetes namespace default deny (NetpolNamespace: the name is the namespace)',
      acl(
        { 'k8s.ovn.org/owner-type': 'NetpolNamespace', 'k8s.ovn.org/name': 'shop' },
        pg('x_ingressDefaultDeny'),
      ),
      { kind: 'NetpolNamespace', name: 'shop', namespace: 'shop' },
    ],
    [
      'ovn-kubernetes EgressFirewall',
      acl({ 'k8s.ovn.org/owner-type': 'EgressFirewall', 'k8s.ovn.org/name': 'shop' }, pg('clusterPortGroup')),
      { kind: 'EgressFirewall', name: 'shop', namespace: 'shop' },
    ],
    [
      'an ovn-kubernetes owner type not named here',
      acl({ 'k8s.ovn.org/owner-type': 'SomethingNew', 'k8s.ovn.org/name': 'x' }, pg('p')),
      { kind: 'ovn-kubernetes', name: 'x' },
    ],
    [
      'Neutron rule: the security group from its port group',
      acl({ 'neutron:security_group_rule_id': RULE }, pg(`pg_${SG.replaceAll('-', '_')}`)),
      { kind: 'neutron-security-group-rule', name: SG, id: RULE },
    ],
    [
      'Neutron default drop',
      acl({}, pg('neutron_pg_drop')),
      { kind: 'neutron-default-drop', name: 'neutron_pg_drop', id: '11111111-2222-4333-8444-555555555555' },
    ],
    [
      'a plain named ACL',
      acl({}, { kind: 'switch', name: 'ls' }, 'deny-ssh'),
      { kind: 'acl', name: 'deny-ssh', id: '11111111-2222-4333-8444-555555555555' },
    ],
    [
      'an unnamed ACL: its UUID',
      acl({}, { kind: 'switch', name: 'ls' }),
      {
        kind: 'acl',
        name: '11111111-2222-4333-8444-555555555555',
        id: '11111111-2222-4333-8444-555555555555',
      },
    ],
  ])('%s', (_name, a, want) => {
    expect(ruleOwner(a, null)).toEqual(want);
  });
});

/** ovn-kubernetes shape: a namespace default deny (tier 2) and a NetworkPolicy allowing port 80. */
const k8sNet: SnapshotDoc = {
  ovn_version: '25.03',
  switches: [
    {
      name: 'node1',
      ports: [
        { name: 'shop_web', addresses: ['0a:58:0a:80:00:05 10.128.0.5'] },
        { name: 'shop_client', addresses: ['0a:58:0a:80:00:06 10.128.0.6'] },
      ],
    },
  ],
  port_groups: [
    {
      name: 'a1_ingressDefaultDeny',
      ports: ['shop_web', 'shop_client'],
      acls: [
        {
          direction: 'to-lport',
          priority: 1000,
          tier: 2,
          match: 'outport == @a1_ingressDefaultDeny',
          action: 'drop',
          external_ids: { 'k8s.ovn.org/owner-type': 'NetpolNamespace', 'k8s.ovn.org/name': 'shop' },
        },
      ],
    },
    {
      name: 'a2_allow_web',
      ports: ['shop_web'],
      acls: [
        {
          direction: 'to-lport',
          priority: 1001,
          tier: 2,
          match: 'outport == @a2_allow_web && tcp.dst == 80',
          action: 'allow-related',
          external_ids: { 'k8s.ovn.org/owner-type': 'NetworkPolicy', 'k8s.ovn.org/name': 'shop:allow-web' },
        },
      ],
    },
  ],
};

describe('owners in traces', () => {
  const t = buildTopology(k8sNet, { kind: 'memory', name: 'k8s' });
  const engine = createModelEngine();
  const req = (port: number) => ({
    source_port: 'shop_client',
    destination_ip: '10.128.0.5',
    protocol: 'tcp' as const,
    destination_port_num: port,
  });

  it('allowed: allowed_by names the NetworkPolicy', async () => {
    const r = toTraceResult(await engine.trace(req(80), { network: t }));
    expect(r.reaches_destination).toBe(true);
    expect(r.allowed_by.map((a) => a.acl?.owner)).toContainEqual({
      kind: 'NetworkPolicy',
      name: 'allow-web',
      namespace: 'shop',
    });
  });

  it('blocked: dropped_at, the monitor outcome and the CLI name the namespace default deny', async () => {
    const tree = await engine.trace(req(22), { network: t });
    const r = toTraceResult(tree);
    expect(r.reaches_destination).toBe(false);
    expect(r.dropped_at?.acl_matches?.[0]).toMatchObject({
      attached_to: 'port group a1_ingressDefaultDeny',
      owner: { kind: 'NetpolNamespace', name: 'shop', namespace: 'shop' },
      tier: 2,
    });
    expect(outcomeOf(tree).blockedOwner).toEqual({
      kind: 'NetpolNamespace',
      name: 'shop',
      namespace: 'shop',
    });
    expect(renderTrace(r)).toMatch(/^blocked by NetpolNamespace shop$/m);
  });

  it('a default drop says which default', async () => {
    const doc: SnapshotDoc = {
      nb_global: { options: { default_acl_drop: 'true' } },
      switches: [
        {
          name: 'ls',
          acls: [{ direction: 'to-lport', priority: 1, match: 'outport == "zz"', action: 'allow' }],
          ports: [
            {
              name: 'a',
              addresses: ['0a:00:00:00:00:01 10.0.0.1'],
              port_security: ['0a:00:00:00:00:01 10.0.0.1'],
            },
            { name: 'b', addresses: ['0a:00:00:00:00:02 10.0.0.2'] },
          ],
        },
      ],
    };
    const net = buildTopology(doc, { kind: 'memory', name: 'defaults' });
    const base = {
      source_port: 'a',
      destination_ip: '10.0.0.2',
      protocol: 'tcp' as const,
      destination_port_num: 1,
    };
    const acl = outcomeOf(await engine.trace(base, { network: net }));
    expect(acl.blockedOwner).toEqual({ kind: 'default', name: 'default_acl_drop' });
    const spoof = outcomeOf(await engine.trace({ ...base, source_ip: '10.0.0.9' }, { network: net }));
    expect(spoof.blockedOwner).toEqual({ kind: 'default', name: 'port_security' });
  });
});
