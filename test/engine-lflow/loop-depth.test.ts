// A routing loop (two routers sending a prefix to each other) runs until the packet's TTL is spent:
// ovn-trace follows it to the TTL drop, ~2,000 tables deep. The lflow engine must not overflow the stack
// there (it did: RangeError); it stops the path at MAX_TABLE_DEPTH without a verdict, shows max_hops of
// it, and agrees with ovn-trace that nothing is delivered.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TABLE_DEPTH } from '../../src/engine/lflow/execute.ts';
import { compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const routerPort = (name: string, peer: string) => ({
  name,
  type: 'router' as const,
  addresses: ['router'],
  options: { 'router-port': peer },
});
const DOC: SnapshotDoc = {
  switches: [
    {
      name: 's1',
      ports: [{ name: 'c1', addresses: ['0a:00:00:00:01:01 10.1.0.11'] }, routerPort('s1-r1', 'r1-s1')],
    },
    { name: 'join', ports: [routerPort('join-r1', 'r1-join'), routerPort('join-r2', 'r2-join')] },
  ],
  routers: [
    {
      name: 'r1',
      ports: [
        { name: 'r1-s1', mac: '0a:00:00:ff:00:01', networks: ['10.1.0.1/24'] },
        { name: 'r1-join', mac: '0a:00:00:ff:01:01', networks: ['100.64.0.1/24'] },
      ],
      static_routes: [{ ip_prefix: '10.99.0.0/16', nexthop: '100.64.0.2' }],
    },
    {
      name: 'r2',
      ports: [{ name: 'r2-join', mac: '0a:00:00:ff:01:02', networks: ['100.64.0.2/24'] }],
      static_routes: [{ ip_prefix: '10.99.0.0/16', nexthop: '100.64.0.1' }],
    },
  ],
};
const topology = buildTopology(DOC, { kind: 'memory', name: 'loop' });
const REQ: TraceRequest = {
  source_port: 'c1',
  protocol: 'udp',
  destination_ip: '10.99.0.1',
  destination_port_num: 53,
};

describe.skipIf(skipWithoutOvn())('lflow engine on a routing loop', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot(DOC);
  }, 60_000);
  afterAll(async () => tb?.stop());

  it('stops the path without overflowing the stack; delivers nowhere, as ovn-trace', async () => {
    const sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
    const tree = createLflowEngine({ sb: () => sb }).traceSync(REQ, { network: topology });
    expect(tree.truncated).toBe(true);
    expect(tree.warnings).toContain(
      `trace stopped by the loop guard: stopped ${MAX_TABLE_DEPTH} tables deep (a forwarding loop)`,
    );
    expect([...tree.outputPorts]).toEqual([]);
    const oracle = new OvnTraceOracle(tb);
    await oracle.restart();
    try {
      expect((await oracle.trace(resolveRequest(topology, REQ))).ports).toEqual([]);
    } finally {
      await oracle.stop();
    }
  }, 60_000);
});
