// The pieces of the fan-out analyses as tables: which services are tested, how a blocked path is named,
// and the summary arithmetic.

import { describe, expect, it } from 'vitest';
import { blockedBy } from '../../src/analysis/blocked-by.ts';
import { connectivity } from '../../src/analysis/connectivity.ts';
import { summarizePaths } from '../../src/analysis/multi-path.ts';
import { expandServices, serviceKey } from '../../src/analysis/services.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { Hop, TraceResult } from '../../src/engine/types.ts';
import { portAddresses, primaryIp } from '../../src/ovn/topology/port-addresses.ts';
import { loadDemoTopology, loadTopologyText } from '../../src/sources/file.ts';

const demo = loadDemoTopology();

describe('services', () => {
  it('expands protocol × port with ICMP once, in request order, without duplicates', () => {
    expect(expandServices(['icmp', 'tcp', 'icmp'], [80, 80, 22]).map(serviceKey)).toEqual([
      'icmp',
      'tcp:80',
      'tcp:22',
    ]);
    expect(expandServices().length).toBe(15);
  });
});

describe('port addresses', () => {
  it('finds switch ports, router-type ports through their router port, and router ports', () => {
    expect(portAddresses(demo, 'nope')).toBeNull();
    expect(portAddresses(demo, 'ls-db-lr-core')?.addresses).toEqual([
      { mac: '00:00:00:00:ff:03', ip: '10.0.2.254' },
    ]);
    expect(portAddresses(demo, 'lr-core-db')?.type).toBe('router_port');
    expect(primaryIp(demo, 'web-server-port')).toBe('10.0.1.10');
  });
});

function result(over: Partial<TraceResult>): TraceResult {
  return {
    request: { source_port: 'a' },
    success: true,
    reaches_destination: false,
    hops: [],
    summary: 'summary text',
    dropped_at: null,
    output_ports: [],
    warnings: [],
    truncated: false,
    allowed_by: [],
    engine: 'model',
    ...over,
  };
}

const aclHop = (matches: Hop['acl_matches']): Hop => ({
  index: 1,
  type: 'acl',
  component: 'egress ACL',
  action: 'drop',
  description: 'dropped',
  acl_matches: matches,
});

describe('blocked_by', () => {
  it('names the highest-priority deny ACL of the drop hop', () => {
    const hop = aclHop([
      { acl_name: 'allow-x', priority: 3000, direction: 'egress', action: 'allow', match: 'm' },
      { acl_name: 'deny-low', priority: 1000, direction: 'egress', action: 'drop', match: 'm' },
      { acl_name: 'deny-high', priority: 2000, direction: 'egress', action: 'reject', match: 'm' },
    ]);
    expect(blockedBy(result({ dropped_at: hop }))).toBe('ACL: deny-high (Priority: 2000)');
  });

  it('uses the UUID prefix for an unnamed ACL, the hop description without ACLs, else the summary', () => {
    const unnamed = aclHop([
      {
        acl_name: null,
        uuid: 'abcdef12-3456',
        priority: 5,
        direction: 'ingress',
        action: 'drop',
        match: 'm',
      },
    ]);
    expect(blockedBy(result({ dropped_at: unnamed }))).toBe('ACL: abcdef12 (Priority: 5)');
    const route: Hop = {
      index: 3,
      type: 'l3_routing',
      component: 'r',
      action: 'drop',
      description: 'No route to 10.9.9.9',
    };
    expect(blockedBy(result({ dropped_at: route }))).toBe('No route to 10.9.9.9');
    expect(blockedBy(result({}))).toBe('summary text');
    expect(blockedBy(result({ reaches_destination: true }))).toBeUndefined();
  });
});

describe('summary', () => {
  it('counts from the paths themselves', () => {
    const p = (protocol: 'tcp' | 'icmp', blocked: boolean, port?: number) => ({
      protocol,
      ...(port === undefined ? {} : { port }),
      blocked,
      reaches_destination: !blocked,
      hop_count: 1,
    });
    expect(summarizePaths([p('tcp', true, 22), p('tcp', false, 80), p('icmp', false)])).toBe(
      '1 of 3 paths blocked. Allowed: tcp:80, icmp',
    );
    expect(summarizePaths([p('tcp', true, 22)])).toBe('1 of 1 paths blocked. Allowed: none');
  });
});

describe('connectivity across address families', () => {
  const mixed = loadTopologyText(
    'mixed.yaml',
    `version: 1
switches:
  - name: s
    ports:
      - { name: v4, addresses: ["00:00:00:00:00:01 10.1.0.1"] }
      - { name: dual, addresses: ["00:00:00:00:00:02 10.1.0.2 fd00::2"] }
      - { name: v6, addresses: ["00:00:00:00:00:03 fd00::3"] }
`,
  );
  const engine = createModelEngine();

  it('picks a target address of a family the source has', () => {
    expect(primaryIp(mixed, 'dual', new Set([6]))).toBe('fd00::2');
    expect(primaryIp(mixed, 'v6', new Set([4]))).toBeNull();
  });

  it('reports an IPv6-only target from an IPv4-only source as untestable, not as a bad request', async () => {
    const r = await connectivity(
      mixed,
      engine,
      { source_port: 'v4', target_ports: ['dual', 'v6'], protocols: ['icmp'] },
      { maxTraces: 100 },
    );
    expect(r.target_ports.map((x) => [x.port_name, x.port_ip, x.reachable])).toEqual([
      ['dual', '10.1.0.2', true],
      ['v6', 'fd00::3', false],
    ]);
    expect(r.recommendations.join('\n')).toMatch(/v6 has only IPv6 addresses and v4 only IPv4/);
  });
});
