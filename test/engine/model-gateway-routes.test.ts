// Model-only checks of what the shared scenarios cannot state for every engine: the model follows every
// ECMP member (ovn-trace picks one at random), rewrites the source on SNAT through a distributed
// gateway port, and no longer warns that route tables or distributed NAT are not modelled. The
// verdicts themselves are checked against real ovn-trace in scenarios.test.ts.

import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { modelOn } from '../helpers/trace.ts';
import { SCENARIOS } from './scenarios.ts';

async function run(name: string, override: Partial<TraceRequest> = {}) {
  const s = SCENARIOS.find((x) => x.name.startsWith(name));
  if (!s || s.network === 'demo') throw new Error(`no scenario ${name}`);
  const t = buildTopology(s.network, { kind: 'memory', name });
  return modelOn(t).trace({ ...s.request, verbose: true, ...override });
}

describe('model: distributed gateway port NAT, route tables, ECMP', () => {
  it('follows both ECMP members', async () => {
    const res = await run('ECMP:');
    expect([...res.output_ports].sort()).toEqual(['gw1', 'gw2']);
  });

  it('names the ECMP member each branch of the result tree follows', async () => {
    for (const [name, kind] of [
      ['ECMP:', 'route'],
      ['router policy with two next hops', 'policy next hop'],
    ] as const) {
      const s = SCENARIOS.find((x) => x.name.startsWith(name))!;
      const t = buildTopology(s.network as SnapshotDoc, { kind: 'memory', name });
      const tree = await createModelEngine().trace(s.request, { network: t });
      const byMember = tree.branches.map((b) => `${b.member} -> ${b.outputs.join()}`).sort();
      expect(byMember).toHaveLength(2);
      expect(byMember[0]).toMatch(new RegExp(`^lr ${kind} 1/2: .+ -> gw[12]$`));
      expect(byMember[1]).toMatch(new RegExp(`^lr ${kind} 2/2: .+ -> gw[12]$`));
    }
  });

  it('follows both next hops of an ECMP router policy', async () => {
    const res = await run('router policy with two next hops');
    expect([...res.output_ports].sort()).toEqual(['gw1', 'gw2']);
  });

  it('SNATs vm2 to the router address and vm1 to its floating IP with its external MAC', async () => {
    const snat = await run('SNAT through the distributed gateway port');
    const hop = snat.hops.find((h) => h.type === 'nat');
    expect(hop?.description).toContain('10.0.0.11 -> 172.24.4.1');
    const fip = await run('floating IP out');
    const fipHop = fip.hops.find((h) => h.type === 'nat');
    expect(fipHop?.description).toContain('10.0.0.10 -> 172.24.4.100');
    expect(fipHop?.description).toContain('0a:00:00:00:aa:01');
  });

  it('east-west to a floating IP shows the egress loop and the DNAT', async () => {
    const res = await run('east-west to a floating IP');
    const stages = res.hops.map((h) => h.stage);
    expect(stages).toContain('lr_out_egr_loop');
    expect(stages.indexOf('lr_in_dnat')).toBeGreaterThan(stages.indexOf('lr_out_egr_loop'));
  });

  it('a packet coming in by the gateway port to an untranslated NAT address is dropped, not looped', async () => {
    // SNAT to 172.24.4.200 instead of the router address: nothing translates it back on the way in.
    const s = SCENARIOS.find((x) => x.name.startsWith('floating IP in: public client'))!;
    const doc = JSON.parse(JSON.stringify(s.network)) as SnapshotDoc;
    doc.routers![0]!.nat![1]!.external_ip = '172.24.4.200';
    const t = buildTopology(doc, { kind: 'memory', name: 'snat-200' });
    const res = await modelOn(t).trace({
      ...s.request,
      destination_ip: '172.24.4.200',
      verbose: true,
    });
    expect(res.reaches_destination).toBe(false);
    expect(res.dropped_at?.stage).toBe('lr_in_arp_resolve');
    expect(res.dropped_at?.description).toContain('NAT external IP');
  });

  it('says nothing about route tables or distributed NAT being unmodelled', async () => {
    for (const name of ['route table: a port', 'floating IP in: public client', 'router load balancer']) {
      const res = await run(name);
      expect(res.warnings.join(' ')).not.toMatch(/not modelled/);
    }
  });
});
