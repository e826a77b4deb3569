// The shared scenario suite (test/engine/scenarios.ts) on the ovn-trace engine against real OVN, in
// daemon mode (the SB watch must pick up each network), with every verdict compared to the model
// engine's on the same network. A disagreement fails with both verdicts. For a packet that reached its
// one destination along one path, both engines must also name the same ACLs in `allowed_by` (why open).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { deliveryOf } from '../../src/engine/result/outcome.ts';
import type { TraceResult } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { SCENARIOS, type Scenario } from '../engine/scenarios.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { modelOn, traceApi } from '../helpers/trace.ts';

/** The ACLs named in allowed_by (stages decided by an ACL; default-allow stages depend on the engine). */
function namedAllows(r: TraceResult): string {
  return JSON.stringify(
    r.allowed_by
      .filter((a) => a.acl)
      .map((a) => `${a.datapath}/${a.stage}: ${a.acl!.acl_name ?? a.acl!.uuid}`),
  );
}

function docOf(s: Scenario): SnapshotDoc {
  if (s.network !== 'demo') return s.network;
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

describe.skipIf(skipWithoutOvn())('scenario suite on the ovn-trace engine (real OVN)', () => {
  let tb: OvnTestbed;
  let engine: OvnTraceEngine;
  let topology: Topology;

  beforeAll(async () => {
    tb = await startOvn();
    engine = createOvnTraceEngine({ sbDb: tb.sbRemote, mode: 'daemon' });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await tb?.stop();
  });

  it('every scenario: the expected verdict, and the same verdict as the model engine', async () => {
    let last: Scenario['network'] | null = null;
    const problems: string[] = [];
    let allowsCompared = 0;
    let allowsNamed = 0;
    for (const s of SCENARIOS) {
      if (s.network !== last) {
        const doc = docOf(s);
        await tb.loadSnapshot(doc);
        topology = buildTopology(doc, { kind: 'memory', name: s.name });
        engine.sbChanged(); // do not wait for the SB watch: the next trace must see this network
        await engine.ready();
        last = s.network;
      }
      const res = await traceApi(engine, topology, s.request);
      const model = await modelOn(topology).trace(s.request);
      const got = JSON.stringify(deliveryOf(res));
      const want = JSON.stringify(deliveryOf(model));
      const e = s.expect;
      const outputsOk = e.outputs
        ? JSON.stringify([...res.output_ports].sort()) === JSON.stringify(e.outputs)
        : true;
      const anyOk = e.anyOf
        ? res.output_ports.length > 0 && res.output_ports.every((p) => e.anyOf!.includes(p))
        : true;
      const dropOk =
        e.reaches ||
        ((!e.dropType || res.dropped_at?.type === e.dropType) &&
          (!e.dropAcl || res.dropped_at?.acl_matches?.[0]?.acl_name === e.dropAcl));
      if (res.reaches_destination !== e.reaches || !outputsOk || !anyOk || !dropOk)
        problems.push(
          `${s.name}: expected ${JSON.stringify(e)}, ovn-trace engine ${got} dropped at ${res.dropped_at?.type}/${res.dropped_at?.stage} acl ${res.dropped_at?.acl_matches?.[0]?.acl_name}`,
        );
      if (got !== want) problems.push(`${s.name}: model ${want} vs ovn-trace ${got}`);
      if (res.reaches_destination && got === want && res.output_ports.length === 1 && !res.backends) {
        allowsCompared++;
        if (res.allowed_by.some((a) => a.acl)) allowsNamed++;
        if (namedAllows(res) !== namedAllows(model))
          problems.push(`${s.name}: allowed_by model ${namedAllows(model)} vs ovn-trace ${namedAllows(res)}`);
      }
      expect(res.engine).toBe('ovn-trace');
    }
    expect(engine.stats.daemonTraces).toBeGreaterThan(0);
    expect(allowsCompared).toBeGreaterThan(5);
    expect(allowsNamed).toBeGreaterThan(0);
    expect(problems, problems.join('\n')).toEqual([]);
  }, 180_000);
});
