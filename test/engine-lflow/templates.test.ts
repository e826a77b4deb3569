// Template variables (`^name`, Chassis_Template_Var): substituted textually outside strings; a flow naming
// a variable without a value is ignored, as ovn-trace (which runs as no chassis and has no values) does,
// and the trace warns naming the variable and the hop. Traced as a chassis that defines the values, the
// template load balancer of a real OVN works as that chassis's ovn-controller would make it.

import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { expandTemplates } from '../../src/engine/lflow/templates.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import type { SbDatabase } from '../../src/ovn/sb/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { cli } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

describe('expandTemplates', () => {
  const vars = new Map([
    ['vip', '10.9.1.100'],
    ['vport', '80'],
    ['backends', '10.1.0.12:8080,10.1.0.13:8080'],
    ['a.b_2', 'x'],
  ]);
  it.each([
    ['ip4.dst == ^vip && tcp.dst == ^vport', 'ip4.dst == 10.9.1.100 && tcp.dst == 80'],
    ['ct_lb_mark(backends=^backends);', 'ct_lb_mark(backends=10.1.0.12:8080,10.1.0.13:8080);'],
    ['reg0 = ^a.b_2;', 'reg0 = x;'],
    ['outport = "^vip"; next;', 'outport = "^vip"; next;'],
    ['outport = "a\\"^vip"; reg1 = ^vip;', 'outport = "a\\"^vip"; reg1 = 10.9.1.100;'],
    ['ip4.dst == 1.2.3.4', 'ip4.dst == 1.2.3.4'],
  ])('%s', (text, want) => {
    expect(expandTemplates(text, vars)).toEqual({ text: want, missing: [] });
  });
  it('lists the variables without a value and leaves the text alone', () => {
    expect(expandTemplates('ip4.dst == ^vip && tcp.dst == ^nope && reg0 == ^nope', vars)).toEqual({
      text: 'ip4.dst == ^vip && tcp.dst == ^nope && reg0 == ^nope',
      missing: ['nope'],
    });
    expect(expandTemplates('ip4.dst == ^vip', new Map()).missing).toEqual(['vip']);
  });
});

const DOC: SnapshotDoc = {
  switches: [
    {
      name: 's1',
      ports: [
        { name: 'c1', addresses: ['0a:00:00:00:01:01 10.1.0.11'] },
        { name: 'b1', addresses: ['0a:00:00:00:01:02 10.1.0.12'] },
        { name: 's1-r1', type: 'router', addresses: ['router'], options: { 'router-port': 'r1-s1' } },
      ],
    },
  ],
  routers: [{ name: 'r1', ports: [{ name: 'r1-s1', mac: '0a:00:00:ff:00:01', networks: ['10.1.0.1/24'] }] }],
};
const topology = buildTopology(DOC, { kind: 'memory', name: 'templates' });
const TO_VIP: TraceRequest = {
  source_port: 'c1',
  protocol: 'tcp',
  destination_ip: '10.9.1.100',
  destination_port_num: 80,
  source_port_num: 40000,
};

describe.skipIf(skipWithoutOvn())('template load balancer on a real OVN', () => {
  let tb: OvnTestbed;
  let db: SbDatabase;
  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot(DOC);
    await tb.nbctl('--template', 'lb-add', 'tlb', '^vip:^vport', '^backends', 'tcp', 'ipv4');
    await tb.nbctl('ls-lb-add', 's1', 'tlb');
    await tb.nbctl(
      'create',
      'Chassis_Template_Var',
      'chassis=hv1',
      'variables={vip="10.9.1.100",vport="80",backends="10.1.0.12:8080"}',
    );
    await tb.sync();
    db = await readSbOnce(tb.sbRemote, undefined);
  }, 60_000);
  afterAll(async () => tb?.stop());

  it('without a chassis: ignores the template flows as ovn-trace does, and says which and where', async () => {
    const templated = [...db.Logical_Flow.values()].filter((f) => f.match.includes('^vip'));
    expect(templated.length).toBeGreaterThan(0);
    const sb = compileSb(db);
    for (const f of templated) expect(sb.problems.get(f.uuid)?.templates).toContain('vip');
    const tree = createLflowEngine({ sb: () => sb }).traceSync(TO_VIP, { network: topology });
    const oracle = new OvnTraceOracle(tb);
    await oracle.restart();
    try {
      const ovn = (await oracle.trace(resolveRequest(topology, TO_VIP))).ports;
      expect([...tree.outputPorts]).toEqual(ovn);
      expect(ovn).toEqual([]);
    } finally {
      await oracle.stop();
    }
    const warning = tree.warnings.find((w) => w.includes('^vip'));
    expect(warning).toMatch(/\^vip, \^vport without a value .* at ls_in_(pre_stateful|lb) on s1/);
  }, 60_000);

  it('as chassis hv1: its values make the VIP load-balance to the backend; no warning', () => {
    const sb = compileSb(db, { chassis: 'hv1' });
    const tree = createLflowEngine({ sb: () => sb }).traceSync(TO_VIP, { network: topology });
    expect([...tree.outputPorts]).toEqual(['b1']);
    expect(tree.warnings.filter((w) => w.includes('template'))).toEqual([]);
  });

  it('the daemon setting engine.chassis: `trace` on the SB file as hv1 load-balances; without it, not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-tmpl-'));
    try {
      const file = join(dir, 'sb.db');
      copyFileSync(join(tb.dir, 'sb.db'), file);
      const cfg = join(dir, 'ovncp.yaml');
      writeFileSync(cfg, 'engine:\n  chassis: hv1\n');
      const args = [
        'trace',
        `--topology.sb-file=${file}`,
        '--engine=lflow',
        '--source-port=c1',
        '--destination-ip=10.9.1.100',
        '--protocol=tcp',
        '--destination-port-num=80',
        '--json',
      ];
      type Out = { reaches_destination: boolean; output_ports?: string[]; warnings: string[] };
      const as = await cli([...args, `--config.file=${cfg}`]);
      expect(as.stderr).toBe('');
      const hv1 = JSON.parse(as.stdout) as Out;
      expect(hv1.warnings.filter((w) => w.includes('template'))).toEqual([]);
      expect(JSON.stringify(hv1)).toContain('"b1"');
      const none = JSON.parse((await cli(args)).stdout) as Out;
      expect(none.warnings.some((w) => w.includes('^vip'))).toBe(true);
      expect(JSON.stringify(none)).not.toContain('"b1"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('values changed by an SB update recompile the flows naming them', () => {
    const sb = compileSb(db, { chassis: 'hv1' });
    const row = [...db.Chassis_Template_Var.values()][0]!;
    const moved = { ...row, variables: new Map([...row.variables, ['vport', '8443']]) };
    sb.apply([{ table: 'Chassis_Template_Var', uuid: row.uuid, old: row, new: moved }]);
    const engine = createLflowEngine({ sb: () => sb });
    expect([...engine.traceSync(TO_VIP, { network: topology }).outputPorts]).toEqual([]);
    const to8443 = { ...TO_VIP, destination_port_num: 8443 };
    expect([...engine.traceSync(to8443, { network: topology }).outputPorts]).toEqual(['b1']);
  });
});
