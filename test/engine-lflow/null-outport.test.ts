// `outport = "NAME"; output;` where NAME is neither a port nor a multicast group of the datapath: ovn-trace
// stores the port's tunnel key, 0 when there is none, and the output goes to the null port: nothing is
// delivered. The case OVN writes: a gateway router routes to a next hop nobody answers for (no MAC
// binding), sends an ARP request and, from 24.x, the packet itself with eth.dst 00:00:00:00:00:00; the
// switch finds no port for that MAC and sends it to `_MC_unknown`, a group northd does not write when
// the switch's only unknown-address port is disabled. The lflow engine delivered it "to _MC_unknown"
// (found by a conformance seed on 25.03). Judged against real ovn-trace of each release.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { routerPort } from '../engine/scenarios.ts';
import { type OvnRelease, type OvnTestbed, skipWithoutRelease, startOvn } from '../helpers/ovn-testbed.ts';

const DOC: SnapshotDoc = {
  switches: [
    {
      name: 'sw2',
      ports: [{ name: 'c2', addresses: ['0a:00:00:00:02:02 10.2.0.12'] }, routerPort('s2-r1', 'r1-s2')],
    },
    {
      name: 'sw3',
      ports: [
        { name: 'c3', addresses: ['0a:00:00:00:03:01 10.3.0.11'] },
        // The next hop's port, disabled: northd still sends unknown MACs to `_MC_unknown` on this switch
        // but writes no such group (its only member is down).
        { name: 'c3-down', addresses: ['0a:00:00:00:03:02 10.3.0.12', 'unknown'], enabled: false },
        routerPort('s3-r1', 'r1-s3'),
      ],
    },
  ],
  routers: [
    {
      name: 'r1',
      ports: [
        { name: 'r1-s2', mac: '0a:00:00:ff:00:02', networks: ['10.2.0.1/24'] },
        { name: 'r1-s3', mac: '0a:00:00:ff:00:03', networks: ['10.3.0.1/24'] },
      ],
      static_routes: [{ ip_prefix: '172.16.0.0/16', nexthop: '10.3.0.12' }],
      options: { chassis: 'hv1' },
      nat: [
        { type: 'dnat', external_ip: '172.31.0.10', logical_ip: '10.2.0.11' },
        { type: 'snat', external_ip: '172.31.0.20', logical_ip: '10.2.0.0/24' },
      ],
    },
  ],
};
const REQ: TraceRequest = {
  source_port: 'c2',
  protocol: 'udp',
  destination_ip: '172.16.1.9',
  destination_port_num: 3306,
};

describe.each(['23.03', '25.03', '26.03'] as OvnRelease[])(
  'output to a name the datapath lacks, %s',
  (release) => {
    describe.skipIf(skipWithoutRelease(release))('in its test bed', () => {
      let tb: OvnTestbed;
      beforeAll(async () => {
        tb = await startOvn({ release });
        await tb.loadSnapshot(DOC);
      }, 120_000);
      afterAll(async () => tb?.stop());

      it('delivers to the ports ovn-trace does (none), and says why the packet stopped', async () => {
        const doc = release === '23.03' ? DOC : { ...DOC, ovn_version: release };
        const topology = buildTopology(doc, { kind: 'memory', name: 'null-outport' });
        const sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
        const tree = createLflowEngine({ sb: () => sb }).traceSync(
          { ...REQ, verbose: true },
          { network: topology },
        );
        const oracle = new OvnTraceOracle(tb);
        await oracle.restart();
        try {
          const ovn = await oracle.trace(resolveRequest(topology, REQ));
          expect([...tree.outputPorts].sort()).toEqual(ovn.ports);
          expect(tree.outputPorts).not.toContain('_MC_unknown');
          if (ovn.text.includes('*** output to null logical port'))
            expect(tree.raw).toContain(
              '*** output to null logical port (no port or multicast group "_MC_unknown" here)',
            );
        } finally {
          await oracle.stop();
        }
      }, 60_000);
    });
  },
);
