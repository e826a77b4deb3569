// ovn-nbctl command lines -> typed changes: shell quoting as a shell would split them (checked against
// the real /bin/sh where it is the reference), the argument orders and options of each supported
// command, database commands on Address_Set, and refusals naming the command.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NbctlError, nbctlToOps } from '../../src/ovn/topology/edit/nbctl.ts';
import { parseCommandLine, parseSetValue, shellWords } from '../../src/ovn/topology/edit/nbctl-words.ts';

/** How /bin/sh splits a line (printf one word per line, NUL-separated). */
function shSplit(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shell words', () => {
  const lines = [
    `acl-add sw1 to-lport 1000 'tcp.dst == 22' drop`,
    `acl-add sw1 to-lport 1000 "ip4.src == \\$as1 && tcp.dst == 22" drop`,
    `acl-add sw1 to-lport 1000 'outport == "vm 1" && ip4' drop`,
    `acl-add sw1 to-lport 1000 "inport == \\"vm1\\" && ip4" allow-related`,
    `lsp-set-addresses p1 "00:00:00:00:00:01 10.0.0.1" unknown`,
    `a\\ b 'c'"d"e  f\\"g`,
    `x '' y ""`,
    `create Address_Set name=as1 'addresses="10.0.0.1","10.0.0.2"'`,
    `  leading  and   trailing  `,
  ];
  it.each(lines)('splits like /bin/sh: %s', (line) => {
    expect(shellWords(line)).toEqual(shSplit(line));
  });
  it.each([
    [`acl-add 'unterminated`, /unterminated single quote/],
    [`acl-add "unterminated`, /unterminated double quote/],
    [`trailing \\`, /trailing backslash/],
  ])('refuses %s', (line, re) => {
    expect(() => shellWords(line)).toThrow(re);
  });
});

