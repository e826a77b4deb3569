// The parser and result builder on recorded `ovn-trace --detailed` outputs of the demo network (OVN
// 23.03), plus hand-written texts for what the recordings do not show: 23.06+ stage names, generated
// reply packets, unknown lines and garbage. No OVN needed.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRun } from '../../src/engine/ovn-trace/build-result.ts';
import { parseDetailed } from '../../src/engine/ovn-trace/parse-detailed.ts';
import { hopTypeOfStage } from '../../src/engine/ovn-trace/stages.ts';
import { treeOfRun } from '../../src/engine/ovn-trace/unite-results.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { DEMO_CASES } from '../fixtures/ovn-trace/cases.ts';

const topology = loadDemoTopology();
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/ovn-trace/${name}.txt`, import.meta.url), 'utf8');

async function treeOf(text: string, request: TraceRequest) {
  const resolved = resolveRequest(topology, request);
  const run = await buildRun({
    parsed: parseDetailed(text),
    raw: text,
    resolved,
    request,
    topology,
    stageHints: null,
  });
  return treeOfRun({ request, resolved }, run);
}

async function resultOf(text: string, request: TraceRequest) {
  return toTraceResult(await treeOf(text, request));
}

describe('recorded demo-network traces', () => {
  for (const c of DEMO_CASES) {
    it(`${c.name}: verdict, output ports, drop hop and ACL`, async () => {
      const r = await resultOf(fixture(c.name), c.request);
      expect(r.engine).toBe('ovn-trace');
      expect(r.reaches_destination).toBe(c.reaches);
      expect(r.output_ports).toEqual(c.outputPorts);
      if (c.reaches) expect(r.dropped_at).toBeNull();
      else expect(r.dropped_at?.stage).toBe(c.dropStage);
      if (c.dropAcl) {
        expect(r.dropped_at?.type).toBe('acl');
        expect(r.dropped_at?.acl_matches?.[0]?.acl_name).toBe(c.dropAcl);
      }
      expect(r.hops.map((h) => h.index)).toEqual(r.hops.map((_, i) => i));
      expect(r.raw).toBeUndefined();
    });
  }

  it('records every ACL stage decision in the tree: the dropping ACL and the ones that allowed', async () => {
    const denied = await treeOf(fixture('routed-db-default-deny'), DEMO_CASES[4]!.request);
    const last = denied.acl.at(-1)!;
    expect(last).toMatchObject({
      stage: 'ls_out_acl',
      datapath: 'ls-db',
      direction: 'egress',
      verdict: 'drop',
    });
    expect(last.acl?.acl_name).toBe('db-default-deny');
    expect(denied.acl.slice(0, -1).every((d) => d.verdict === 'allow')).toBe(true);
    const allowed = await treeOf(fixture('routed-web-http'), DEMO_CASES[3]!.request);
    expect(allowed.reached).toBe(true);
    expect(allowed.acl.length).toBeGreaterThan(0);
    expect(allowed.acl.every((d) => d.verdict === 'allow')).toBe(true);
    // Every ACL decision stage of the shown hops is there, with the ACL the hop names.
    const stages = allowed.shown.hops.filter((h) => h.type === 'acl').map((h) => h.stage);
    expect(allowed.acl.map((d) => d.stage)).toEqual(stages);
  });

  it('names the NB ACL fully (priority, direction, action, match, owner)', async () => {
    const r = await resultOf(fixture('routed-db-default-deny'), DEMO_CASES[4]!.request);
    expect(r.dropped_at?.acl_matches).toEqual([
      expect.objectContaining({
        acl_name: 'db-default-deny',
        priority: 1000,
        direction: 'egress',
        action: 'drop',
        match: 'outport == @pg_db && ip4',
        attached_to: 'port group pg_db',
        owner: expect.objectContaining({ kind: 'acl', name: 'db-default-deny' }),
      }),
    ]);
    expect(r.dropped_at?.datapath).toBe('ls-db');
  });

  it('routed traces cross switch, router and switch with typed hops', async () => {
    const r = await resultOf(fixture('routed-web-http'), { ...DEMO_CASES[3]!.request, verbose: true });
    const dps = [...new Set(r.hops.map((h) => h.datapath))];
    expect(dps).toEqual(['ls1', 'lr-core', 'ls-web']);
    const types = new Set(r.hops.map((h) => h.type));
    for (const t of ['port_security', 'acl', 'l2_lookup', 'l3_routing'] as const) expect(types).toContain(t);
    // Routing forwards (TTL and MACs change on every routed packet; `modify` is for NAT and LB), as
    // on the model: the hop rule (src/engine/result/hop-stages.ts).
    const routing = r.hops.find((h) => h.stage === 'lr_in_ip_routing');
    expect(routing?.action).toBe('forward');
    expect(routing?.next_hop).toBe('lr-core-web');
    expect(r.raw).toContain('ingress(dp="lr-core"');
    expect(r.hops.at(-1)?.action).toBe('output');
  });
});

const HEADER = '# tcp,reg14=0x1,dl_src=00:00:00:00:00:01\n\n';

describe('parser edge cases', () => {
  it('maps 23.03 and 23.06+ ACL stage names to acl hops', () => {
    for (const s of [
      'ls_in_acl',
      'ls_out_acl',
      'ls_in_acl_after_lb',
      'ls_in_acl_eval',
      'ls_out_acl_action',
      'ls_in_acl_after_lb_eval',
    ])
      expect(hopTypeOfStage(s)).toBe('acl');
    expect(hopTypeOfStage('ls_in_acl_hint')).toBe('flow');
    expect(hopTypeOfStage('ls_in_brand_new_stage')).toBe('flow');
    expect(hopTypeOfStage('ls_in_apply_port_sec')).toBe('port_security');
    expect(hopTypeOfStage('lr_in_ip_routing')).toBe('l3_routing');
    expect(hopTypeOfStage('lr_out_snat')).toBe('nat');
    expect(hopTypeOfStage('ls_in_lb')).toBe('load_balancer');
  });

  it('reads a 23.06-style eval/action split and names the ACL from the log action', async () => {
    const text = `${HEADER}ingress(dp="ls1", inport="vm1-port")
