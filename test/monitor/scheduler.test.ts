// The scheduler under fake timers: interval offsets and jitter, node-cron schedules with seconds, no
// overlap of one check, the concurrency limit, change-driven re-runs of a running check, the urgent
// and first lanes, and stop(); under real timers: a long queue of synchronous checks yields to the event loop.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scheduleSeconds } from '../../src/monitor/path-metrics.ts';
import type { Trigger } from '../../src/monitor/results.ts';
import { Scheduler } from '../../src/monitor/scheduler.ts';

interface Run {
  key: string;
  trigger: Trigger;
  at: number;
  finish: () => void;
}

/** A scheduler whose runs stay open until the test finishes them (or `autoFinishMs` passes). */
function harness(
  opts: {
    concurrency?: number;
    keys?: Record<string, string[]>;
    autoFinishMs?: number;
    random?: () => number;
  } = {},
) {
  const runs: Run[] = [];
  const skips: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const s = new Scheduler({
    concurrency: opts.concurrency ?? 4,
    keysOf: (p) => opts.keys?.[p] ?? [p],
    onSkip: (k) => skips.push(k),
    random: opts.random ?? (() => 0.5),
    run: (key, trigger) =>
      new Promise<void>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const finish = () => {
          inFlight--;
          resolve();
        };
        runs.push({ key, trigger, at: Date.now(), finish });
        if (opts.autoFinishMs !== undefined) setTimeout(finish, opts.autoFinishMs);
      }),
  });
  return { s, runs, skips, maxInFlight: () => maxInFlight };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Scheduler', () => {
  it('runs an interval path at a random offset, then every interval with ±5% jitter', async () => {
    const rnd = [0.25, 0, 1, 0.5];
    const h = harness({ autoFinishMs: 1, random: () => rnd.shift() ?? 0.5 });
    const t0 = Date.now();
    h.s.setSchedule('p', { kind: 'interval', ms: 10_000 });
    await vi.advanceTimersByTimeAsync(2_499);
    expect(h.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1); // offset = 0.25 x 10 s
    expect(h.runs.map((r) => r.at - t0)).toEqual([2_500]);
    await vi.advanceTimersByTimeAsync(9_500 + 10_500 + 10_000);
    // gaps: 10 s x (1 - 5%), 10 s x (1 + 5%), then 10 s
    expect(h.runs.map((r) => r.at - t0)).toEqual([2_500, 12_000, 22_500, 32_500]);
    expect(h.runs.every((r) => r.trigger === 'schedule')).toBe(true);
    h.s.stop();
  });

  it('follows a node-cron schedule with seconds', async () => {
    const h = harness({ autoFinishMs: 1 });
    h.s.setSchedule('p', { kind: 'cron', expr: '*/15 * * * * *' });
    await vi.advanceTimersByTimeAsync(60_000);
    const seconds = h.runs.map((r) => new Date(r.at).getUTCSeconds());
    expect(h.runs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seconds)).toEqual(new Set([0, 15, 30, 45]));
    h.s.stop();
    const n = h.runs.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toHaveLength(n);
  });

  it('exports the gap between runs of a cron schedule as its interval', () => {
    expect(scheduleSeconds({ kind: 'cron', expr: '*/15 * * * * *' })).toBe(15);
    expect(scheduleSeconds({ kind: 'cron', expr: '0 */5 * * * *' })).toBe(300);
    expect(scheduleSeconds({ kind: 'interval', ms: 1500 })).toBe(1.5);
  });

  it('never overlaps a check with itself: a fire while it runs is skipped', async () => {
    const h = harness();
    h.s.setSchedule('p', { kind: 'interval', ms: 1_000 });
    await vi.advanceTimersByTimeAsync(3_600); // fires at 500, ~1450, ~2400, ~3350
    expect(h.runs).toHaveLength(1);
    expect(h.skips.length).toBeGreaterThanOrEqual(3);
    h.runs[0]!.finish();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(h.runs).toHaveLength(2);
    h.s.stop();
  });

  it('holds the concurrency limit across many checks', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const h = harness({ concurrency: 3, keys: { p: keys }, autoFinishMs: 100 });
    for (const k of keys) h.s.enqueue(k, 'initial');
    expect(h.s.busy).toBe(3);
    expect(h.s.pending).toBe(7);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.runs).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(300);
    await h.s.idle();
    expect(h.runs.map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(h.maxInFlight()).toBe(3);
  });

  it('re-runs a running check after it ends when a topology change asks for it', async () => {
    const h = harness();
    h.s.enqueue('k', 'schedule');
    h.s.enqueue('k', 'topology', true);
    h.s.enqueue('k', 'topology', true); // coalesced with the previous request
    expect(h.runs).toHaveLength(1);
    h.runs[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.runs.map((r) => r.trigger)).toEqual(['schedule', 'topology']);
    h.runs[1]!.finish();
    await h.s.idle();
    expect(h.runs).toHaveLength(2);
  });

  it('stop() drops queued runs and idle() waits for the running ones', async () => {
    const h = harness({ concurrency: 1 });
    h.s.enqueue('a', 'initial');
    h.s.enqueue('b', 'initial');
    h.s.stop();
    let idle = false;
    void h.s.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(idle).toBe(false);
    h.runs[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(true);
    expect(h.runs.map((r) => r.key)).toEqual(['a']);
  });

  it('runs urgent checks before everything queued, moving up a check already queued', async () => {
    const h = harness({ concurrency: 1 });
    for (const k of ['busy', 'a', 'b', 'c']) h.s.enqueue(k, 'schedule');
    h.s.enqueue('c', 'topology', true, true); // queued behind a and b: moves ahead
    h.s.enqueue('d', 'topology', true, true);
    h.s.enqueue('a', 'schedule'); // already queued: no second run
    expect(h.s.pending).toBe(4);
    for (let i = 0; i < 5; i++) {
      h.runs[i]?.finish();
      await vi.advanceTimersByTimeAsync(0);
    }
    await h.s.idle();
    expect(h.runs.map((r) => `${r.key}:${r.trigger}`)).toEqual([
      'busy:schedule',
      'c:topology', // moved up: runs for the change that asked
      'd:topology',
      'a:schedule',
      'b:schedule',
    ]);
  });

  it("runs 'first' checks (SB-driven re-runs) ahead of urgent ones; a running one re-runs first", async () => {
    const h = harness({ concurrency: 1 });
    h.s.enqueue('ran', 'topology', true, true); // runs at once: on the old SB, say
    for (const k of ['u1', 'u2', 'u3']) h.s.enqueue(k, 'topology', true, true);
    h.s.enqueue('n1', 'schedule');
    h.s.enqueue('u3', 'topology', true, 'first'); // queued urgent: moves ahead of u1, u2
    h.s.enqueue('ran', 'topology', true, 'first'); // running: its re-run goes first too
    h.s.enqueue('u1', 'topology', true, true); // already ahead of urgent: stays where it is
    h.s.enqueue('u3', 'topology', true, true); // already first: not moved back
    for (let i = 0; i < 6; i++) {
      h.runs.at(-1)?.finish();
      await vi.advanceTimersByTimeAsync(0);
    }
    await h.s.idle();
    expect(h.runs.map((r) => r.key)).toEqual(['ran', 'u3', 'ran', 'u1', 'u2', 'n1']);
  });

  it('a check moved up and run, then queued again, runs at its new place, not at the old one', async () => {
    const h = harness({ concurrency: 1 });
    for (const k of ['busy', 'a', 'c', 'b']) h.s.enqueue(k, 'schedule');
    h.s.enqueue('c', 'topology', true, true); // moved up: its entry between a and b is now stale
    const step = async () => {
      h.runs.at(-1)?.finish();
      await vi.advanceTimersByTimeAsync(0);
    };
    await step(); // busy ends, c (urgent) runs
    await step(); // c ends, a runs
    h.s.enqueue('c', 'reload'); // queued again while a runs: behind b
    await step();
    await step();
    await step();
    await h.s.idle();
    expect(h.runs.map((r) => `${r.key}:${r.trigger}`)).toEqual([
      'busy:schedule',
      'c:topology',
      'a:schedule',
      'b:schedule',
      'c:reload',
    ]);
  });

  it('an urgent re-run of a running check goes ahead of the queue once it ends', async () => {
    const h = harness({ concurrency: 1 });
    for (const k of ['k', 'a', 'b']) h.s.enqueue(k, 'schedule');
    h.s.enqueue('k', 'topology', true, true);
    h.runs[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.runs.map((r) => `${r.key}:${r.trigger}`)).toEqual(['k:schedule', 'k:topology']);
    h.s.stop();
  });
});

