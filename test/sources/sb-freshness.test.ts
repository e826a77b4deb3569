// The passive never-stale gate against a real OVN whose ovn-northd is slower than engine.sb_settle (held
// with SIGSTOP, as a busy northd at L takes 1-3 s): once the gate has seen northd answer slowly, it
// waits for the answer to the next NB change instead of calling the SB fresh after the settle time, and
// when it says fresh the SB holds the change. A fixed settle called the old SB fresh (a stale verdict).
// An answer that arrived while our own topology rebuild ran (before the change was noted) counts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveSb } from '../../src/sources/sb/live-sb.ts';
import { SbFreshness } from '../../src/sources/sb/sb-freshness.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SETTLE_MS = 200;

describe.skipIf(skipWithoutOvn())('SB freshness, passive, with a slow ovn-northd (real OVN)', () => {
  let tb: OvnTestbed;
  let sb: LiveSb;
  let fresh: SbFreshness;
  let northd: number;

  beforeAll(async () => {
    tb = await startOvn();
    await tb.nbctl(
      ...['ls-add', 'sw1', '--', 'lsp-add', 'sw1', 'p1', '--', 'lsp-set-addresses', 'p1'],
      '00:00:00:00:00:01 10.0.0.1',
    );
    await tb.sync();
    sb = new LiveSb({ remote: tb.sbRemote, logger: pino({ level: 'silent' }), backoffMinMs: 100 });
    fresh = new SbFreshness({ sb, settleMs: SETTLE_MS, waitMs: 10_000, tickMs: 10 });
    sb.start();
    await sb.synced();
    northd = Number(readFileSync(join(tb.dir, 'northd.pid'), 'utf8').trim());
  }, 60_000);
  afterAll(async () => {
    fresh?.close();
    sb?.stop();
    if (northd) process.kill(northd, 'SIGCONT');
    await tb?.stop();
  });

  /** An NB change northd answers only after `delayMs` (stopped meanwhile); returns when it was seen. */
  async function slowChange(tcpPort: number, delayMs: number): Promise<number> {
    process.kill(northd, 'SIGSTOP');
    await tb.nbctl('acl-add', 'sw1', 'to-lport', '1001', `tcp.dst == ${tcpPort}`, 'drop');
    const at = Date.now();
    fresh.noteNbChange(at);
    setTimeout(() => process.kill(northd, 'SIGCONT'), delayMs);
    return at;
  }

  const hasFlowFor = (tcpPort: number) =>
    [...(sb.database()?.Logical_Flow.values() ?? [])].some((f) => f.match.includes(`tcp.dst == ${tcpPort}`));

  it('learns that northd answers slowly, then waits for its answer rather than the settle time', async () => {
    expect(fresh.holdMs()).toBe(SETTLE_MS); // nothing learnt yet: the settle time
    const first = await slowChange(1001, 1000);
    expect(await fresh.wait(first)).toBe(true); // (called fresh early: nothing learnt yet)
    await sleep(1500);
    expect(hasFlowFor(1001)).toBe(true);
    expect(fresh.holdMs()).toBeGreaterThanOrEqual(1500); // twice the ~1 s answer

    const since = await slowChange(1002, 800);
    await sleep(SETTLE_MS + 200);
    expect(hasFlowFor(1002)).toBe(false);
    expect(fresh.isFresh(since)).toBe(false); // past the settle time, but no answer yet
    expect(await fresh.wait(since)).toBe(true);
    expect(hasFlowFor(1002)).toBe(true); // fresh means: the SB has the change
  }, 30_000);

  it('an answer that came while our topology rebuild ran counts: settle time only, no hold', async () => {
    expect(fresh.holdMs()).toBeGreaterThan(SETTLE_MS + 300); // learnt above
    const received = Date.now(); // the NB update arrives; at L the rebuild takes a second or more
    await tb.nbctl('acl-add', 'sw1', 'to-lport', '1001', 'tcp.dst == 1003', 'drop');
    const end = Date.now() + 10_000;
    while (!hasFlowFor(1003) && Date.now() < end) await sleep(10);
    expect(hasFlowFor(1003)).toBe(true); // northd answered before the topology was built
    const built = Date.now();
    fresh.noteNbChange(built, true, received);
    expect(fresh.isFresh(built)).toBe(false);
    await sleep(SETTLE_MS + 100);
    expect(fresh.isFresh(built)).toBe(true); // not the hold of a second or more
  }, 30_000);
});
