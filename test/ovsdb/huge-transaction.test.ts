// A huge NB transaction (10k ACLs added to one port group in ONE transaction, on the L network of the
// benchmark) against a real NB ovsdb-server: the live source's rebuild runs in slices of about 20 ms
// with a turn of the event loop after each (issue 18 item 5), so other work runs between them. The
// event-loop delay histogram (perf_hooks) and the slices are printed: the bound (no stall over
// 100 ms) is NOT reached yet on this 2-core box (README, Live OVN), so the test checks the turns and
// that the work is sliced, not that figure. Fails on the old code (one synchronous rebuild, no slices).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/lib/topology-generator.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { nbTransaction } from '../../src/sources/nb/nb-transaction.ts';
import { jsonRpcOnce, skipWithoutOvn, startNbServer } from '../helpers/ovn-testbed.ts';
import { mainThreadCpuMs } from '../helpers/thread-cpu.ts';

const ACLS = 10_000;

/**
 * The longest gap between two ticks of a 1 ms timer, in wall time and in the main thread's CPU time: the
 * CPU figure is what our code kept the event loop for (GC helper threads, which process.cpuUsage() also
 * counts, hold nothing up: in one CI run they made a 102 ms wall turn read 193 ms), the wall figure adds
 * what the machine's other load took from us (this 2-core box often runs 8 test suites at once).
 */
function turnProbe(): { stop: () => { wallMs: number; cpuMs: number } } {
  let wall = performance.now();
  let cpu = mainThreadCpuMs();
  let wallMs = 0;
  let cpuMs = 0;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const w = performance.now();
    const c = mainThreadCpuMs();
    wallMs = Math.max(wallMs, w - wall);
    cpuMs = Math.max(cpuMs, c - cpu);
    wall = w;
    cpu = c;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop: () => {
      clearTimeout(timer);
      return { wallMs, cpuMs };
    },
  };
}

/** One transaction: 10k new ACL rows, all added to port group pg_ns0. */
function tenThousandAcls(): unknown[] {
  const ops: unknown[] = ['OVN_Northbound'];
  const uuids: unknown[] = [];
  for (let i = 0; i < ACLS; i++) {
    ops.push({
      op: 'insert',
      table: 'ACL',
      'uuid-name': `acl${i}`,
      row: {
        direction: 'to-lport',
        priority: 1000 + (i % 1000),
        match: `outport == @pg_ns0 && tcp.dst == ${10_000 + i}`,
        action: 'allow-related',
      },
    });
    uuids.push(['named-uuid', `acl${i}`]);
  }
  ops.push({
    op: 'mutate',
    table: 'Port_Group',
    where: [['name', '==', 'pg_ns0']],
    mutations: [['acls', 'insert', ['set', uuids]]],
  });
  return ops;
}

describe.skipIf(skipWithoutOvn())('a 10k-ACL NB transaction at L (real NB)', () => {
  let dir: string;
  let sock: string;
  let live: LiveTopology;
  const store = new TopologyStore();
  const steps: { step: string; ms: number }[] = [];
  const order: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovncp-huge-txn-'));
    sock = await startNbServer(dir);
    const reply = (await jsonRpcOnce(
      sock,
      'transact',
      nbTransaction(generate('L').doc, { replace: true }),
    )) as {
      error?: unknown;
    };
    if (reply.error) throw new Error(JSON.stringify(reply.error));
    live = new LiveTopology({
      remote: `unix:${sock}`,
      store,
      logger: pino({ level: 'silent' }),
      onRebuildStep: (step, ms) => {
        steps.push({ step, ms });
        order.push(step);
        // Queued while a step runs: it must run before the next step does.
        setImmediate(() => order.push(`turn after ${step}`));
      },
    });
    live.start();
    await live.synced();
  }, 120_000);

  afterAll(async () => {
    live?.stop();
    const pid = dir ? Number(readFileSync(join(dir, 'nb.pid'), 'utf8').trim()) : 0;
    if (pid) process.kill(pid, 'SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds in steps with turns of the event loop between them', async () => {
    const before = store.current()!;
    await new Promise((r) => setImmediate(r)); // the initial sync's last turn
    steps.length = 0;
    order.length = 0;
    const changed = new Promise<void>((resolve) => store.once('change', () => resolve()));
    const ops = tenThousandAcls(); // made before the probe starts: the test's own work is not the daemon's
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const probe = turnProbe();
    const reply = (await jsonRpcOnce(sock, 'transact', ops)) as {
      result?: { error?: string }[];
    };
    expect(reply.result?.find((r) => r?.error)).toBeUndefined();
    await changed;
    await new Promise((r) => setImmediate(r));
    delay.disable();
    const turn = probe.stop();
    const pg = store.current()!.portGroups.get('pg_ns0')!;
    expect(pg.acls.length - before.portGroups.get('pg_ns0')!.acls.length).toBe(ACLS);
    // Every slice of a step is followed by a turn of the event loop before the next slice.
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(`turn after ${order[i]}`);
    expect(order.filter((s) => !s.startsWith('turn')).at(-1)).toBe('swap');
    expect(steps.length).toBeGreaterThan(3);
    const ms = (ns: number) => Math.round(ns / 1e6);
    console.log(
      `10k ACLs at L: longest turn ${Math.round(turn.cpuMs)} ms CPU (${Math.round(turn.wallMs)} ms wall); event loop delay max ${ms(delay.max)} ms, p99 ${ms(delay.percentile(99))} ms; ${steps.length} slices, longest ${Math.round(Math.max(...steps.map((s) => s.ms)))} ms; rebuild CPU ${Math.round(live.lastRebuildCpuMs)} ms`,
    );
    // Issue 18 item 5: no stall over 100 ms. Held in CPU time, which the machine's load does not inflate.
    expect(turn.cpuMs).toBeLessThanOrEqual(100);
  }, 120_000);
});
