// Runs the fixed scenario suite on the model engine, and checks every scenario's expectation against
// real ovn-trace in the test bed (so the suite itself is known to describe OVN's behaviour).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { modelOn } from '../helpers/trace.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';

function docOf(s: Scenario): SnapshotDoc {
  if (s.network !== 'demo') return s.network;
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

function checkOutputs(s: Scenario, outputs: readonly string[]): void {
  if (s.expect.outputs) expect([...outputs].sort()).toEqual(s.expect.outputs);
  if (s.expect.anyOf) {
    expect(outputs.length).toBeGreaterThan(0);
    for (const o of outputs) expect(s.expect.anyOf).toContain(o);
  }
  if (!s.expect.reaches && !s.expect.anyOf)
    expect(outputs.filter((o) => o !== s.request.source_port)).toEqual([]);
}

describe('scenario suite on the model engine', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const t = buildTopology(docOf(s), { kind: 'memory', name: s.name });
    const res = await modelOn(t).trace(s.request);
    expect(res.engine).toBe('model');
    expect(res.success).toBe(true);
    expect(res.reaches_destination).toBe(s.expect.reaches);
    checkOutputs(s, res.output_ports);
    if (s.expect.reaches) expect(res.dropped_at).toBeNull();
    else {
      expect(res.dropped_at?.action).toBe('drop');
      expect(res.hops.at(-1)).toEqual(res.dropped_at);
    }
    if (s.expect.dropType) expect(res.dropped_at?.type).toBe(s.expect.dropType);
    if (s.expect.dropAcl) expect(res.dropped_at?.acl_matches?.[0]?.acl_name).toBe(s.expect.dropAcl);
    res.hops.forEach((h, i) => {
      expect(h.index).toBe(i);
      expect(h.description.length).toBeGreaterThan(10);
    });
  });
});

describe.skipIf(skipWithoutOvn())('scenario suite expectations hold on real ovn-trace', () => {
  let tb: OvnTestbed;
  let oracle: OvnTraceOracle;
  beforeAll(async () => {
    tb = await startOvn();
    oracle = new OvnTraceOracle(tb);
  }, 60_000);
  afterAll(async () => {
    await oracle?.stop();
    await tb?.stop();
  });

  it('every scenario', async () => {
    let last: Scenario['network'] | null = null;
    for (const s of SCENARIOS) {
      const doc = docOf(s);
      if (s.network !== last) {
        await tb.loadSnapshot(doc);
        await oracle.restart();
        last = s.network;
      }
      const r = resolveRequest(buildTopology(doc, { kind: 'memory', name: s.name }), s.request);
      const { ports } = await oracle.trace(r);
      try {
        checkOutputs(s, ports);
        if (s.expect.reaches) expect(ports.length).toBeGreaterThan(0);
      } catch (err) {
        throw new Error(`scenario "${s.name}": ovn-trace delivered to [${ports.join(', ')}]: ${String(err)}`);
      }
    }
  }, 120_000);
});
