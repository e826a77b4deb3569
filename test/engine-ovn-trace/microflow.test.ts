// The microflow and argv builders: typed fields only, JSON-quoted names, `--` before positional
// arguments, and no request text that can add a term to the match or an option to ovn-trace.

import { describe, expect, it } from 'vitest';
import { buildMicroflow } from '../../src/engine/ovn-trace/microflow.ts';
import { ONE_SHOT_CT_STATES, oneShotArgv } from '../../src/engine/ovn-trace/one-shot.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { ResolvedRequest } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { parseIp } from '../../src/ovn/net/addr.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const topology = loadDemoTopology();

function resolved(over: Partial<ResolvedRequest> = {}): ResolvedRequest {
  return {
    sourcePort: 'vm1-port',
    datapath: 'ls1',
    srcMac: '00:00:00:00:00:01',
    dstMac: '00:00:00:00:00:02',
    srcIp: parseIp('10.0.0.1')!,
    dstIp: parseIp('10.0.0.2')!,
    protocol: 'tcp',
    srcPortNum: 12345,
    dstPortNum: 80,
    maxHops: 50,
    verbose: false,
    warnings: [],
    destinationPort: 'vm2-port',
    ...over,
  };
}

/** The match with every JSON string constant replaced by "S": what OVN's lexer sees as structure. */
function skeleton(match: string): string {
  return match.replace(/"(?:[^"\\]|\\.)*"/g, '"S"');
}

describe('buildMicroflow', () => {
  it('builds a TCP microflow with ttl 64 from typed fields', () => {
    expect(buildMicroflow(resolved())).toEqual({
      datapath: 'ls1',
      match:
        'inport == "vm1-port" && eth.src == 00:00:00:00:00:01 && eth.dst == 00:00:00:00:00:02 && ' +
        'ip4.src == 10.0.0.1 && ip4.dst == 10.0.0.2 && ip.ttl == 64 && tcp && tcp.src == 12345 && tcp.dst == 80',
    });
  });

  it('uses an ICMP echo request for icmp, in both families', () => {
    expect(buildMicroflow(resolved({ protocol: 'icmp' })).match).toMatch(
      /&& icmp4 && icmp4\.type == 8 && icmp4\.code == 0$/,
    );
    const v6 = buildMicroflow(
      resolved({ protocol: 'icmp', srcIp: parseIp('fd00::1')!, dstIp: parseIp('fd00::2')! }),
    ).match;
    expect(v6).toContain('ip6.src == fd00::1 && ip6.dst == fd00::2 && ip.ttl == 64');
    expect(v6).toMatch(/icmp6 && icmp6\.type == 128 && icmp6\.code == 0$/);
  });

  it('normalizes MACs and refuses malformed ones', () => {
    expect(buildMicroflow(resolved({ srcMac: '0A:0B:0C:0D:0E:0F' })).match).toContain(
      'eth.src == 0a:0b:0c:0d:0e:0f',
    );
    expect(() => buildMicroflow(resolved({ dstMac: '00:00:00:00:00:02 || 1' }))).toThrow(/Invalid MAC/);
  });

  const evil = [
    'x" || 1 == 1 || inport == "y',
    'a\\" && ip4',
    'p && tcp.dst == 22',
    'q || 1',
    '--db=unix:/tmp/evil.sock',
    '-- ls1',
    "'; rm -rf / #",
    '$(id)',
  ];
  for (const name of evil) {
    it(`quotes the port name ${JSON.stringify(name)} so it cannot change the match`, () => {
      const m = buildMicroflow(resolved({ sourcePort: name, datapath: name }));
      expect(skeleton(m.match)).toBe(skeleton(buildMicroflow(resolved()).match));
      const quoted = /^inport == ("(?:[^"\\]|\\.)*")/.exec(m.match)![1]!;
      expect(JSON.parse(quoted)).toBe(name);
      const argv = oneShotArgv(m, { sbDb: 'unix:/sb.sock' });
      const dd = argv.indexOf('--');
      expect(argv.slice(dd + 1)).toEqual([name, m.match]);
      expect(argv.slice(0, dd)).toEqual([
        '--db=unix:/sb.sock',
        ...Array.from({ length: ONE_SHOT_CT_STATES }, () => '--ct=new'),
        '--detailed',
      ]);
    });
  }

  it('refuses names with newlines or control characters, and very long names', () => {
    for (const name of ['a\nb', 'a\rb', 'a\u0000b', 'x'.repeat(10_000)]) {
      try {
        buildMicroflow(resolved({ sourcePort: name }));
        expect.unreachable();
      } catch (err) {
        expect(isOvncpError(err) && err.status === 400 && err.field === 'source_port').toBe(true);
      }
    }
  });

  it('refuses out-of-range port numbers and mixed families', () => {
    expect(() => buildMicroflow(resolved({ dstPortNum: 70000 }))).toThrow(/destination_port_num/);
    expect(() => buildMicroflow(resolved({ srcPortNum: 1.5 }))).toThrow(/source_port_num/);
    expect(() => buildMicroflow(resolved({ dstIp: parseIp('fd00::2')! }))).toThrow(/famil/);
  });
});

describe('request fields reach the microflow only through resolveRequest', () => {
  it('normalizes what it accepts: surrounding whitespace never reaches the match', () => {
    const m = buildMicroflow(
      resolveRequest(topology, {
        source_port: 'vm1-port',
        source_mac: ' 00:00:00:00:00:01\n',
        destination_ip: '10.0.0.2',
      }),
    ).match;
    expect(m).toContain('eth.src == 00:00:00:00:00:01 &&');
    expect(m).not.toMatch(/\s{2}|\n/);
  });

  const attempts: [string, Record<string, unknown>][] = [
    ['source_mac', { source_mac: '00:00:00:00:00:01 && ip4' }],
    ['source_mac', { source_mac: '00:00:00:00:00:01\n&& ip4' }],
    ['source_ip', { source_ip: '10.0.0.1 || 1' }],
    ['destination_ip', { destination_ip: '10.0.0.2" || "' }],
    ['destination_ip', { destination_ip: '--db=tcp:1.2.3.4:6642' }],
    ['destination_mac', { destination_mac: 'ff:ff:ff:ff:ff:ff&&1' }],
    ['protocol', { protocol: 'tcp && udp' }],
    ['destination_port_num', { destination_port_num: '80 || 1' }],
    ['source_port', { source_port: 'vm1-port" || "' }],
    ['source_port', { source_port: 'x'.repeat(100_000) }],
  ];
  for (const [field, extra] of attempts) {
    it(`rejects ${field} = ${JSON.stringify(Object.values(extra)[0]).slice(0, 40)} with a 4xx naming the field`, () => {
      try {
        buildMicroflow(
          resolveRequest(topology, {
            source_port: 'vm1-port',
            destination_ip: '10.0.0.2',
            ...extra,
          } as never),
        );
        expect.unreachable();
      } catch (err) {
        expect(isOvncpError(err)).toBe(true);
        if (!isOvncpError(err)) return;
        expect(err.status).toBeGreaterThanOrEqual(400);
        expect(err.status).toBeLessThan(500);
        expect(err.field).toBe(field);
      }
    });
  }
});
