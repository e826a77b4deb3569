// The fixed scenario suite (test/engine/scenarios.ts) on the lflow engine: each scenario's network is
// loaded into a real OVN, northd writes the SB, the engine compiles it and traces the scenario's request;
// the verdict, delivered ports, the dropped hop (type, the ACL named) must be what the suite expects.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { type CompiledSb, compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { SCENARIOS, type Scenario } from '../engine/scenarios.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { onNetwork } from '../helpers/trace.ts';

function docOf(s: Scenario): SnapshotDoc {
  if (s.network !== 'demo') return s.network;
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

describe.skipIf(skipWithoutOvn())('scenario suite on the lflow engine', () => {
  let tb: OvnTestbed;
  let sb: CompiledSb | null = null;
  const engine = createLflowEngine({ sb: () => sb });
  let last: Scenario['network'] | null = null;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => tb?.stop());

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const doc = docOf(s);
    if (s.network !== last) {
      await tb.loadSnapshot(doc);
      sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
      last = s.network;
    }
    const t = buildTopology(doc, { kind: 'memory', name: s.name });
    const res = await onNetwork(engine, t).trace(s.request);
    expect(res.engine).toBe('lflow');
    expect(res.reaches_destination).toBe(s.expect.reaches);
    if (s.expect.outputs) expect([...res.output_ports].sort()).toEqual(s.expect.outputs);
    if (s.expect.anyOf) for (const o of res.output_ports) expect(s.expect.anyOf).toContain(o);
    if (!s.expect.reaches && !s.expect.anyOf)
      expect(res.output_ports.filter((o) => o !== s.request.source_port)).toEqual([]);
    if (s.expect.reaches) expect(res.dropped_at).toBeNull();
    else {
      expect(res.dropped_at?.action).toBe('drop');
      expect(res.hops.at(-1)).toEqual(res.dropped_at);
    }
    if (s.expect.dropType) expect(res.dropped_at?.type).toBe(s.expect.dropType);
    if (s.expect.dropAcl) expect(res.dropped_at?.acl_matches?.[0]?.acl_name).toBe(s.expect.dropAcl);
    expect(res.hops.map((h) => h.index)).toEqual(res.hops.map((_, i) => i));
  });
});
