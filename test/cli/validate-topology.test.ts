// `validate` against the topology it would run on (issue 17, item 3), as a user runs it: names a path
// uses that are not in the topology fail with `file:line: message` (warnings with --allow-missing), a bad
// address fails when the file loads, and an ACL whose match does not compile is reported.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// The typos of the issue: a misspelled destination, source port and group.
const TYPOS = `paths:
  - name: fine
    source_port: web-server-port
    destination: db-server-port
    port: 3306
  - name: bad-dst
    source_port: vm1-port
    destination: vm9-port
    port: 80
  - name: bad-src
    source_port: web-server-prot
    destination: db-server-port
    port: 3306
  - name: bad-group
    source_group: pg_nope
    destination: db-server-port
    port: 3306
`;

describe('validate against the topology', () => {
  it('fails on names missing from the topology, each with file:line', async () => {
    const f = file('typos.yaml', TYPOS);
    const r = await cli(['validate', '--paths.file', f]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `${f}:6: path "bad-dst": destination "vm9-port" is not a logical switch port of the topology`,
      `${f}:10: path "bad-src": source_port "web-server-prot" is not a logical switch port of the topology`,
      `${f}:14: path "bad-group": source_group "pg_nope" is not a port group of the topology`,
    ]);
    expect(r.stdout).not.toMatch(/typos\.yaml: ok/);
  });

  it('--allow-missing turns missing names into warnings', async () => {
    const f = file('typos-allowed.yaml', TYPOS);
    const r = await cli(['validate', '--paths.file', f, '--allow-missing']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `warning: ${f}:6: path "bad-dst": destination "vm9-port" is not a logical switch port of the topology`,
    );
    expect(r.stdout).toContain(`${f}: ok (4 paths, 3 checks)`);
  });

  it('refuses an address that does not parse, with its line, even with --allow-missing', async () => {
    const f = file(
      'bad-ip.yaml',
      'paths:\n  - name: p\n    source_port: vm1-port\n    destination_ip: 10.0.0.999\n    port: 80\n',
    );
    const r = await cli(['validate', '--paths.file', f, '--allow-missing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `ovncp-monitor validate: ${f}:4: paths.0.destination_ip: must be an IPv4 or IPv6 address\n`,
    );
  });

  it('reports an ACL whose match does not compile (OVN ignores it)', async () => {
    const net = readFileSync(DEMO_NETWORK_FILE, 'utf8').replace(
      'tcp.dst == {80, 443}", action: allow-related',
      'tcp.dst = 80", action: allow-related',
    );
    const f = file('bad-acl.yaml', net);
    const r = await cli(['validate', '--topology.file', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^${f}: warning: ACL "web-allow-http" \\(port group pg_web, to-lport priority 1100\\) ignored: its match does not compile`,
        'm',
      ),
    );
  });
});
