// resolveRequest on the demo network: auto-fill with warnings, and each bad input's error code/field.

import { describe, expect, it } from 'vitest';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { OvncpError } from '../../src/errors.ts';
import { formatIp } from '../../src/ovn/net/addr.ts';
import { loadDemoTopology, loadTopologyText } from '../../src/sources/file.ts';

const demo = loadDemoTopology();

function errorOf(req: TraceRequest, t = demo): OvncpError {
  try {
    resolveRequest(t, req);
  } catch (err) {
    if (err instanceof OvncpError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('resolveRequest', () => {
  it('auto-fills source MAC/IP and a same-switch destination MAC, naming each in warnings', () => {
    const r = resolveRequest(demo, { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'tcp' });
    expect(r.srcMac).toBe('00:00:00:00:00:01');
    expect(formatIp(r.srcIp)).toBe('10.0.0.1');
    expect(r.dstMac).toBe('00:00:00:00:00:02');
    expect(r.destinationPort).toBe('vm2-port');
    expect(r.datapath).toBe('ls1');
    expect(r.maxHops).toBe(50);
    const named = r.warnings.join('\n');
    for (const f of ['source_mac', 'source_ip', 'destination_mac', 'destination_port_num'])
      expect(named).toContain(f);
    expect(named).not.toContain('protocol');
  });

  it('uses the gateway router port MAC for a destination behind the router', () => {
    const r = resolveRequest(demo, { source_port: 'web-server-port', destination_ip: '10.0.2.10' });
    expect(r.dstMac).toBe('00:00:00:00:ff:02');
    expect(r.destinationPort).toBe('db-server-port');
    expect(r.protocol).toBe('tcp');
    expect(r.warnings.join('\n')).toContain('protocol');
  });

  it('keeps given fields as given; warns only that the source MAC/IP are not the port own', () => {
    const r = resolveRequest(demo, {
      source_port: 'vm1-port',
      source_mac: '00:00:00:00:00:AA',
      source_ip: '10.0.0.77',
      destination_mac: '00:00:00:00:00:02',
      destination_ip: '10.0.0.2',
      protocol: 'udp',
      source_port_num: 1000,
      destination_port_num: 53,
      max_hops: 7,
    });
    expect(r.srcMac).toBe('00:00:00:00:00:aa');
    expect(formatIp(r.srcIp)).toBe('10.0.0.77');
    expect([r.srcPortNum, r.dstPortNum, r.maxHops]).toEqual([1000, 53, 7]);
    expect(r.warnings).toEqual([
      'source_mac 00:00:00:00:00:aa is not an address of port vm1-port (00:00:00:00:00:01): traced as given; port security of vm1-port will drop it',
      'source_ip 10.0.0.77 is not an address of port vm1-port: traced as given; port security of vm1-port will drop it (its MAC is not allowed either)',
    ]);
  });

  it('accepts the source port by UUID', () => {
    const uuid = demo.ports.get('vm2-port')!.uuid;
    expect(resolveRequest(demo, { source_port: uuid, destination_ip: '10.0.0.1' }).sourcePort).toBe(
      'vm2-port',
    );
  });

  it.each([
    [
      { source_port: 'nope', destination_ip: '10.0.0.2' },
      'OVNCP_ERR_SOURCE_PORT_NOT_FOUND',
      'source_port',
      'Source port not found: nope',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', source_mac: 'zz' },
      'OVNCP_ERR_INVALID_MAC',
      'source_mac',
      'Invalid MAC address: zz',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', destination_mac: '1:2' },
      'OVNCP_ERR_INVALID_MAC',
      'destination_mac',
      'Invalid MAC address: 1:2',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.256' },
      'OVNCP_ERR_INVALID_IP',
      'destination_ip',
      'Invalid IP address: 10.0.0.256',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', source_ip: 'x' },
      'OVNCP_ERR_INVALID_IP',
      'source_ip',
      'Invalid IP address: x',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', max_hops: 0 },
      'OVNCP_ERR_INVALID_FIELD',
      'max_hops',
      'max_hops',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', max_hops: 101 },
      'OVNCP_ERR_INVALID_FIELD',
      'max_hops',
      'max_hops',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'gre' as 'tcp' },
      'OVNCP_ERR_UNKNOWN_PROTOCOL',
      'protocol',
      'gre',
    ],
    [
      { source_port: 'vm1-port', destination_ip: '10.0.0.2', destination_port_num: 70000 },
      'OVNCP_ERR_INVALID_FIELD',
      'destination_port_num',
      'destination_port_num',
    ],
    [
      { source_port: 'vm1-port', destination_ip: 'fd00::1' },
      'OVNCP_ERR_UNRESOLVABLE',
      'source_ip',
      'no IPv6 address',
    ],
    [{ source_port: 'vm1-port' }, 'OVNCP_ERR_INVALID_FIELD', 'destination_ip', 'destination_ip is required'],
    [
      { source_port: 'ls1-lr-core', destination_ip: '10.0.0.2' },
      'OVNCP_ERR_UNRESOLVABLE',
      'source_mac',
      'no MAC',
    ],
  ] as const)('rejects %j with %s', (req, code, field, text) => {
    const e = errorOf(req as TraceRequest);
    expect(e.code).toBe(code);
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
    expect(e.status).toBeLessThan(500);
  });

  it('reports an address owned by two ports on the switch as ambiguous', () => {
    const t = loadTopologyText(
      'dup',
      `switches:
  - name: s
    ports:
      - { name: a, addresses: ["00:00:00:00:00:01 10.0.0.1"] }
      - { name: b, addresses: ["00:00:00:00:00:02 10.0.0.2"] }
      - { name: c, addresses: ["00:00:00:00:00:03 10.0.0.2"] }
      - { name: d, addresses: ["00:00:00:00:00:04 10.0.0.4", "00:00:00:00:00:05 10.0.0.5"] }
`,
    );
    expect(errorOf({ source_port: 'a', destination_ip: '10.0.0.2' }, t).code).toBe('OVNCP_ERR_AMBIGUOUS');
    const e = errorOf({ source_port: 'd', destination_ip: '10.0.0.1' }, t);
    expect([e.code, e.field]).toEqual(['OVNCP_ERR_AMBIGUOUS', 'source_mac']);
    expect(errorOf({ source_port: 'a', destination_ip: '192.0.2.1' }, t).field).toBe('destination_mac');
  });
});
