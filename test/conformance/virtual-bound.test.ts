// A `virtual` port once ovn-controller has bound it (a parent sent the ARP for its VIP; SB Port_Binding
// has a chassis and virtual_parent names that parent): ovn-northd 23.03 then resolves the VIP in the
// router to the parent's MAC, so a routed packet to the VIP is delivered to the parent (unbound: the
// router ARPs); 25.03 and 26.03 resolve it only through MAC_Binding, bound or not. No NB shows the binding, so the model takes
// every virtual port as unbound (README "Conformance"); the lflow engine reads the SB and must agree with
// ovn-trace in both states. The beds have no ovn-controller: the binding is written with ovn-sbctl.

import { describe, expect, it } from 'vitest';
import { compileSb } from '../../src/engine/lflow/compile.ts';
import { createLflowEngine } from '../../src/engine/lflow/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import type { OvnRelease, OvnTestbed } from '../helpers/ovn-testbed.ts';
import { describeBed } from '../helpers/release-bed.ts';
import { OvnTraceOracle } from './ovn-oracle.ts';

const DOC: SnapshotDoc = {
  switches: [
    {
      name: 'ls1',
      ports: [
        { name: 'ls1-r', type: 'router', addresses: ['router'], options: { 'router-port': 'r-ls1' } },
        {
          name: 'vm1',
          addresses: ['0a:00:00:00:01:0b 10.0.1.11'],
          port_security: ['0a:00:00:00:01:0b 10.0.1.11 10.0.1.100'],
        },
        { name: 'vm2', addresses: ['0a:00:00:00:01:0c 10.0.1.12'] },
        {
          name: 'vip',
          type: 'virtual',
          addresses: ['0a:00:00:00:01:64 10.0.1.100'],
          options: { 'virtual-ip': '10.0.1.100', 'virtual-parents': 'vm1' },
        },
      ],
    },
    {
      name: 'ls2',
      ports: [
        { name: 'ls2-r', type: 'router', addresses: ['router'], options: { 'router-port': 'r-ls2' } },
        { name: 'vm3', addresses: ['0a:00:00:00:02:0b 10.0.2.11'] },
      ],
    },
  ],
  routers: [
    {
      name: 'r',
      ports: [
        { name: 'r-ls1', mac: '0a:00:00:00:01:01', networks: ['10.0.1.1/24'] },
        { name: 'r-ls2', mac: '0a:00:00:00:02:01', networks: ['10.0.2.1/24'] },
      ],
    },
  ],
};

const REQUESTS: TraceRequest[] = [
  { source_port: 'vm3', destination_ip: '10.0.1.100', protocol: 'icmp' },
  { source_port: 'vm3', destination_ip: '10.0.1.100', protocol: 'tcp', destination_port_num: 80 },
  { source_port: 'vm2', destination_ip: '10.0.1.100', protocol: 'udp', destination_port_num: 53 },
];

/** Delivered ports per request, by the lflow engine on the bed's SB and by the bed's ovn-trace. */
async function both(tb: OvnTestbed): Promise<{ lflow: string[][]; ovn: string[][] }> {
  const sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
  const topology = buildTopology(tb.release === '23.03' ? DOC : { ...DOC, ovn_version: tb.release }, {
    kind: 'memory',
    name: 'virtual-bound',
  });
  const engine = createLflowEngine({ sb: () => sb });
  const oracle = new OvnTraceOracle(tb);
  await oracle.restart();
  try {
    const lflow: string[][] = [];
    const ovn: string[][] = [];
    for (const req of REQUESTS) {
      lflow.push([...engine.traceSync(req, { network: topology }).outputPorts].sort());
      ovn.push((await oracle.trace(resolveRequest(topology, req))).ports);
    }
    return { lflow, ovn };
  } finally {
    await oracle.stop();
  }
}

/**
 * Waits (bounded) for northd's flows of the binding: northd takes the SB change on its own turn, and
 * `--wait=sb` is about NB changes.
 */
async function untilResolved(tb: OvnTestbed): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < 20_000; ) {
    const flows = (await tb.sbctl('lflow-list', 'r')).split('\n');
    if (flows.some((f) => f.includes('reg0 == 10.0.1.100') && f.includes('eth.dst = 0a:00:00:00:01:0b;')))
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ovn-northd did not resolve the bound virtual port in 20 s');
}

describe.each(['23.03', '25.03', '26.03'] as const)(
  'a virtual port bound by SB virtual_parent, OVN %s',
  (release) => {
    describeBed(release as OvnRelease, 'in its test bed', (bed) => {
      it('lflow follows ovn-trace before and after the binding', async () => {
        const tb = bed();
        await tb.loadSnapshot(DOC);
        const unbound = await both(tb);
        expect(unbound.lflow).toEqual(unbound.ovn);
        // Unbound: the router ARPs for the VIP (nothing delivered); the same switch delivers to its MAC.
        expect(unbound.ovn[0]).toEqual([]);
        expect(unbound.ovn[2]).toEqual(['vip']);
        // Bound = a chassis and the parent (what ovn-controller writes on bind_vport).
        await tb.sbctl('chassis-add', 'hv1', 'geneve', '127.0.0.1');
        const chassis = (await tb.sbctl('--bare', '--columns=_uuid', 'find', 'Chassis', 'name=hv1')).trim();
        await tb.sbctl('set', 'Port_Binding', 'vip', 'virtual_parent=vm1', `chassis=${chassis}`);
        if (release === '23.03') await untilResolved(tb);
        else await tb.sync();
        const bound = await both(tb);
        expect(bound.lflow).toEqual(bound.ovn);
        // 23.03: the router now resolves the VIP to the active parent's MAC, so the parent gets the
        // packet. 25.03 and 26.03 write no static entry for a virtual port, bound or not: the router
        // looks the VIP up in MAC_Binding (what the parent's gratuitous ARP teaches it), empty in a bed.
        expect(bound.ovn[0]).toEqual(release === '23.03' ? ['vm1'] : []);
        expect(bound.ovn[2]).toEqual(['vip']);
      }, 120_000);
    });
  },
);