describe('command lines', () => {
  it('splits commands at --, keeps per-command options and skips global ones', () => {
    const cmds = parseCommandLine(
      `ovn-nbctl --wait=sb --name=no-ssh --log acl-add sw1 to-lport 1000 'tcp.dst == 22' drop -- pg-del pg1`,
    );
    expect(cmds.map((c) => [c.name, [...c.options], c.args])).toEqual([
      [
        'acl-add',
        [
          ['name', 'no-ssh'],
          ['log', ''],
        ],
        ['sw1', 'to-lport', '1000', 'tcp.dst == 22', 'drop'],
      ],
      ['pg-del', [], ['pg1']],
    ]);
  });
  it('parses OVSDB set values', () => {
    expect(parseSetValue('"10.0.0.1","10.0.0.2"')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(parseSetValue('[10.0.0.1, 10.0.0.0/24]')).toEqual(['10.0.0.1', '10.0.0.0/24']);
    expect(parseSetValue(' 10.0.1.1 10.0.1.2')).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(parseSetValue('[]')).toEqual([]);
    expect(parseSetValue('"fd00::1"')).toEqual(['fd00::1']);
  });
});

describe('commands -> typed ops', () => {
  const table: [string, object[]][] = [
    [
      `--type=port-group --name=x --severity=info --log acl-add pg1 from-lport 100 'ip4' allow-related`,
      [
        {
          op: 'acl-add',
          entity: 'pg1',
          entity_type: 'port-group',
          direction: 'from-lport',
          priority: 100,
          match: 'ip4',
          action: 'allow-related',
          name: 'x',
          log: true,
          severity: 'info',
        },
      ],
    ],
    [`acl-del sw1`, [{ op: 'acl-del', entity: 'sw1' }]],
    [
      `acl-del sw1 to-lport 1000 'ip4'`,
      [{ op: 'acl-del', entity: 'sw1', direction: 'to-lport', priority: 1000, match: 'ip4' }],
    ],
    [`pg-add pg1 p1 p2`, [{ op: 'pg-add', name: 'pg1', ports: ['p1', 'p2'] }]],
    [`pg-set-ports pg1 p3`, [{ op: 'pg-set-ports', name: 'pg1', ports: ['p3'] }]],
    [`--if-exists pg-del pg1`, [{ op: 'pg-del', name: 'pg1', if_exists: true }]],
    [
      `create Address_Set name=as1 addresses='"10.0.0.1", "10.0.0.2"'`,
      [{ op: 'address-set-create', name: 'as1', addresses: ['10.0.0.1', '10.0.0.2'] }],
    ],
    [
      `set Address_Set as1 addresses=10.0.0.3`,
      [{ op: 'address-set-set', name: 'as1', addresses: ['10.0.0.3'] }],
    ],
    [
      `add address_set as1 addresses 10.0.0.4 '"10.0.0.5"'`,
      [{ op: 'address-set-add', name: 'as1', addresses: ['10.0.0.4', '10.0.0.5'] }],
    ],
    [
      `remove Address_Set as1 addresses "10.0.0.4"`,
      [{ op: 'address-set-remove', name: 'as1', addresses: ['10.0.0.4'] }],
    ],
    [`clear Address_Set as1 addresses`, [{ op: 'address-set-set', name: 'as1', addresses: [] }]],
    [`destroy Address_Set as1`, [{ op: 'address-set-del', name: 'as1' }]],
    [`lsp-add sw1 p9 parent 7`, [{ op: 'lsp-add', switch: 'sw1', port: 'p9', parent: 'parent', tag: 7 }]],
    [`lsp-del p9`, [{ op: 'lsp-del', port: 'p9' }]],
    [
      `lsp-set-addresses p9 "00:00:00:00:00:09 10.0.0.9" unknown`,
      [{ op: 'lsp-set-addresses', port: 'p9', addresses: ['00:00:00:00:00:09 10.0.0.9', 'unknown'] }],
    ],
    [`lsp-set-port-security p9`, [{ op: 'lsp-set-port-security', port: 'p9', addresses: [] }]],
    [
      `--policy=src-ip --route-table=rt1 --ecmp lr-route-add lr1 10.0.0.0/24 192.0.2.1 lrp1`,
      [
        {
          op: 'lr-route-add',
          router: 'lr1',
          prefix: '10.0.0.0/24',
          nexthop: '192.0.2.1',
          port: 'lrp1',
          policy: 'src-ip',
          route_table: 'rt1',
          ecmp: true,
        },
      ],
    ],
    [`lr-route-del lr1 10.0.0.0/24`, [{ op: 'lr-route-del', router: 'lr1', prefix: '10.0.0.0/24' }]],
    [
      `lr-nat-add lr1 dnat_and_snat 192.0.2.10 10.0.0.5 vm5 00:00:00:00:05:05`,
      [
        {
          op: 'lr-nat-add',
          router: 'lr1',
          type: 'dnat_and_snat',
          external_ip: '192.0.2.10',
          logical_ip: '10.0.0.5',
          logical_port: 'vm5',
          external_mac: '00:00:00:00:05:05',
        },
      ],
    ],
    [
      `lr-nat-add lr1 snat 192.0.2.1 10.0.0.0/24 1000-2000`,
      [
        {
          op: 'lr-nat-add',
          router: 'lr1',
          type: 'snat',
          external_ip: '192.0.2.1',
          logical_ip: '10.0.0.0/24',
          external_port_range: '1000-2000',
        },
      ],
    ],
    [
      `lr-nat-del lr1 snat 10.0.0.0/24`,
      [{ op: 'lr-nat-del', router: 'lr1', type: 'snat', ip: '10.0.0.0/24' }],
    ],
    [
      `lb-add lb1 10.0.0.100:80 10.0.0.1:8080,10.0.0.2:8080 tcp`,
      [
        {
          op: 'lb-add',
          lb: 'lb1',
          vip: '10.0.0.100:80',
          backends: ['10.0.0.1:8080', '10.0.0.2:8080'],
          protocol: 'tcp',
        },
      ],
    ],
    [`lb-del lb1 10.0.0.100:80`, [{ op: 'lb-del', lb: 'lb1', vip: '10.0.0.100:80' }]],
    [
      `ls-lb-add sw1 lb1 -- lr-lb-add lr1 lb1 -- ls-lb-del sw1 -- lr-lb-del lr1 lb1`,
      [
        { op: 'ls-lb-add', switch: 'sw1', lb: 'lb1' },
        { op: 'lr-lb-add', router: 'lr1', lb: 'lb1' },
        { op: 'ls-lb-del', switch: 'sw1' },
        { op: 'lr-lb-del', router: 'lr1', lb: 'lb1' },
      ],
    ],
    [
      `lr-policy-add lr1 100 'ip4.src == 10.0.0.0/24' reroute 192.0.2.1,192.0.2.2 pkt_mark=5`,
      [
        {
          op: 'lr-policy-add',
          router: 'lr1',
          priority: 100,
          match: 'ip4.src == 10.0.0.0/24',
          action: 'reroute',
          nexthops: ['192.0.2.1', '192.0.2.2'],
          options: { pkt_mark: '5' },
        },
      ],
    ],
    [`lr-policy-del lr1 100 'ip4'`, [{ op: 'lr-policy-del', router: 'lr1', priority: 100, match: 'ip4' }]],
  ];
  it.each(table)('%s', (line, ops) => {
    expect(nbctlToOps(line)).toEqual(ops);
  });

  it.each([
    [`ls-add sw9`, /unsupported command: ls-add/, true],
    [`set Logical_Switch sw1 other_config:x=y`, /unsupported command: set Logical_Switch/, true],
    [
      `--meter=m1 --apply-after-lb --bogus acl-add sw1 to-lport 1 ip4 drop`,
      /acl-add: option --bogus is not supported/,
      true,
    ],
    [`acl-add sw1 to-lport 1000 ip4`, /acl-add: takes 5 arguments, got 4/, false],
    [`acl-add sw1 sideways 1000 ip4 drop`, /acl-add: direction/, false],
    [`acl-add sw1 to-lport 99999 ip4 drop`, /priority: must be in 0..32767/, false],
    [`acl-add sw1 to-lport high ip4 drop`, /PRIORITY must be a number/, false],
  ])('refuses %s', (line, re, unsupported) => {
    let err: unknown;
    try {
      nbctlToOps(line);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NbctlError);
    expect((err as NbctlError).message).toMatch(re);
    expect((err as NbctlError).unsupported).toBe(unsupported);
  });
});
