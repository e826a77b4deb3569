// The SB loaders against a real OVN: the one-shot read of a live SB and the replay of the database file
// ovsdb-server wrote must give the same rows as ovn-sbctl sees; a clustered file and an over-size file
// are refused with their messages.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDbFile, readSbFile } from '../../src/sources/sb/db-file.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

describe.skipIf(skipWithoutOvn())('SB loaders on a real OVN', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
    await tb.nbctl(
      'ls-add',
      'sw1',
      '--',
      'lsp-add',
      'sw1',
      'p1',
      '--',
      'lsp-set-addresses',
      'p1',
      '00:00:00:00:00:01 10.0.0.1',
    );
    await tb.nbctl('lsp-add', 'sw1', 'p2', '--', 'lsp-set-addresses', 'p2', '00:00:00:00:00:02 10.0.0.2');
    await tb.nbctl('acl-add', 'sw1', 'to-lport', '1001', 'ip4.src == 10.0.0.1 && tcp.dst == 22', 'drop');
    // A modify after the insert, so the file holds a diff record for Port_Binding / Logical_Flow rows.
    await tb.nbctl('lsp-set-addresses', 'p2', '00:00:00:00:00:02 10.0.0.2 10.0.0.3');
    await tb.nbctl('acl-del', 'sw1');
    await tb.nbctl('acl-add', 'sw1', 'from-lport', '1002', 'udp', 'allow-related');
    await tb.sync();
  }, 60_000);
  afterAll(async () => tb?.stop());

  it('reads the same logical flows live and from the file as ovn-sbctl lists', async () => {
    const live = await readSbOnce(tb.sbRemote, undefined);
    const file = await readSbFile(join(tb.dir, 'sb.db'));
    const uuids = (await tb.sbctl('--bare', '--columns=_uuid', 'list', 'Logical_Flow'))
      .split(/\s+/)
      .filter(Boolean);
    expect(live.Logical_Flow.size).toBe(uuids.length);
    expect([...file.Logical_Flow.keys()].sort()).toEqual([...uuids].sort());
    for (const [uuid, f] of live.Logical_Flow) expect(file.Logical_Flow.get(uuid)).toEqual(f);
    expect(file.schemaVersion).toBe(live.schemaVersion);
    expect(file.schemaVersion).toMatch(/^20\./);
    const acl = [...file.Logical_Flow.values()].find((f) => f.match.includes('udp') && f.priority === 2002);
    expect(acl?.externalIds.get('stage-name')).toBe('ls_in_acl');
    expect([...file.Logical_Flow.values()].some((f) => f.match.includes('tcp.dst == 22'))).toBe(false);
    const p2 = [...file.Port_Binding.values()].find((p) => p.logicalPort === 'p2');
    expect(p2?.mac).toEqual(['00:00:00:00:00:02 10.0.0.2 10.0.0.3']);
    expect([...live.Port_Binding.values()].find((p) => p.logicalPort === 'p2')).toEqual(p2);
    const dp = file.Datapath_Binding.get(p2!.datapath);
    expect(dp?.externalIds.get('name')).toBe('sw1');
    expect([...file.Multicast_Group.values()].map((g) => g.name)).toContain('_MC_flood');
  }, 30_000);

  it('refuses a clustered database file, naming the conversion command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-sbfile-'));
    try {
      const db = join(dir, 'c.db');
      execFileSync('ovsdb-tool', [
        'create-cluster',
        db,
        '/usr/share/ovn/ovn-sb.ovsschema',
        'unix:/nonexistent',
      ]);
      await expect(readDbFile(db)).rejects.toThrow(/ovsdb-tool cluster-to-standalone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database file limits and format', () => {
  it('refuses a file over the size limit before reading it, and a file that is not OVSDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-sbfile-'));
    try {
      const f = join(dir, 'x.db');
      writeFileSync(f, 'hello world\n');
      await expect(readDbFile(f, 5)).rejects.toThrow(/12 bytes is over the limit of 5 bytes/);
      await expect(readDbFile(f)).rejects.toThrow(/not an OVSDB database file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
