// The real-OVN test bed works: build a two-port switch, see real ovn-trace deliver a packet, add a drop
// ACL, see it dropped; and every process the bed started is gone after stop(), and only those.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const FLOW =
  'inport == "vm1" && eth.src == 00:00:00:00:00:01 && eth.dst == 00:00:00:00:00:02 && ' +
  'ip4.src == 10.0.0.1 && ip4.dst == 10.0.0.2 && ip.ttl == 64 && tcp.dst == 80';

describe.skipIf(skipWithoutOvn())('real OVN test bed', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  });
  afterAll(async () => {
    await tb?.stop();
  });

  it('delivers, then drops after an ACL is added', async () => {
    await tb.nbctl(
      ...['ls-add', 'ls1'],
      ...['--', 'lsp-add', 'ls1', 'vm1', '--', 'lsp-set-addresses', 'vm1', '00:00:00:00:00:01 10.0.0.1'],
      ...['--', 'lsp-add', 'ls1', 'vm2', '--', 'lsp-set-addresses', 'vm2', '00:00:00:00:00:02 10.0.0.2'],
    );
    await tb.sync();
    expect(await tb.trace('ls1', FLOW, { format: 'minimal' })).toContain('output("vm2");');
    await tb.nbctl('acl-add', 'ls1', 'from-lport', '2000', 'tcp.dst == 80', 'drop');
    await tb.sync();
    const out = await tb.trace('ls1', FLOW, { format: 'detailed' });
    expect(out).toMatch(/ls_in_acl .*tcp\.dst == 80, priority 3000/);
    expect(out).not.toContain('output("vm2")');
  });

  it('is reachable over TCP as well as the unix socket', async () => {
    expect(tb.nbTcpPort).toBeGreaterThan(0);
    expect(await tb.nbctl(`--db=${tb.nbTcpRemote}`, 'ls-list')).toContain('ls1');
  });

  it('runs an ovn-trace daemon on a unixctl socket', async () => {
    const ctl = await tb.startTraceDaemon();
    const { stdout } = await promisify(execFile)('ovs-appctl', ['-t', ctl, 'trace', 'ls1', FLOW]);
    expect(stdout).toContain('ls_in_acl');
  });

  it('stops every process it started', async () => {
    const extra = await startOvn();
    const pids = extra.startedPids();
    expect(pids.length).toBe(3);
    await extra.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('leaves alone a process that took the number of a daemon it started', async () => {
    const extra = await startOvn();
    const pidFile = join(extra.dir, 'northd.pid');
    const northd = extra.daemonPid(pidFile);
    expect(northd).toBeGreaterThan(0);
    // A stale pid file (its daemon gone) whose number is now another program's: this test's own process.
    process.kill(northd!, 'SIGKILL');
    writeFileSync(pidFile, `${process.pid}\n`);
    expect(extra.daemonPid(pidFile)).toBeNull();
    await extra.stop(); // would SIGKILL this test's process if it trusted the file
    expect(extra.startedPids()).toEqual([]);
  });
});
