// The ovn-kubernetes shape's extras (shapes/ovnk-egress.ts) do what they stand for, on the model (no OVN
// needed; shapes-ovnk.test.ts checks the model and the lflow engine against real ovn-trace on the same
// networks): an EgressIP pod's traffic to the outside leaves by its egress node's localnet port, not its
// own; a pod whose namespace's EgressFirewall drops the destination first is dropped; the cluster-wide
// Service LBs reach every node switch through the LB group; and the snapshot's groups load as
// Load_Balancer_Group rows. Also the snapshot's HA chassis groups (the Neutron shape's gateway ports).

import { describe, expect, it } from 'vitest';
import { compileNetwork, traceResolved } from '../../src/engine/model/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { cidrContains, parseCidr, parseIp } from '../../src/ovn/net/addr.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { nbTransaction } from '../../src/sources/nb/nb-transaction.ts';
import { Rng } from './generator.ts';
import { OVNK_SOURCE, type OvnkNet } from './shapes/ovnk.ts';

const SEEDS = Array.from({ length: 60 }, (_, i) => 31000 + i);
const TIERS = { tiers: true };

function net(seed: number): OvnkNet {
  return OVNK_SOURCE.network(new Rng(seed), { lb: false, features: TIERS, seed });
}

const compiled = new WeakMap<OvnkNet, { t: Topology; c: ReturnType<typeof compileNetwork> }>();

function deliver(n: OvnkNet, source: string, dst: string): string[] {
  let m = compiled.get(n);
  if (!m) {
    const t = buildTopology({ ...n.doc, ovn_version: '25.03' }, { kind: 'memory', name: 'extras' });
    m = { t, c: compileNetwork(t) };
    compiled.set(n, m);
  }
  const req = {
    source_port: source,
    protocol: 'udp' as const,
    destination_ip: dst,
    source_port_num: 4000,
    destination_port_num: 53,
  };
  return [...traceResolved(m.c, req, resolveRequest(m.t, req)).outputPorts].sort();
}