describe('Scheduler under real timers', () => {
  it('runs started together take turns: at most a slice of them between two turns of the event loop', async () => {
    vi.useRealTimers();
    let sinceTurn = 0;
    let most = 0;
    const s: Scheduler = new Scheduler({
      concurrency: 64, // as the default: 64 runs started by one pump
      keysOf: () => [],
      run: async () => {
        await s.turn();
        const end = performance.now() + 2; // a synchronous 2 ms trace, as lflow at L
        while (performance.now() < end);
        s.ran();
        most = Math.max(most, ++sinceTurn);
      },
    });
    let done = false;
    const probe = () => {
      sinceTurn = 0; // an I/O callback (a scrape's next chunk) got in
      if (!done) setImmediate(probe);
    };
    setImmediate(probe);
    for (let i = 0; i < 200; i++) s.enqueue(`k${i}`, 'topology');
    await s.idle();
    done = true;
    // SLICE_MS (10 ms) of 2 ms runs, plus the one that crosses it; without turns: 64.
    expect(most).toBeLessThanOrEqual(7);
    expect(most).toBeGreaterThanOrEqual(1);
  });

  it('yields to the event loop during a long queue of checks that finish synchronously', async () => {
    vi.useRealTimers();
    const finishedAt: number[] = [];
    const s = new Scheduler({
      concurrency: 8,
      keysOf: () => [],
      run: async () => {
        const end = performance.now() + 1; // a synchronous 1 ms check, as a model trace is
        while (performance.now() < end);
        finishedAt.push(performance.now());
      },
    });
    const t0 = performance.now();
    let ioAt = -1;
    setImmediate(() => (ioAt = performance.now())); // stands for a /metrics scrape waiting its turn
    for (let i = 0; i < 200; i++) s.enqueue(`k${i}`, 'topology');
    await s.idle();
    expect(finishedAt).toHaveLength(200);
    // The waiting callback ran long before the last check (not after all 200 ms of checks).
    expect(ioAt).toBeGreaterThan(0);
    expect(ioAt - t0).toBeLessThan(100);
    expect(finishedAt.at(-1)! - ioAt).toBeGreaterThan(50);
  });
});
