// The 25.03 and 26.03 test beds (Debian chroots) run their own release: versions as built, a packet
// delivered and then dropped by a real ovn-trace of that release, the host's 23.03 ovn-nbctl working
// on the newer NB over the socket, NB schema columns visible to generators, and no process left behind.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type OvnRelease, startOvn } from '../helpers/ovn-testbed.ts';
import { describeBed } from '../helpers/release-bed.ts';

const run = promisify(execFile);
const FLOW =
  'inport == "vm1" && eth.src == 00:00:00:00:00:01 && eth.dst == 00:00:00:00:00:02 && ' +
  'ip4.src == 10.0.0.1 && ip4.dst == 10.0.0.2 && ip.ttl == 64 && tcp.dst == 80';

const CASES: readonly { release: OvnRelease; nbSchema: string; chain: boolean }[] = [
  { release: '25.03', nbSchema: '7.11.0', chain: true },
  { release: '26.03', nbSchema: '7.18.0', chain: true },
];

describe.each(CASES)('OVN $release test bed', ({ release, nbSchema, chain }) => {
  describeBed(release, 'in its chroot', (bed) => {
    it('runs the release it says, with its NB schema', () => {
      const tb = bed();
      expect(tb.release).toBe(release);
      expect(tb.ovnVersion.startsWith(`${release}.`)).toBe(true);
      expect(tb.root).not.toBeNull();
      expect(tb.dir.startsWith(`${tb.root}/tmp/`)).toBe(true);
      const schema = tb.nbSchema();
      expect(schema.version).toBe(nbSchema);
      expect(schema.tables.get('ACL')?.has('tier')).toBe(true);
      expect(schema.tables.get('Logical_Router_Policy')?.has('chain')).toBe(chain);
    });

    it('traces with its own ovn-trace: delivers, then drops after an ACL', async () => {
      const tb = bed();
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
      // 23.06+ split the ACL stage: the decision is in ls_in_acl_eval.
      expect(out).toMatch(/ls_in_acl_eval .*tcp\.dst == 80\)?, priority 3000/);
      expect(out).not.toContain('output to "vm2"');
    });

    it("is driven by the host's 23.03 ovn-nbctl over the socket too", async () => {
      const tb = bed();
      await run('ovn-nbctl', [`--db=${tb.nbRemote}`, 'ls-add', 'from-host']);
      expect(await tb.nbctl('ls-list')).toContain('from-host');
      expect((await run('ovn-nbctl', [`--db=${tb.nbTcpRemote}`, 'ls-list'])).stdout).toContain('ls1');
    });

    it('runs an ovn-trace daemon whose socket the host reaches by path', async () => {
      const tb = bed();
      const ctl = await tb.startTraceDaemon();
      const { stdout } = await run('ovs-appctl', ['-t', ctl, 'trace', 'ls1', FLOW]);
      expect(stdout).toContain('ls_in_acl_eval');
    });

    it('stops every process it started', async () => {
      const _tb = bed();
      const extra = await startOvn({ release });
      const pids = extra.startedPids();
      expect(pids.length).toBe(3);
      await extra.stop();
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    });
  });
});