------------------------------------
 9. ls_in_acl_eval (northd.c:7000): reg0[8] == 1 && (tcp.dst == 22), priority 3100, uuid 0123abcd
    reg8[17] = 1;
    log(name="deny-ssh", verdict=drop, severity=info);

    LOG: ACL name=deny-ssh, direction=IN, verdict=drop, severity=info, packet="ct_state=new|trk,tcp"
    ---------------------------------------------------------
    next;
10. ls_in_acl_action (northd.c:7100): reg8[17] == 1, priority 1000, uuid 0123abce
    reg8[16] = 0;
    reg8[17] = 0;
    drop;
`;
    const r = await resultOf(text, DEMO_CASES[1]!.request);
    expect(r.reaches_destination).toBe(false);
    // eval and action are one hop (the stage id is the eval stage's), the drop shows on it.
    expect(r.hops.map((h) => h.stage)).toEqual(['ls_in_acl_eval']);
    const evalHop = r.hops.find((h) => h.stage === 'ls_in_acl_eval');
    expect(evalHop?.acl_matches?.[0]?.acl_name).toBe('deny-ssh');
    expect(r.dropped_at?.type).toBe('acl');
    expect(r.dropped_at?.stage).toBe('ls_in_acl_eval');
    expect(r.dropped_at?.acl_matches?.[0]).toMatchObject({
      acl_name: 'deny-ssh',
      priority: 2100,
      action: 'drop',
    });
  });

  it('keeps replies OVN generates (ICMP errors, resets) out of output_ports', () => {
    const text = `${HEADER}ingress(dp="ls1", inport="vm1")
-------------------------------
 4. ls_out_acl (northd.c:6365): (reg0[9] == 1) && udp.dst == 53, priority 3200, uuid 73cd2bb9
    reg0 = 0;
    reject { outport <-> inport; next(pipeline=ingress, table=25); };

icmp4
-----
    outport <-> inport;
    next(pipeline=ingress, table=25);

egress(dp="ls1", inport="vm2", outport="vm1")
---------------------------------------------
 9. ls_out_apply_port_sec (northd.c:5777): 1, priority 0, uuid 330eb0e5
    output;
    /* output to "vm1", type "" */
`;
    const p = parseDetailed(text);
    expect(p.outputs).toEqual([{ port: 'vm1', type: '', generated: true }]);
    expect(p.steps[0]).toMatchObject({ kind: 'table', dropped: true, generated: false });
  });

  it('turns unknown lines into notes and never throws on garbage', () => {
    const p = parseDetailed(`${HEADER}something new in OVN 99\n*** unsupported action foo\n`);
    expect(p.steps.map((s) => s.kind)).toEqual(['note', 'note']);
    for (const junk of [
      '',
      '\n\n',
      '-----',
      '((((',
      'ingress(dp="x"\n----',
      '\u0000\u0001',
      'x'.repeat(100_000),
    ])
      expect(() => parseDetailed(junk)).not.toThrow();
  });

  it('reads `no match (implicit drop)` as a drop and counts ct steps', () => {
    const p = parseDetailed(`${HEADER}ingress(dp="ls1", inport="vm1")
-------------------------------
 6. ls_in_pre_stateful (northd.c:6140): reg0[0] == 1, priority 100, uuid 6f156af2
    ct_next;

ct_next(ct_state=new|trk)
-------------------------
    no match (implicit drop)

ct_next(ct_state=est|trk /* default (use --ct to customize) */)
---------------------------------------------------------------
`);
    expect(p.steps.some((s) => s.kind === 'note' && s.dropped)).toBe(true);
    expect(p.ctSteps).toBe(2);
    expect(p.ctDefaultUsed).toBe(true);
  });
});
