// Nothing silent (issue 16 item 5): an NB option the model does not simulate is named in every trace
// through the datapath that carries it, counted in ovncp_topology_unmodelled_options{option}, and
// logged once while the topology keeps it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { unmodelledCounts } from '../../src/engine/model/index.ts';
import { createLogger } from '../../src/log.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { modelOn } from '../helpers/trace.ts';

const rp = (name: string, lrp: string) => ({
  name,
  type: 'router',
  addresses: ['router'],
  options: { 'router-port': lrp },
});

const doc: SnapshotDoc = {
  load_balancers: [
    {
      name: 'svc',
      protocol: 'tcp',
      vips: { '10.96.0.10:80': '10.1.0.10:8080' },
      options: { hairpin_snat_ip: '169.254.0.5' },
    },
  ],
  switches: [
    {
      name: 's1',
      load_balancers: ['svc'],
      ports: [{ name: 'p1', addresses: ['0a:00:00:00:01:01 10.1.0.10'] }, rp('s1-lr', 'lr-s1')],
    },
    { name: 's2', ports: [{ name: 'p2', addresses: ['0a:00:00:00:02:01 10.2.0.10'] }, rp('s2-lr', 'lr-s2')] },
    { name: 's3', ports: [{ name: 'p3', addresses: ['0a:00:00:00:03:01 10.3.0.10'] }] },
  ],
  routers: [
    {
      name: 'lr',
      options: { lb_force_snat_ip: 'router_ip', dynamic_neigh_routers: 'true' },
      ports: [
        { name: 'lr-s1', mac: '0a:00:00:00:ff:01', networks: ['10.1.0.1/24'] },
        { name: 'lr-s2', mac: '0a:00:00:00:ff:02', networks: ['10.2.0.1/24'] },
      ],
    },
  ],
};

describe('unmodelled NB options', () => {
  const t = buildTopology(doc, { kind: 'memory', name: 'unmodelled' });

  it('a trace through the router and the LB switch names each option; one elsewhere names none', async () => {
    const r = await modelOn(t).trace({
      source_port: 'p2',
      destination_ip: '10.1.0.10',
      protocol: 'tcp',
      destination_port_num: 8080,
    });
    const w = r.warnings.join('\n');
    expect(w).toMatch(/Logical_Router:lb_force_snat_ip=router_ip on router lr is not modelled/);
    expect(w).toMatch(/Logical_Router:dynamic_neigh_routers=true on router lr is not modelled/);
    expect(w).toMatch(/Load_Balancer:hairpin_snat_ip=169\.254\.0\.5 on load balancer svc is not modelled/);
    const quiet = await modelOn(t).trace({
      source_port: 'p3',
      destination_ip: '10.3.0.10',
      protocol: 'tcp',
      destination_port_num: 80,
    });
    expect(quiet.warnings.filter((x) => x.includes('not modelled'))).toEqual([]);
  });

  it('counts rows per option', () => {
    expect(Object.fromEntries(unmodelledCounts(t))).toEqual({
      'Load_Balancer:hairpin_snat_ip': 1,
      'Logical_Router:lb_force_snat_ip': 1,
      'Logical_Router:dynamic_neigh_routers': 1,
    });
    // An option with a value that changes nothing (dynamic_neigh_routers=false) is not counted.
    const off = buildTopology(
      { ...doc, routers: [{ ...doc.routers![0]!, options: { dynamic_neigh_routers: 'false' } }] },
      { kind: 'memory', name: 'off' },
    );
    expect(unmodelledCounts(off).has('Logical_Router:dynamic_neigh_routers')).toBe(false);
  });

  it('the runtime exports ovncp_topology_unmodelled_options and logs them once', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'ovncp-unm-')), 'net.yaml');
    writeFileSync(f, stringify(doc));
    let log = '';
    const sink = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
    const registry = new Registry();
    const rt = createRuntime(resolveSettings({ 'topology.file': f }, {}), {
      logger: createLogger('warn', 'json', sink),
      registry,
    });
    await rt.loadOnce();
    rt.topology.set(rt.topology.require(), []);
    const text = await registry.metrics();
    expect(text).toContain('ovncp_topology_unmodelled_options{option="Load_Balancer:hairpin_snat_ip"} 1');
    expect(text).toContain('ovncp_topology_unmodelled_options{option="Logical_Router:lb_force_snat_ip"} 1');
    const lines = log.split('\n').filter((l) => l.includes('unmodelled_options'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).unmodelled_options).toMatchObject({
      'Logical_Router:dynamic_neigh_routers': 1,
    });
    await rt.stop();
  });
});
