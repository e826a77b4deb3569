// Snapshot loading: the demo network builds with the right indexes, and each invalid fixture fails with
// its exact `file:line: message`.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIp } from '../../src/ovn/net/addr.ts';
import { portIps } from '../../src/ovn/topology/build.ts';
import { loadDemoTopology, loadTopologyFile, loadTopologyText } from '../../src/sources/file.ts';

const FIX = join(import.meta.dirname, '../fixtures/topology');

describe('demo network', () => {
  const t = loadDemoTopology();

  it('holds the seed examples', () => {
    const vm1 = t.ports.get('vm1-port')!;
    expect(vm1.switchName).toBe('ls1');
    expect(portIps(vm1).map(formatIp)).toEqual(['10.0.0.1']);
    expect(t.index.portsByIp.get('10.0.2.10')).toEqual(['db-server-port']);
    expect(t.index.portsByIp.get('10.0.0.5')).toEqual(['mgmt-port']);
    const acls = t.switches.get('ls1')!.acls.map((a) => [a.name, a.priority, a.action]);
    expect(acls).toEqual([
      ['allow-http', 2000, 'allow'],
      ['deny-ssh', 2100, 'drop'],
    ]);
  });

  it('indexes ports by MAC per switch, router ports included', () => {
    expect(t.index.portsByMac.get('ls1')!.get('00:00:00:00:00:02')).toEqual(['vm2-port']);
    expect(t.index.portsByMac.get('ls1')!.get('00:00:00:00:ff:01')).toEqual(['ls1-lr-core']);
    expect(t.index.switchPortByRouterPort.get('lr-core-db')).toBe('ls-db-lr-core');
  });

  it('indexes port groups by port and by switch', () => {
    expect(t.index.groupsByPort.get('web-server-port')).toEqual(['pg_web']);
    expect(t.index.groupsBySwitch.get('ls-web')).toEqual(['pg_web', 'pg_app']);
    expect(t.index.groupsBySwitch.get('ls1')).toBeUndefined();
    expect(t.index.lbUsers.get('lb-web')).toEqual({ switches: ['ls-dmz'], routers: [] });
  });

  it('gives every row a stable UUID and finds ports by it', () => {
    const again = loadDemoTopology();
    const vm1 = t.ports.get('vm1-port')!;
    expect(again.ports.get('vm1-port')!.uuid).toBe(vm1.uuid);
    expect(t.index.portByUuid.get(vm1.uuid)).toBe(vm1);
    expect(vm1.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('parsing of addresses', () => {
  it('reads IPv6, unknown, router and dynamic entries', () => {
    const t = loadTopologyText(
      'x.yaml',
      `switches:
  - name: ls
    ports:
      - { name: a, addresses: ["0A:00:00:00:00:01 10.0.0.1 fd00::1", unknown] }
      - { name: b, addresses: [dynamic], dynamic_addresses: "0a:00:00:00:00:02 10.0.0.2" }
`,
    );
    const a = t.ports.get('a')!;
    expect(a.addresses.map((x) => x.kind)).toEqual(['static', 'unknown']);
    expect(portIps(a).map(formatIp)).toEqual(['10.0.0.1', 'fd00::1']);
    expect(t.index.portsByIp.get('10.0.0.2')).toEqual(['b']);
    expect(t.index.portsByMac.get('ls')!.get('0a:00:00:00:00:01')).toEqual(['a']);
  });
});

describe('invalid snapshot files', () => {
  const cases: [string, string][] = [
    ['invalid-bad-mac.yaml', ':5: bad MAC "00:00:00:00:00:0g" in address "00:00:00:00:00:0g 10.0.0.1"'],
    ['invalid-bad-cidr.yaml', ':6: bad CIDR "10.0.0.1/33"'],
    ['invalid-unknown-port-in-group.yaml', ':7: unknown port "p2" in port group "pg1"'],
    ['invalid-duplicate-switch.yaml', ':3: duplicate switch name "ls1"'],
    ['invalid-acl-priority.yaml', ':5: switches.0.acls.0.priority: ACL priority must be in 0..32767'],
    ['invalid-unknown-key.yaml', ':3: switches.0: unknown key(s) "portz"'],
    ['invalid-router-port-ref.yaml', ':4: unknown router port "nope"'],
    ['invalid-yaml-syntax.yaml', ':3: Sequence item without - indicator'],
    [
      'invalid-ovn-version.yaml',
      ':2: ovn_version: Invalid option: expected one of "22.03"|"22.06"|"22.09"|"22.12"|"23.03"|"23.06"|"23.09"|"24.03"|"24.09"|"25.03"|"25.09"|"26.03"',
    ],
  ];
  it.each(cases)('%s', (file, expected) => {
    const path = join(FIX, file);
    expect(() => loadTopologyFile(path)).toThrowError(`${path}${expected}`);
  });

  it('names a missing file', () => {
    expect(() => loadTopologyFile('/nonexistent/x.yaml')).toThrowError(
      '/nonexistent/x.yaml: cannot read: ENOENT',
    );
  });
});
