// Which commands ovn-nbctl itself refuses, and which it accepts, on the demo network: the what-if must
// refuse and accept the same ones (a preview of a command that would fail is no preview), checked by
// running each command line through /bin/sh and the real ovn-nbctl on a real NB.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { isOvncpError } from '../../src/errors.ts';
import { applyChanges, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology } from '../../src/sources/file.ts';
import { nbTransaction } from '../../src/sources/nb/nb-transaction.ts';
import { jsonRpcOnce, type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const sh = promisify(execFile);

const LINES = [
  `acl-add ls1 from-lport 2100 'tcp.dst == 22' drop`, // the same ACL again
  `acl-add ls1 from-lport 2100 'tcp.dst == 22' allow`, // same key, other action
  `acl-add nosuch from-lport 1 'ip4' drop`,
  `acl-add ls1 sideways 1 'ip4' drop`,
  `--may-exist acl-add ls1 from-lport 2100 'tcp.dst == 22' drop`,
  `pg-add pg_db`,
  `pg-set-ports pg_db nosuch-port`,
  `pg-del nosuch`,
  `lsp-add ls1 vm1-port`,
  `lsp-add nosuch vm9-port`,
  `lsp-del nosuch`,
  `lsp-set-addresses vm1-port "zz:zz 10.0.0.1"`,
  `lr-route-add lr-core 192.168.100.0/24 172.16.0.2`, // the prefix has a route already
  `--may-exist lr-route-add lr-core 192.168.100.0/24 172.16.0.2`,
  `--ecmp lr-route-add lr-core 192.168.100.0/24 172.16.0.2`,
  `lr-route-add lr-core 10.55.0.0/16 not-an-ip`,
  `lr-route-del lr-core 10.77.0.0/16`,
  `--if-exists lr-route-del lr-core 10.77.0.0/16`,
  `lr-nat-del lr-core snat 10.0.0.0/24`,
  `lb-add lb-web 10.0.1.100:80 10.0.1.10:80`, // the VIP exists
  `lb-add lb-new 10.0.0.200:80 10.0.0.1`, // a VIP with a port needs backends with ports
  `lb-del nosuch`,
  `ls-lb-add ls1 nosuch`,
  `ls-lb-add ls-dmz lb-web`, // already there
  `lr-policy-add lr-core 100 'ip4' reroute`,
  `lr-policy-add lr-core 100 'ip4' drop -- lr-policy-add lr-core 100 'ip4' allow`,
  `lr-policy-del lr-core 7`,
];

describe.skipIf(skipWithoutOvn())('what-if refuses what ovn-nbctl refuses', () => {
  let tb: OvnTestbed;
  const demo = loadDemoTopology();
  const doc = (() => {
    const l = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!l.ok) throw new Error(l.errors.join('\n'));
    return l.value;
  })();

  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  /** The demo network back in the NB in one transaction (northd need not catch up: only ovn-nbctl reads it). */
  async function reset(): Promise<void> {
    const reply = (await jsonRpcOnce(tb.nbSock, 'transact', nbTransaction(doc, { replace: true }))) as {
      result?: { error?: string }[];
    };
    expect(reply.result?.find((r) => r?.error)).toBeUndefined();
  }
  // A refused command changed nothing: the NB is reset only after an accepted one.
  let dirty = true;

  it.each(LINES)(
    '%s',
    async (line) => {
      if (dirty) await reset();
      dirty = false;
      let real: string;
      try {
        await sh('/bin/sh', ['-c', `exec ovn-nbctl --db=${tb.nbRemote} ${line}`]);
        real = 'accepted';
        dirty = true;
      } catch (e) {
        real = `refused: ${(e as { stderr?: string }).stderr?.trim()}`;
      }
      let ours: string;
      try {
        applyChanges(demo, [parseChange({ nbctl: line }, 0)]);
        ours = 'accepted';
      } catch (e) {
        if (!isOvncpError(e)) throw e;
        ours = `refused: ${e.message}`;
      }
      expect(ours.split(':')[0], `ovn-nbctl ${real}; what-if ${ours}`).toBe(real.split(':')[0]);
    },
    30_000,
  );

  it('refuses, unlike ovn-nbctl, an address northd cannot use (the model has no meaning for it)', async () => {
    const line = `lsp-set-port-security vm1-port "00:00:00:00:00:01 not-an-ip"`;
    await sh('/bin/sh', ['-c', `exec ovn-nbctl --db=${tb.nbRemote} ${line}`]); // accepted
    expect(() => applyChanges(demo, [parseChange({ nbctl: line }, 0)])).toThrow(/bad IP\/CIDR "not-an-ip"/);
  });
});
