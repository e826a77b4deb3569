// Never stale, against a real OVN: a check traced on the SB (here the ovn-trace engine, whose daemon read
// the SB once) and triggered by an NB change must never record the verdict of an SB that does not
// reflect that change yet with a fresh timestamp. An acl-add (no --wait) flips the path; every outcome
// recorded after the change must be the new verdict. With ovn-northd stopped and the exact (nb_cfg)
// mode, the check is recorded as pending (old verdict, old timestamp) until northd acknowledges.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSettings, type SettingFlags } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import type { CheckOutcome } from '../../src/monitor/results.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const run = promisify(execFile);

const PATHS = `defaults:
  interval: 1h   # only change-driven runs happen during the test
paths:
  - name: p1-to-p2-ssh
    source_port: p1
    destination: p2
    protocol: tcp
    port: 22
`;

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skipWithoutOvn())('never stale: SB-traced checks after an NB change (real OVN)', () => {
  let tb: OvnTestbed | undefined;
  let d: Daemon | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await d?.stop();
    await tb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A daemon on a two-port switch, every recorded outcome kept in order. */
  async function start(extra: SettingFlags): Promise<{ outcomes: CheckOutcome[] }> {
    tb = await startOvn();
    await tb.nbctl(
      ...['ls-add', 'sw1', '--', 'lsp-add', 'sw1', 'p1', '--', 'lsp-set-addresses', 'p1'],
      ...['00:00:00:00:00:01 10.0.0.1', '--', 'lsp-add', 'sw1', 'p2', '--', 'lsp-set-addresses', 'p2'],
      '00:00:00:00:00:02 10.0.0.2',
    );
    await tb.sync();
    dir = mkdtempSync(join(tmpdir(), 'ovncp-stale-'));
    writeFileSync(join(dir, 'paths.yaml'), PATHS);
    // A short engine.sb_wait, so the pending state shows early in the test (default 10 s).
    writeFileSync(join(dir, 'ovncp.yaml'), 'engine:\n  sb_wait: 2s\n');
    const settings = resolveSettings(
      {
        'config.file': join(dir, 'ovncp.yaml'),
        'paths.file': join(dir, 'paths.yaml'),
        'ovn.nb-db': tb.nbRemote,
        'ovn.sb-db': tb.sbRemote,
        engine: 'ovn-trace',
        'web.listen-address': '127.0.0.1:0',
        ...extra,
      },
      {},
    );
    d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    const outcomes: CheckOutcome[] = [];
    const results = d.monitor.results;
    const record = results.record.bind(results);
    results.record = (key, o) => {
      outcomes.push(o);
      return record(key, o);
    };
    await d.start();
    await until('first verdict', () => outcomes.some((o) => o.reachable === true), 60_000);
    return { outcomes };
  }

  it('acl-add: no outcome after the change repeats the old verdict', async () => {
    const { outcomes } = await start({});
    const t0 = Date.now();
    await tb!.nbctl('acl-add', 'sw1', 'to-lport', '1001', 'tcp.dst == 22', 'drop');
    await until('blocked recorded', () => outcomes.some((o) => o.at > t0 && o.reachable === false));
    const after = outcomes.filter((o) => o.at > t0);
    expect(after.map((o) => [o.trigger, o.reachable, o.error?.message ?? null])).not.toContainEqual([
      'topology',
      true,
      null,
    ]);
    expect(after.every((o) => o.reachable === false)).toBe(true);
  }, 90_000);

  it('--ovn.bump-nb-cfg with northd stopped: the check is pending, then current once northd acks', async () => {
    const { outcomes } = await start({ 'ovn.bump-nb-cfg': true });
    const northdPid = Number((await run('cat', [join(tb!.dir, 'northd.pid')])).stdout.trim());
    process.kill(northdPid, 'SIGTERM');
    await until('northd gone', () => {
      try {
        process.kill(northdPid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const t0 = Date.now();
    const before = outcomes.length;
    await tb!.nbctl('acl-add', 'sw1', 'to-lport', '1001', 'tcp.dst == 22', 'drop');
    const path = () => d!.monitor.pathStatus('p1-to-p2-ssh').status;
    await until('pending', () => path() === 'pending', 30_000);
    expect(outcomes.length).toBe(before); // nothing recorded: the old verdict keeps its old timestamp
    const state = d!.monitor.statesOf('p1-to-p2-ssh')[0]!;
    expect(state.last?.reachable).toBe(true);
    expect(state.last!.at).toBeLessThan(t0);
    await run('ovn-northd', [
      ...tb!.daemonFlags('northd2'),
      `--ovnnb-db=${tb!.nbRemote}`,
      `--ovnsb-db=${tb!.sbRemote}`,
    ]);
    await until('blocked recorded', () => outcomes.some((o) => o.at > t0 && o.reachable === false), 40_000);
    expect(outcomes.slice(before).every((o) => o.reachable === false)).toBe(true);
    expect(path()).toBe('unmet'); // expected reachable, now blocked: current again, no longer pending
  }, 120_000);
});
