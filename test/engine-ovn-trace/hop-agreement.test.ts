// Hops mean the same on every engine (issue 17 item 5, the rule in src/engine/result/hop-stages.ts):
// the demo network in a real OVN (23.03 here), the same requests traced by the model and by real
// ovn-trace, and the shown path's hop sequence (type, datapath, stage id, action) compared, not just
// its length, with and without `verbose` (which adds details inside hops, never hops). A max_hops cut
// is checked on both engines: truncated, no dropped_at, not reached, a summary saying where.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import type { Hop, TraceRequest, TraceResult } from '../../src/engine/types.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { type BoundEngine, modelOn, onNetwork } from '../helpers/trace.ts';

const SOURCES = ['vm1-port', 'web-server-port', 'app-server-port', 'dmz-port', 'mgmt-port'];
const DESTINATIONS = [
  '10.0.0.2',
  '10.0.1.10',
  '10.0.1.20',
  '10.0.2.10',
  '10.0.3.10',
  '192.168.100.7',
  '8.8.8.8',
  '10.0.1.100', // the web VIP: the model follows every backend, ovn-trace one; the shown hops agree
];
const PROBES: Pick<TraceRequest, 'protocol' | 'destination_port_num'>[] = [
  { protocol: 'icmp' },
  { protocol: 'tcp', destination_port_num: 22 },
  { protocol: 'tcp', destination_port_num: 80 },
  { protocol: 'tcp', destination_port_num: 3306 },
  { protocol: 'udp', destination_port_num: 53 },
];

const shape = (h: Hop) => `${h.type} ${h.datapath ?? '-'}/${h.stage ?? '-'} ${h.action}`;
const seq = (r: TraceResult) => r.hops.map(shape);

describe.skipIf(skipWithoutOvn())('one hop per stage that acted, on the model and on real ovn-trace', () => {
  let tb: OvnTestbed;
  let ovn: OvnTraceEngine;
  const topology = loadDemoTopology();
  let model: BoundEngine;
  let real: BoundEngine;

  beforeAll(async () => {
    tb = await startOvn();
    const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!doc.ok) throw new Error(doc.errors.join('\n'));
    await tb.loadSnapshot(doc.value);
    ovn = createOvnTraceEngine({ sbDb: tb.sbRemote, mode: 'daemon' });
    await ovn.ready();
    model = modelOn(topology);
    real = onNetwork(ovn, topology);
  }, 60_000);
  afterAll(async () => {
    await ovn?.close();
    await tb?.stop();
  });

  it('gives the same hop sequence on both engines, verbose or not', async () => {
    const requests = SOURCES.flatMap((s) =>
      DESTINATIONS.flatMap((d) => PROBES.map((p) => ({ source_port: s, destination_ip: d, ...p }))),
    );
    const diffs: string[] = [];
    let compared = 0;
    for (const req of requests) {
      const [m, o] = [await model.trace(req), await real.trace(req)];
      const [mv, ov] = [
        await model.trace({ ...req, verbose: true }),
        await real.trace({ ...req, verbose: true }),
      ];
      const what = `${req.source_port} -> ${req.destination_ip} ${req.protocol}/${req.destination_port_num ?? ''}`;
      // verbose adds details, never hops: on each engine the sequence is the same.
      expect(seq(mv), `model verbose: ${what}`).toEqual(seq(m));
      expect(seq(ov), `ovn-trace verbose: ${what}`).toEqual(seq(o));
      expect(
        ov.hops.every((h) => h.details !== undefined),
        what,
      ).toBe(true);
      compared++;
      if (JSON.stringify(seq(m)) !== JSON.stringify(seq(o)))
        diffs.push(`${what}\n  model:     ${seq(m).join(' | ')}\n  ovn-trace: ${seq(o).join(' | ')}`);
    }
    expect(compared).toBeGreaterThan(150);
    expect(diffs, `${diffs.length} of ${compared} differ:\n${diffs.join('\n')}`).toEqual([]);
  }, 240_000);

  it('a trace cut by max_hops is truncated on both engines, not a drop', async () => {
    // vm1 -> web-server crosses 8 hops (port security, L2, port security, routing, port security,
    // L2, ACL, port security): cut at 5.
    const req: TraceRequest = {
      source_port: 'vm1-port',
      destination_ip: '10.0.1.10',
      protocol: 'tcp',
      destination_port_num: 443,
    };
    for (const engine of [model, real]) {
      const full = await engine.trace(req);
      expect(full.reaches_destination, engine.engine.name).toBe(true);
      expect(full.truncated).toBe(false);
      expect(full.hops.length).toBeGreaterThan(5);
      const cut = await engine.trace({ ...req, max_hops: 5 });
      expect(cut.truncated, engine.engine.name).toBe(true);
      expect(cut.dropped_at).toBeNull();
      expect(cut.reaches_destination).toBe(false);
      expect(cut.hops.map(shape)).toEqual(full.hops.slice(0, 5).map(shape));
      expect(cut.summary).toContain('cut at 5 hops: max_hops (5) reached');
      // Exactly enough hops is not a cut.
      const exact = await engine.trace({ ...req, max_hops: full.hops.length });
      expect(exact.truncated).toBe(false);
      expect(exact.reaches_destination).toBe(true);
    }
  }, 60_000);

  it('traces destination and source port 0 through real ovn-trace (README: 0..65535)', async () => {
    // Port 0 on the wire, both ends: ovn-trace takes it (the microflow line shows it) and agrees with the model.
    for (const protocol of ['tcp', 'udp'] as const) {
      const req: TraceRequest = {
        source_port: 'web-server-port',
        destination_ip: '10.0.2.10',
        protocol,
        source_port_num: 0,
        destination_port_num: 0,
        verbose: true,
      };
      const [m, o] = [await model.trace(req), await real.trace(req)];
      expect(o.raw, protocol).toMatch(/tp_src=0,tp_dst=0/);
      expect(o.request.destination_port_num).toBe(0);
      expect({ reached: o.reaches_destination, out: o.output_ports }).toEqual({
        reached: m.reaches_destination,
        out: m.output_ports,
      });
      expect(seq(o)).toEqual(seq(m));
      expect(o.warnings.some((w) => /port_num/.test(w))).toBe(false);
    }
  }, 60_000);
});
