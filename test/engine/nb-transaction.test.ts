// nbTransaction + OvnTestbed.loadSnapshot against a real NB: every row and reference lands, a second
// load replaces the first, and real ovn-trace sees the network (the demo's allow-http / deny-ssh).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { type SnapshotDoc, snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { nbTransaction } from '../../src/sources/nb/nb-transaction.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

function demoDoc(): SnapshotDoc {
  const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!l.ok) throw new Error(l.errors.join('\n'));
  return l.value;
}

const names = (out: string) => out.split(/\s+/).filter(Boolean).sort();

describe('nbTransaction', () => {
  it('makes one transaction with named-uuid references and rejects unknown references', () => {
    const params = nbTransaction(demoDoc());
    expect(params[0]).toBe('OVN_Northbound');
    const ops = params.slice(1) as { op: string; table: string }[];
    expect(ops.filter((o) => o.table === 'ACL')).toHaveLength(15);
    expect(ops.filter((o) => o.table === 'Logical_Switch_Port')).toHaveLength(15);
    expect(() => nbTransaction({ port_groups: [{ name: 'g', ports: ['ghost'] }] })).toThrow(
      /unknown port "ghost"/,
    );
  });
});

describe.skipIf(skipWithoutOvn())('OvnTestbed.loadSnapshot (real OVN)', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it('builds the demo network and real ovn-trace follows its ACLs', async () => {
    await tb.loadSnapshot(demoDoc());
    expect(names(await tb.nbctl('--bare', '--columns=name', 'list', 'Logical_Switch'))).toEqual([
      'ls-cache',
      'ls-db',
      'ls-dmz',
      'ls-web',
      'ls1',
    ]);
    expect(names(await tb.nbctl('--bare', '--columns=name', 'list', 'Port_Group'))).toHaveLength(5);
    expect(await tb.nbctl('lr-route-list', 'lr-core')).toContain('192.168.100.0/24');
    expect(await tb.nbctl('lb-list')).toContain('10.0.1.100:80');
    const flow = (dport: number) =>
      `inport=="vm1-port" && eth.src==00:00:00:00:00:01 && eth.dst==00:00:00:00:00:02 && ip4.src==10.0.0.1 && ip4.dst==10.0.0.2 && ip.ttl==64 && tcp.src==1000 && tcp.dst==${dport}`;
    expect(await tb.trace('ls1', flow(80), { format: 'minimal', ct: 'new' })).toContain('output("vm2-port")');
    expect(await tb.trace('ls1', flow(22), { format: 'minimal', ct: 'new' })).not.toContain('output(');
  }, 60_000);

  it('replaces the previous network and sets NB_Global options', async () => {
    await tb.loadSnapshot({
      nb_global: { options: { default_acl_drop: 'true' } },
      switches: [{ name: 'only', ports: [{ name: 'p1', addresses: ['00:00:00:00:00:01 10.1.0.1'] }] }],
    });
    expect(names(await tb.nbctl('--bare', '--columns=name', 'list', 'Logical_Switch'))).toEqual(['only']);
    expect(await tb.nbctl('get', 'NB_Global', '.', 'options:default_acl_drop')).toContain('true');
    await tb.loadSnapshot({ switches: [] });
    expect((await tb.nbctl('--bare', '--columns=name', 'list', 'Logical_Switch')).trim()).toBe('');
    expect((await tb.nbctl('--if-exists', 'get', 'NB_Global', '.', 'options:default_acl_drop')).trim()).toBe(
      '',
    );
  }, 60_000);
});
