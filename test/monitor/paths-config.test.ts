// The paths file: a table of invalid files with their exact `file:line: message`, defaults, expansion
// of protocols x ports and groups against the demo network, the max_checks cap, and sharding.

import { describe, expect, it } from 'vitest';
import { OvncpError } from '../../src/errors.ts';
import { expandPaths } from '../../src/monitor/expand.ts';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import { fnv1a, ownsPath, parseShard, shardConfig } from '../../src/monitor/shard.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const demo = loadDemoTopology();

function errorOf(text: string): string {
  try {
    parsePathsText('p.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(OvncpError);
    return (err as OvncpError).message;
  }
  throw new Error('expected the file to be rejected');
}

const ok = 'paths:\n  - name: a\n    source_port: vm1-port\n    destination: vm2-port\n';

describe('invalid paths files', () => {
  it.each([
    ['unknown top-level key', 'pathz: []\n', 'p.yaml:1: unknown key(s) "pathz"'],
    [
      'unknown path key',
      `${ok}    port: 80\n    colour: red\n`,
      'p.yaml:6: paths.0: unknown key(s) "colour"',
    ],
    [
      'no source',
      'paths:\n  - name: a\n    destination: vm2-port\n    port: 80\n',
      'p.yaml:2: paths.0: give exactly one source (source_port | source_group)',
    ],
    [
      'two destinations',
      `${ok}    destination_ip: 10.0.0.1\n    port: 80\n`,
      'p.yaml:5: paths.0.destination_ip: give exactly one destination (destination | destination_ip | destination_group), got destination and destination_ip',
    ],
    ['tcp without port', ok, 'p.yaml:2: path "a": tcp needs a destination port (port or ports)'],
    [
      'port out of range',
      `${ok}    port: 70000\n`,
      'p.yaml:5: paths.0.port: Too big: expected number to be <=65535',
    ],
    [
      'bad protocol',
      `${ok}    protocol: sctp\n    port: 1\n`,
      'p.yaml:5: paths.0.protocol: Invalid option: expected one of "tcp"|"udp"|"icmp"',
    ],
    [
      'bad expect',
      `${ok}    port: 80\n    expect: maybe\n`,
      'p.yaml:6: paths.0.expect: Invalid option: expected one of "reachable"|"blocked"',
    ],
    [
      'bad cron',
      `${ok}    port: 80\n    schedule: "every minute"\n`,
      'p.yaml:6: paths.0.schedule: must be a cron expression (5 fields, or 6 with seconds first)',
    ],
    [
      'bad interval',
      `${ok}    port: 80\n    interval: 10\n`,
      'p.yaml:6: paths.0.interval: Invalid input: expected string, received number',
    ],
    [
      'schedule and interval',
      `${ok}    port: 80\n    interval: 10s\n    schedule: "* * * * *"\n`,
      'p.yaml:6: paths.0.interval: give schedule or interval, not both',
    ],
    [
      'reserved label',
      `${ok}    port: 80\n    labels: { path: x }\n`,
      'p.yaml:6: paths.0.labels.path: label name is reserved (path, source_port, destination, protocol, port, blocked_by, hop_type, engine, result, reason)',
    ],
    [
      'bad label name',
      `${ok}    port: 80\n    labels: { "a-b": x }\n`,
      'p.yaml:6: paths.0.labels.a-b: label names must match [a-zA-Z_][a-zA-Z0-9_]*',
    ],
    [
      'icmp with port',
      `${ok}    protocol: icmp\n    port: 1\n`,
      'p.yaml:6: paths.0.port: icmp takes no port',
    ],
    [
      'duplicate names',
      `${ok}    port: 80\n${ok.slice(7)}    port: 81\n`,
      'p.yaml:6: duplicate path name "a" (first at line 2)',
    ],
    [
      'YAML syntax',
      'paths: [\n',
      'p.yaml:2: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    [
      'cap too high',
      'max_checks: 300000\npaths: []\n',
      'p.yaml:1: max_checks: Too big: expected number to be <=200000',
    ],
  ])('%s', (_name, text, message) => {
    expect(errorOf(text).split('\n')[0]).toBe(message);
  });
});

describe('valid paths files', () => {
  it('applies defaults and keeps per-path settings', () => {
    const c = parsePathsText(
      'p.yaml',
      `defaults:
  interval: 15s
  expect: blocked
  labels: { team: net }
  timeout: 2s
concurrency: 3
paths:
  - name: a
    source_port: vm1-port
    destination: vm2-port
    port: 80
  - name: b
    source_port: vm1-port
    destination_ip: 10.0.0.5
    protocols: [tcp, udp, icmp]
    ports: [53, 5353]
    expect: reachable
    schedule: "*/5 * * * * *"
    labels: { team: db, tier: data }
`,
    );
    expect(c.concurrency).toBe(3);
    expect(c.timeoutMs).toBe(2000);
    const [a, b] = c.paths;
    expect(a).toMatchObject({
      expect: 'blocked',
      schedule: { kind: 'interval', ms: 15_000 },
      protocols: ['tcp'],
      labels: { team: 'net' },
    });
    expect(b).toMatchObject({
      expect: 'reachable',
      schedule: { kind: 'cron', expr: '*/5 * * * * *' },
      labels: { team: 'db', tier: 'data' },
    });
    // protocols x ports, ICMP once: tcp/53 tcp/5353 udp/53 udp/5353 icmp
    const checks = expandPaths(c, demo, true).checks.filter((k) => k.path.name === 'b');
    expect(checks.map((k) => `${k.protocol}/${k.port ?? '-'}`)).toEqual([
      'tcp/53',
      'tcp/5353',
      'udp/53',
      'udp/5353',
      'icmp/-',
    ]);
  });

  it('the shipped config/paths.yaml loads and expands against the demo network', async () => {
    const { loadPathsFile } = await import('../../src/monitor/paths-config.ts');
    const c = loadPathsFile('config/paths.yaml');
    expect(c.paths.length).toBeGreaterThan(0);
    expect(expandPaths(c, demo, true).problems.size).toBe(0);
  });
});

describe('groups and the cap', () => {
  const groups = `paths:
  - name: web-matrix
    source_group: pg_web
    destination_group: pg_web
    ports: [80, 22]
`;
  it('expands a group to its members, minus self-pairs', () => {
    const { checks } = expandPaths(parsePathsText('p.yaml', groups), demo, true);
    expect(checks.map((c) => c.key)).toEqual([
      'web-matrix|web-server-2-port|web-server-port|tcp|80',
      'web-matrix|web-server-2-port|web-server-port|tcp|22',
      'web-matrix|web-server-port|web-server-2-port|tcp|80',
      'web-matrix|web-server-port|web-server-2-port|tcp|22',
    ]);
  });

  it('refuses to expand past max_checks when loading, truncates when the topology grows', () => {
    const c = parsePathsText('p.yaml', `max_checks: 3\n${groups}`);
    expect(() => expandPaths(c, demo, true)).toThrow(
      'p.yaml:3: path "web-matrix" expands past max_checks (3); raise max_checks or narrow the groups',
    );
    const e = expandPaths(c, demo, false);
    expect(e.checks).toHaveLength(3);
    expect(e.problems.get('web-matrix')).toMatchObject({
      reason: 'max_checks_exceeded',
      message: expect.stringMatching(/expands past max_checks/),
    });
  });

  it('reports a group missing from the topology as a problem of that path only', () => {
    const c = parsePathsText(
      'p.yaml',
      `${groups}  - name: x\n    source_group: nope\n    destination: vm2-port\n    port: 1\n`,
    );
    const e = expandPaths(c, demo, true);
    expect(e.checks).toHaveLength(4);
    expect(e.problems.get('x')).toEqual({
      reason: 'group_not_found',
      message: 'source_group "nope" is not a port group of the current topology',
    });
  });
});

describe('sharding', () => {
  it('splits paths by FNV-1a of the name, each path on exactly one shard', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c); // FNV-1a 32 test vector
    const names = Array.from({ length: 200 }, (_, i) => `path-${i}`);
    const counts = [0, 1, 2].map((shard) => names.filter((n) => ownsPath(n, { shard, total: 3 })).length);
    expect(counts.reduce((a, b) => a + b)).toBe(200);
    for (const n of counts) expect(n).toBeGreaterThan(40);
    const c = parsePathsText('p.yaml', `${ok}    port: 80\n`);
    expect(shardConfig(c, { shard: fnv1a('a') % 2, total: 2 }).paths).toHaveLength(1);
    expect(shardConfig(c, { shard: 1 - (fnv1a('a') % 2), total: 2 }).paths).toHaveLength(0);
  });

  it('validates the flags', () => {
    expect(parseShard(undefined, undefined)).toEqual({ shard: 0, total: 1 });
    expect(parseShard('2', '3')).toEqual({ shard: 2, total: 3 });
    expect(() => parseShard('3', '3')).toThrow('--shard must be an integer in 0..2, got "3"');
    expect(() => parseShard('0', '0')).toThrow('--total-shards must be a positive integer, got "0"');
  });
});
