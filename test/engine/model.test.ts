// Model engine behaviours that the scenario suite does not pin down: max_hops on a routing loop,
// ignored ACLs reported as warnings, result shape and errors for bad requests.

import { describe, expect, it } from 'vitest';
import { renderTrace } from '../../src/engine/result/table.ts';
import { OvncpError } from '../../src/errors.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { modelOn } from '../helpers/trace.ts';

const engineFor = (doc: SnapshotDoc) => {
  const t = buildTopology(doc, { kind: 'memory', name: 'test' });
  return modelOn(t);
};

/** Two routers that send 10.99.0.0/16 to each other: a forwarding loop. */
const loop: SnapshotDoc = {
  switches: [
    {
      name: 'ls',
      ports: [
        { name: 'vm', addresses: ['0a:00:00:00:00:01 10.0.0.10'] },
        { name: 'ls-r1', type: 'router', addresses: ['router'], options: { 'router-port': 'r1-ls' } },
      ],
    },
  ],
  routers: [
    {
      name: 'r1',
      ports: [
        { name: 'r1-ls', mac: '0a:00:00:00:ff:01', networks: ['10.0.0.1/24'] },
        { name: 'r1-r2', mac: '0a:00:00:00:ff:02', networks: ['10.255.0.1/30'], peer: 'r2-r1' },
      ],
      static_routes: [{ ip_prefix: '10.99.0.0/16', nexthop: '10.255.0.2' }],
    },
    {
      name: 'r2',
      ports: [{ name: 'r2-r1', mac: '0a:00:00:00:ff:03', networks: ['10.255.0.2/30'], peer: 'r1-r2' }],
      static_routes: [{ ip_prefix: '10.99.0.0/16', nexthop: '10.255.0.1' }],
    },
  ],
};

describe('model engine', () => {
  it('stops a routing loop at max_hops: truncated, not a drop (issue 17 item 5)', async () => {
    const e = engineFor(loop);
    // TTL 64 would expire after 63 router passes; the default max_hops (50) cuts the trace first.
    const res = await e.trace({ source_port: 'vm', destination_ip: '10.99.1.1', protocol: 'icmp' });
    expect(res).toMatchObject({ reaches_destination: false, dropped_at: null, truncated: true });
    expect(res.hops).toHaveLength(50);
    expect(res.summary).toContain('cut at 50 hops: max_hops (50) reached');
    const short = await e.trace({
      source_port: 'vm',
      destination_ip: '10.99.1.1',
      protocol: 'icmp',
      max_hops: 6,
    });
    expect(short.hops).toHaveLength(6);
    expect(short).toMatchObject({ dropped_at: null, truncated: true, reaches_destination: false });
    expect(short.hops.map((h) => h.type)).toEqual([
      'port_security',
      'l2_lookup',
      'port_security',
      'l3_routing',
      'l3_routing',
      'l3_routing',
    ]);
    expect(renderTrace(short).split('\n')[0]).toBe('TRUNCATED at 6 hops (max_hops) [engine model]');
    expect(short.summary).toBe(
      'Trace from vm to 10.99.1.1 cut at 6 hops: max_hops (6) reached before the packet was delivered or dropped (a longer path, or a forwarding loop)',
    );
  });

  it('reports ACLs OVN ignores as warnings and does not apply them', async () => {
    const e = engineFor({
      port_groups: [{ name: 'elsewhere', ports: ['c'] }],
      switches: [
        {
          name: 'ls',
          acls: [
            { name: 'bad', direction: 'from-lport', priority: 300, match: 'tcp.dst ==', action: 'drop' },
            {
              name: 'other-pg',
              direction: 'from-lport',
              priority: 200,
              match: 'inport == @elsewhere || tcp',
              action: 'drop',
            },
          ],
          ports: [
            { name: 'a', addresses: ['0a:00:00:00:00:01 10.0.0.1'] },
            { name: 'b', addresses: ['0a:00:00:00:00:02 10.0.0.2'] },
          ],
        },
        { name: 'ls2', ports: [{ name: 'c', addresses: ['0a:00:00:00:00:03 10.0.1.3'] }] },
      ],
    });
    const res = await e.trace({ source_port: 'a', destination_ip: '10.0.0.2', destination_port_num: 80 });
    expect(res.reaches_destination).toBe(true);
    expect(res.output_ports).toEqual(['b']);
    const w = res.warnings.join('\n');
    expect(w).toMatch(/"bad".*does not compile/);
    expect(w).toMatch(/"other-pg".*@elsewhere has no port here/);
  });

  it('fills the result fields of the contract', async () => {
    const e = modelOn(loadDemoTopology());
    const req = {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp' as const,
      destination_port_num: 80,
    };
    const res = await e.trace(req);
    expect(res).toMatchObject({
      request: req,
      success: true,
      reaches_destination: true,
      engine: 'model',
      dropped_at: null,
      output_ports: ['vm2-port'],
    });
    expect(res.hops.map((h) => h.type)).toEqual(['port_security', 'acl', 'l2_lookup', 'port_security']);
    expect(res.hops[1]!.acl_matches).toEqual([
      expect.objectContaining({
        acl_name: 'allow-http',
        priority: 2000,
        direction: 'ingress',
        action: 'allow',
        match: 'tcp.dst == 80',
      }),
    ]);
    expect(res.hops[2]).toMatchObject({ action: 'forward', next_hop: 'vm2-port' });
    expect(res.hops[3]).toMatchObject({
      action: 'output',
      next_hop: 'vm2-port',
      stage: 'ls_out_check_port_sec',
    });
    expect(res.truncated).toBe(false);
    expect(res.summary).toBe('Packet successfully traced from vm1-port to 10.0.0.2 through 4 hops');
    const lb = await e.trace({
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      destination_port_num: 80,
    });
    expect(lb.backends?.map((b) => [b.backend, b.reached])).toEqual([
      ['10.0.1.10:80', true],
      ['10.0.1.11:80', true],
    ]);
  });

  it('throws OvncpError for a request the topology cannot answer', async () => {
    const e = modelOn(loadDemoTopology());
    await expect(e.trace({ source_port: 'ghost', destination_ip: '10.0.0.2' })).rejects.toBeInstanceOf(
      OvncpError,
    );
  });
});
