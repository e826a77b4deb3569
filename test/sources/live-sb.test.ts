// The live Southbound follower against a real OVN: the first sync equals a one-shot read; an acl-add
// reaches followers as a small batch of Logical_Flow row changes (not a reload), after which the
// follower's database equals a fresh read again; SB_Global.nb_cfg follows `ovn-nbctl --wait=sb`; an SB
// ovsdb-server killed and restarted is survived (reconnect, resync, updates again), with db="sb" metrics.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SbChange, SbDatabase } from '../../src/ovn/sb/types.ts';
import { LiveSb } from '../../src/sources/sb/live-sb.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const run = promisify(execFile);

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a follower saw: resets and batches, and the database it holds. */
class Recorder {
  resets = 0;
  batches: SbChange[][] = [];
  db: SbDatabase | null = null;
  reset(db: SbDatabase): void {
    this.resets++;
    this.db = db;
  }
  apply(changes: readonly SbChange[], db: SbDatabase): void {
    this.batches.push([...changes]);
    this.db = db;
  }
  flowChanges(): SbChange[] {
    return this.batches.flat().filter((c) => c.table === 'Logical_Flow');
  }
}

function sameFlows(a: SbDatabase, b: SbDatabase): void {
  expect([...a.Logical_Flow.keys()].sort()).toEqual([...b.Logical_Flow.keys()].sort());
  for (const [uuid, f] of b.Logical_Flow) expect(a.Logical_Flow.get(uuid)).toEqual(f);
  expect([...a.Port_Binding.keys()].sort()).toEqual([...b.Port_Binding.keys()].sort());
}

describe.skipIf(skipWithoutOvn())('live Southbound follower (real OVN)', () => {
  let tb: OvnTestbed;
  let sb: LiveSb;
  const rec = new Recorder();
  const registry = new Registry();

  beforeAll(async () => {
    tb = await startOvn();
    await tb.nbctl(
      ...['ls-add', 'sw1', '--', 'lsp-add', 'sw1', 'p1', '--', 'lsp-set-addresses', 'p1'],
      ...['00:00:00:00:00:01 10.0.0.1', '--', 'lsp-add', 'sw1', 'p2', '--', 'lsp-set-addresses', 'p2'],
      '00:00:00:00:00:02 10.0.0.2',
    );
    await tb.sync();
    sb = new LiveSb({ remote: tb.sbRemote, logger: pino({ level: 'silent' }), registry, backoffMinMs: 100 });
    sb.follow(rec);
    sb.start();
    await sb.synced();
  }, 60_000);
  afterAll(async () => {
    sb?.stop();
    await tb?.stop();
  });

  it('starts with the whole SB, as a one-shot read sees it', async () => {
    expect(rec.resets).toBe(1);
    sameFlows(rec.db!, await readSbOnce(tb.sbRemote, undefined));
    expect(rec.db!.Logical_Flow.size).toBeGreaterThan(50);
  });

  it('an acl-add arrives as a few Logical_Flow changes, and the result equals a fresh read', async () => {
    const before = rec.flowChanges().length;
    const total = rec.db!.Logical_Flow.size;
    await tb.nbctl('--wait=sb', 'acl-add', 'sw1', 'to-lport', '1001', 'tcp.dst == 22', 'drop');
    await until('the ACL flow', () =>
      [...rec.db!.Logical_Flow.values()].some((f) => f.match.includes('tcp.dst == 22')),
    );
    const changes = rec.flowChanges().slice(before);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.length).toBeLessThan(total / 4);
    const inserted = changes.flatMap((c) => (c.table === 'Logical_Flow' && !c.old && c.new ? [c.new] : []));
    expect(inserted.some((f) => f.match.includes('tcp.dst == 22'))).toBe(true);
    expect(rec.resets).toBe(1);
    await until('SB quiet, equal to a fresh read', async () => {
      const fresh = await readSbOnce(tb.sbRemote, undefined);
      return [...fresh.Logical_Flow.keys()].every((k) => rec.db!.Logical_Flow.has(k));
    });
    sameFlows(rec.db!, await readSbOnce(tb.sbRemote, undefined));
    expect(sb.medianApplyMs()).toBeGreaterThan(0);
  });

  it('follows SB_Global.nb_cfg: northd acknowledges ovn-nbctl --wait=sb', async () => {
    const cfg = sb.nbCfg()!;
    await tb.nbctl('--wait=sb', 'sync');
    await until('nb_cfg acknowledged', () => sb.nbCfg()! > cfg);
    const nb = Number((await tb.nbctl('get', 'NB_Global', '.', 'nb_cfg')).trim());
    expect(sb.nbCfg()).toBe(nb);
  });

  it('survives an SB ovsdb-server killed and restarted, then follows changes again', async () => {
    const metric = async (name: string) => {
      const text = await registry.metrics();
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : Number.NaN;
    };
    expect(await metric('ovncp_ovsdb_connected{db="sb"}')).toBe(1);
    const pid = Number(readFileSync(join(tb.dir, 'sb.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until('disconnected', () => !sb.client.isConnected());
    expect(await metric('ovncp_ovsdb_connected{db="sb"}')).toBe(0);
    expect(rec.db!.Logical_Flow.size).toBeGreaterThan(50); // the last SB stays for the followers
    await run('ovsdb-server', [
      ...tb.daemonFlags('sb'),
      `--remote=punix:${tb.sbSock}`,
      join(tb.dir, 'sb.db'),
    ]);
    await until('reconnected', () => sb.client.isConnected(), 20_000);
    expect(await metric('ovncp_ovsdb_reconnects_total{db="sb"}')).toBe(1);
    await tb.nbctl('--wait=sb', 'acl-add', 'sw1', 'from-lport', '1002', 'udp.dst == 53', 'drop');
    await until('the new ACL flow', () =>
      [...rec.db!.Logical_Flow.values()].some((f) => f.match.includes('udp.dst == 53')),
    );
    sameFlows(rec.db!, await readSbOnce(tb.sbRemote, undefined));
  }, 40_000);
});
