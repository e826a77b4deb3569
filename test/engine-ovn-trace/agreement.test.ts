// Both engines on the same network must give the same verdict. The demo network is loaded into a real
// OVN; every VIF of it is traced to every address in it (and a few outside) for a grid of protocols and
// ports, with the model engine and with real ovn-trace. Disagreements are listed in the failure message.
// Also checks the `auto` cross-check wrapper: agreement counts, and a real disagreement (the model's
// topology lacks an ACL that OVN has) increments ovncp_engine_disagreements_total.

import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { deliveryOf, deliveryOfTree, sameDelivery } from '../../src/engine/result/outcome.ts';
import { CrossCheckEngine } from '../../src/engine/select.ts';
import type { TraceRequest, TraceResult } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { formatIp } from '../../src/ovn/net/addr.ts';
import { portIps } from '../../src/ovn/topology/build.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { modelOn, onNetwork } from '../helpers/trace.ts';

const PROBES: Pick<TraceRequest, 'protocol' | 'destination_port_num'>[] = [
  { protocol: 'icmp' },
  { protocol: 'tcp', destination_port_num: 22 },
  { protocol: 'tcp', destination_port_num: 80 },
  { protocol: 'tcp', destination_port_num: 443 },
  { protocol: 'tcp', destination_port_num: 3306 },
  { protocol: 'tcp', destination_port_num: 6379 },
  { protocol: 'tcp', destination_port_num: 8080 },
  { protocol: 'udp', destination_port_num: 53 },
];

/** Every VIF to every address of the network, plus routed-away and VIP destinations. */
function grid(t: Topology): TraceRequest[] {
  const vifs = [...t.ports.values()].filter((p) => p.type === '' && portIps(p).length > 0);
  const dsts = [...new Set(vifs.flatMap((p) => portIps(p).map(formatIp)))];
  dsts.push('192.168.100.7', '10.99.1.1', '10.0.1.100', '8.8.8.8');
  return vifs.flatMap((src) =>
    dsts.flatMap((dst) => PROBES.map((p) => ({ source_port: src.name, destination_ip: dst, ...p }))),
  );
}

async function settle(p: Promise<TraceResult>): Promise<TraceResult | string> {
  try {
    return await p;
  } catch (err) {
    return isOvncpError(err) ? `${err.code}` : String(err);
  }
}

describe.skipIf(skipWithoutOvn())('model engine and ovn-trace agree (real OVN, demo network)', () => {
  let tb: OvnTestbed;
  let ovn: OvnTraceEngine;
  const topology = loadDemoTopology();

  beforeAll(async () => {
    tb = await startOvn();
    const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!doc.ok) throw new Error(doc.errors.join('\n'));
    await tb.loadSnapshot(doc.value);
    ovn = createOvnTraceEngine({ sbDb: tb.sbRemote, mode: 'daemon' });
    await ovn.ready();
  }, 60_000);
  afterAll(async () => {
    await ovn?.close();
    await tb?.stop();
  });

  it('on every source, destination, protocol and port of the grid', async () => {
    const model = modelOn(topology);
    const ovnApi = onNetwork(ovn, topology);
    const requests = grid(topology);
    expect(requests.length).toBeGreaterThan(500);
    const diffs: string[] = [];
    for (const req of requests) {
      const [a, b] = [await settle(model.trace(req)), await settle(ovnApi.trace(req))];
      const va = typeof a === 'string' ? a : JSON.stringify(deliveryOf(a));
      const vb = typeof b === 'string' ? b : JSON.stringify(deliveryOf(b));
      if (va !== vb) {
        const where = (r: TraceResult | string) =>
          typeof r === 'string' ? '' : ` @${r.dropped_at?.stage ?? '-'}`;
        diffs.push(
          `${req.source_port} -> ${req.destination_ip} ${req.protocol}/${req.destination_port_num ?? ''}: model ${va}${where(a)} | ovn-trace ${vb}${where(b)}`,
        );
      }
    }
    expect(diffs, `${diffs.length} of ${requests.length} disagree:\n${diffs.join('\n')}`).toEqual([]);
  }, 240_000);

  it('auto mode: agreement is counted; a real disagreement increments ovncp_engine_disagreements_total', async () => {
    const registry = new Registry();
    // The model sees the demo network without deny-ssh; OVN still has it.
    const ls1 = topology.switches.get('ls1')!;
    const switches = new Map(topology.switches);
    switches.set('ls1', { ...ls1, acls: ls1.acls.filter((a) => a.name !== 'deny-ssh') });
    const stale: Topology = { ...topology, switches };
    const cc = new CrossCheckEngine({
      primary: createModelEngine(),
      checker: ovn,
      sample: 1,
      registry,
    });
    const ssh = {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp' as const,
      destination_port_num: 22,
    };
    const http = { ...ssh, destination_port_num: 80 };
    // Both engines get the same (stale) topology object; ovn-trace still traces the SB it reads.
    expect((await cc.trace(http, { network: stale })).reached).toBe(true);
    expect((await cc.trace(ssh, { network: stale })).engine).toBe('model');
    await cc.idle();
    const text = await registry.metrics();
    expect(text).toContain('ovncp_engine_disagreements_total{engines="model,ovn-trace"} 1');
    expect(text).toContain('ovncp_engine_cross_checks_total{engines="model,ovn-trace",outcome="agree"} 1');
    const fromOvn = deliveryOfTree(await ovn.trace(ssh, { network: topology }));
    expect(sameDelivery(fromOvn, deliveryOfTree(await cc.trace(ssh, { network: stale })))).toBe(false);
    await cc.close();
  }, 30_000);

  it('auto mode samples: with sample 0 ovn-trace is never asked', async () => {
    let asked = 0;
    const cc = new CrossCheckEngine({
      primary: createModelEngine(),
      checker: {
        name: 'ovn-trace',
        trace: (r, o) => {
          asked++;
          return ovn.trace(r, o);
        },
      },
      sample: 0,
      registry: new Registry(),
    });
    for (let i = 0; i < 20; i++)
      await cc.trace({ source_port: 'vm1-port', destination_ip: '10.0.0.2' }, { network: topology });
    await cc.idle();
    expect(asked).toBe(0);
  });
});