/** Whether the namespace's EgressFirewall (join ACLs) decides `dst`, and how: the highest rule matching. */
function firewallVerdict(n: OvnkNet, ns: string, dst: string): 'allow' | 'drop' | null {
  const join = n.doc.switches!.find((s) => s.name === 'join')!;
  const ip = parseIp(dst);
  const rules = (join.acls ?? [])
    .filter((a) => a.external_ids?.['k8s.ovn.org/name'] === ns)
    .sort((a, b) => b.priority - a.priority);
  for (const a of rules) {
    const cidr = /ip4\.dst == ([0-9./]+)\)/.exec(a.match)?.[1] ?? '0.0.0.0/0';
    const c = parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`);
    if (c && ip && cidrContains(c, ip)) return a.action === 'drop' ? 'drop' : 'allow';
  }
  return null;
}

describe('ovn-kubernetes shape extras', () => {
  it('EgressIP pods leave by the egress node, others by their own', () => {
    let moved = 0;
    let own = 0;
    for (const seed of SEEDS) {
      const n = net(seed);
      for (const p of n.pods) {
        if (n.egress.firewalled.includes(p.ns)) continue;
        const out = deliver(n, p.name, '192.0.2.10');
        if (out.length === 0) continue; // an egress NetworkPolicy dropped it
        const eip = n.egress.egressIps.get(p.name);
        expect(out, `seed ${seed} ${p.name}`).toEqual([`breth0_worker${eip ? eip.node : p.node}`]);
        if (eip && eip.node !== p.node) moved++;
        else own++;
      }
    }
    expect(moved).toBeGreaterThan(3);
    expect(own).toBeGreaterThan(3);
  });

  it('an EgressFirewall drop decides before the allow-all', () => {
    let dropped = 0;
    for (const seed of SEEDS) {
      const n = net(seed);
      for (const ns of n.egress.firewalled) {
        for (const dst of ['8.8.8.8', '192.0.2.10', '198.51.100.7']) {
          if (firewallVerdict(n, ns, dst) !== 'drop') continue;
          for (const p of n.pods.filter((x) => x.ns === ns)) {
            expect(deliver(n, p.name, dst), `seed ${seed} ${p.name} -> ${dst}`).toEqual([]);
            dropped++;
          }
        }
      }
    }
    expect(dropped).toBeGreaterThan(10);
  });

  it('LB groups: the cluster LBs apply on every node switch and load as Load_Balancer_Group rows', () => {
    const n = SEEDS.map(net).find((x) => x.egress.lbGroups)!;
    const t = buildTopology(n.doc, { kind: 'memory', name: 'extras' });
    const cluster = n.doc.load_balancers!.filter((l) => l.name.endsWith('_cluster')).map((l) => l.name);
    expect(cluster.length).toBeGreaterThan(0);
    for (let i = 1; i <= n.nodes; i++) {
      const sw = n.doc.switches!.find((s) => s.name === `worker${i}`)!;
      for (const l of cluster) expect(sw.load_balancers).not.toContain(l);
      expect(t.switches.get(`worker${i}`)!.loadBalancers).toEqual(expect.arrayContaining(cluster));
      expect(t.routers.get(`GR_worker${i}`)!.loadBalancers).toEqual(expect.arrayContaining(cluster));
    }
    const ops = nbTransaction(n.doc).slice(1) as {
      op: string;
      table: string;
      row: Record<string, unknown>;
    }[];
    const groups = ops.filter((o) => o.table === 'Load_Balancer_Group');
    expect(groups.map((g) => g.row.name).sort()).toEqual([
      'clusterLBGroup',
      'clusterRouterLBGroup',
      'clusterSwitchLBGroup',
    ]);
    const switches = ops.filter((o) => o.table === 'Logical_Switch' && o.row.load_balancer_group);
    expect(switches.length).toBe(n.nodes);
  });

  it('an unknown group or group member is a build issue at its path', () => {
    const doc = {
      load_balancers: [{ name: 'lb1', vips: { '10.0.0.1:80': '10.0.0.2:80' } }],
      load_balancer_groups: [{ name: 'g', load_balancers: ['lb1', 'nope'] }],
      switches: [{ name: 's', load_balancer_groups: ['g', 'missing'] }],
    };
    expect(() => buildTopology(doc, { kind: 'memory', name: 'x' })).toThrow(
      /load_balancer_groups.*nope|nope[\s\S]*missing|missing[\s\S]*nope/,
    );
  });
});

describe('HA chassis groups in a snapshot', () => {
  const doc = {
    routers: [
      {
        name: 'r',
        ports: [
          {
            name: 'gw',
            mac: '0a:00:00:00:00:01',
            networks: ['172.24.4.2/24'],
            ha_chassis_group: {
              name: 'r',
              ha_chassis: [
                { chassis_name: 'hv2', priority: 32766 },
                { chassis_name: 'hv1', priority: 32767 },
              ],
            },
          },
        ],
      },
    ],
  };

  it('the gateway chassis come by priority and load as HA_Chassis_Group rows', () => {
    const t = buildTopology(doc, { kind: 'memory', name: 'ha' });
    expect(t.routerPorts.get('gw')!.gatewayChassis).toEqual(['hv1', 'hv2']);
    const ops = nbTransaction(doc, { replace: true }).slice(1) as {
      op: string;
      table: string;
      row?: Record<string, unknown>;
    }[];
    expect(ops.filter((o) => o.op === 'insert' && o.table === 'HA_Chassis')).toHaveLength(2);
    const lrp = ops.find((o) => o.table === 'Logical_Router_Port' && o.op === 'insert')!;
    expect(lrp.row!.ha_chassis_group).toBeDefined();
    // Router ports are deleted explicitly before the groups they name (else the reference check fails).
    const del = ops.filter((o) => o.op === 'delete').map((o) => o.table);
    expect(del.indexOf('Logical_Router_Port')).toBeLessThan(del.indexOf('HA_Chassis_Group'));
  });
});
