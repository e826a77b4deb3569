// The lflow engine follows the conntrack behaviour of the ovn-trace that goes with the SB's release: from
// 25.09 ovn-trace fills the connection's fields at every ct action and answers `ct_proto()` /
// `ct_tp_dst()` with the packet's own, and northd's ls_in_ct_extract stage puts them in reg1 for the
// load-balancer flows to match. On a real 26.03 SB a client reaches a switch VIP (and a backend its own
// VIP, hairpin) only that way: the engine must agree with 26.03's ovn-trace, and the same SB read as an
// older release's (schema version of 25.03) must give the older answer, or the switch is not what decides.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import type { SbDatabase } from '../../src/ovn/sb/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { RELEASE_SCHEMAS, releaseOfSbSchema } from '../../src/ovn/topology/ovn-releases.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { type OvnTestbed, skipWithoutRelease, startOvn } from '../helpers/ovn-testbed.ts';

const DOC: SnapshotDoc = {
  switches: [
    {
      name: 's1',
      load_balancers: ['lb1'],
      ports: [
        { name: 'c1', addresses: ['0a:00:00:00:01:01 10.1.0.11'] },
        { name: 'b1', addresses: ['0a:00:00:00:01:02 10.1.0.12'] },
        { name: 's1-r1', type: 'router', addresses: ['router'], options: { 'router-port': 'r1-s1' } },
      ],
    },
  ],
  routers: [{ name: 'r1', ports: [{ name: 'r1-s1', mac: '0a:00:00:ff:00:01', networks: ['10.1.0.1/24'] }] }],
  load_balancers: [{ name: 'lb1', protocol: 'tcp', vips: { '10.9.1.100:80': '10.1.0.12:8080' } }],
};
const topology = buildTopology({ ...DOC, ovn_version: '26.03' }, { kind: 'memory', name: 'ct-fields' });
const TO_VIP = (source_port: string): TraceRequest => ({
  source_port,
  protocol: 'tcp',
  destination_ip: '10.9.1.100',
  destination_port_num: 80,
  source_port_num: 40000,
});

describe('releaseOfSbSchema', () => {
  it('names the release of an SB schema version, null when unknown', () => {
    expect(releaseOfSbSchema(RELEASE_SCHEMAS['26.03'].sb)).toBe('26.03');
    expect(releaseOfSbSchema('21.8.1')).toBe('26.03');
    expect(releaseOfSbSchema(RELEASE_SCHEMAS['25.03'].sb)).toBe('25.03');
    expect(releaseOfSbSchema('20.27.0')).toBe('23.03');
    expect(releaseOfSbSchema('')).toBeNull();
  });
});

describe.skipIf(skipWithoutRelease('26.03'))('lflow conntrack fields on a real OVN 26.03 SB', () => {
  let tb: OvnTestbed;
  let db: SbDatabase;
  const oracle = () => new OvnTraceOracle(tb, ['--select-id=1']);
  beforeAll(async () => {
    tb = await startOvn({ release: '26.03' });
    await tb.loadSnapshot(DOC);
    db = await readSbOnce(tb.sbRemote, undefined);
  }, 120_000);
  afterAll(async () => tb?.stop());

  it('agrees with ovn-trace 26.03 on a client and a hairpin backend to a switch VIP', async () => {
    expect(releaseOfSbSchema(db.schemaVersion)).toBe('26.03');
    const o = oracle();
    await o.restart();
    try {
      const sb = compileSb(db);
      const engine = createLflowEngine({ sb: () => sb });
      for (const src of ['c1', 'b1']) {
        const req = TO_VIP(src);
        const ovn = (await o.trace(resolveRequest(topology, req))).ports;
        expect(ovn, `ovn-trace ${src}`).toEqual(['b1']);
        expect([...engine.traceSync(req, { network: topology }).outputPorts], src).toEqual(ovn);
      }
    } finally {
      await o.stop();
    }
  }, 60_000);

  it('read as a 25.03 SB, the registers stay empty and the VIP is not load-balanced', () => {
    const old = compileSb({ ...db, schemaVersion: RELEASE_SCHEMAS['25.03'].sb });
    const engine = createLflowEngine({ sb: () => old });
    expect([...engine.traceSync(TO_VIP('c1'), { network: topology }).outputPorts]).not.toEqual(['b1']);
  });
});
