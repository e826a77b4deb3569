// Decides when checks run. Paths run on a node-cron schedule (seconds allowed) or an interval with a
// per-path random offset and jitter (so a thousand paths with `interval: 30s` do not fire together).
// All runs go through one queue with a concurrency limit; a check never overlaps itself: a scheduled
// run of a check that is queued or running is skipped, while a change-driven request for a running
// check is remembered and run again right after (the running one may have seen the old topology).
// Three lanes: `urgent` runs (checks a topology change may have flipped) go before everything queued,
// and `first` runs (re-runs after the Southbound changed: the checks that already ran on the SB before
// northd's answer) before those, so the one check that flips does not wait behind a thousand others.
// The model engine answers synchronously, so a long queue would run as one unbroken chain of
// microtasks, starving /metrics scrapes and timers until the last check: after SLICE_MS of work the
// next runs start from setImmediate, letting I/O in (a flipped verdict is then visible at once).
// The runs started together (up to the concurrency) each take a turn (turn()/ran()) before their CPU
// work: lflow answers synchronously too, and 64 runs started at once otherwise all traced in one
// microtask drain (~0.3 s at L under load) between two I/O phases.

import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import type { Schedule } from './paths-config.ts';
import type { Trigger } from './results.ts';

export interface SchedulerOptions {
  concurrency: number;
  /** Runs one check; must not throw. */
  run(key: string, trigger: Trigger): Promise<void>;
  /** Check keys of a path right now (expansion can change between fires). */
  keysOf(path: string): readonly string[];
  /** A fire skipped because the check was still queued or running. */
  onSkip?(key: string): void;
  /** Random source for offsets and jitter (tests pass a fixed one). */
  random?: () => number;
}

/** Jitter of an interval: each gap is the interval ±5%. */
export const JITTER = 0.05;

/** A FIFO of check keys with O(1) take (Array.shift() is O(n): 10k queued checks made it quadratic). */
interface Entry {
  readonly key: string;
  readonly trigger: Trigger;
  readonly lane: LaneName;
}

class Lane {
  private items: Entry[] = [];
  private head = 0;
  push(e: Entry): void {
    this.items.push(e);
  }
  take(): Entry | undefined {
    const it = this.items[this.head];
    if (it === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return it;
  }
  get length(): number {
    return this.items.length - this.head;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export type LaneName = 'first' | 'urgent' | 'normal';
/** Lanes in the order they run. */
const LANES: readonly LaneName[] = ['first', 'urgent', 'normal'];
const RANK: Readonly<Record<LaneName, number>> = { first: 0, urgent: 1, normal: 2 };

/** Longest stretch of back-to-back check runs before yielding to the event loop. */
export const SLICE_MS = 10;

export class Scheduler {
  private readonly lanes: Record<LaneName, Lane> = {
    first: new Lane(),
    urgent: new Lane(),
    normal: new Lane(),
  };
  /** Queued keys and their live entry (an entry left behind in a lane is stale and skipped). */
  private readonly queued = new Map<string, Entry>();
  private readonly running = new Set<string>();
  private readonly rerun = new Map<string, Trigger>();
  /** Running checks whose change-driven re-run goes to a lane ahead of `normal`. */
  private readonly rerunLane = new Map<string, LaneName>();
  private readonly timers = new Map<string, { stop(): void }>();
  private idleWaiters: (() => void)[] = [];
  /** When the current unbroken stretch of runs began (-1: none open; cleared once the loop turns). */
  private sliceStart = -1;
  private yielding = false;
  /** Runs waiting for their turn, first come first served; see turn(). */
  private readonly turnWaiters: (() => void)[] = [];
  /** When the current stretch of turns began (-1: none), and whether the next one is scheduled. */
  private turnStart = -1;
  private turnScheduled = false;
  /** Turns given whose ran() has not come yet (runs started together call turn() before any works). */
  private turnHeld = 0;
  private stopped = false;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.random = opts.random ?? Math.random;
  }

  setConcurrency(n: number): void {
    this.opts.concurrency = n;
    this.pump();
  }

  /**
   * Asks for a run now. `force` (change-driven) re-runs a running check after it ends; `urgent` puts
   * the run ahead of every non-urgent one, `'first'` ahead of those too (moving it up if it was
   * already queued in a later lane).
   */
  enqueue(key: string, trigger: Trigger, force = false, urgent: boolean | 'first' = false): void {
    if (this.stopped) return;
    const want: LaneName = urgent === 'first' ? 'first' : urgent ? 'urgent' : 'normal';
    const lane = this.queued.get(key)?.lane;
    if (lane && RANK[lane] <= RANK[want]) return;
    if (this.running.has(key)) {
      if (force) {
        this.rerun.set(key, trigger);
        const had = this.rerunLane.get(key);
        if (want !== 'normal' && (!had || RANK[want] < RANK[had])) this.rerunLane.set(key, want);
      } else this.opts.onSkip?.(key);
      return;
    }
    const entry: Entry = { key, trigger, lane: want };
    this.queued.set(key, entry);
    this.lanes[entry.lane].push(entry);
    this.pump();
  }

  /** True while `key` waits in a lane (not while it runs). */
  isQueued(key: string): boolean {
    return this.queued.has(key);
  }

  /** The next live entry: the earliest lane first, skipping entries that were moved up or already ran. */
  private next(): Entry | undefined {
    for (const name of LANES) {
      for (let it = this.lanes[name].take(); it; it = this.lanes[name].take())
        if (this.queued.get(it.key) === it) return it;
    }
    return undefined;
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.queued.size > 0) {
      const it = this.next();
      if (!it) break;
      this.queued.delete(it.key);
      this.running.add(it.key);
      void this.opts.run(it.key, it.trigger).finally(() => this.finished(it.key));
    }
    if (this.running.size === 0 && (this.queued.size === 0 || this.stopped)) this.notifyIdle();
  }

  private finished(key: string): void {
    this.running.delete(key);
    const again = this.rerun.get(key);
    if (again) {
      this.rerun.delete(key);
      const lane = this.rerunLane.get(key) ?? 'normal';
      this.rerunLane.delete(key);
      this.enqueue(key, again, false, lane === 'first' ? 'first' : lane === 'urgent');
    }
    const now = performance.now();
    if (this.sliceStart < 0) {
      this.sliceStart = now;
      setImmediate(() => {
        this.sliceStart = -1;
      });
    }
    if (now - this.sliceStart < SLICE_MS) this.pump();
    else if (!this.yielding) this.yieldThenPump();
  }

  /**
   * Resolves when the calling run may do its CPU work: at once while the current stretch of work is
   * under SLICE_MS and nobody waits, else in order on later turns of the event loop. The caller must
   * call ran() right after the synchronous part of its work (that passes the turn on).
   */
  turn(): Promise<void> {
    const now = performance.now();
    if (this.turnStart < 0) this.turnStart = now;
    if (this.turnHeld === 0 && this.turnWaiters.length === 0 && now - this.turnStart < SLICE_MS) {
      this.turnHeld++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.turnWaiters.push(resolve);
      if (this.turnHeld === 0) this.nextTurn();
    });
  }

  /** The run that had the turn did its synchronous work: the next waiter goes now or on a later turn. */
  ran(): void {
    this.turnHeld = Math.max(0, this.turnHeld - 1);
    if (this.turnWaiters.length === 0 || this.turnHeld > 0) return;
    if (performance.now() - this.turnStart < SLICE_MS) this.give();
    else this.nextTurn();
  }

  private give(): void {
    const w = this.turnWaiters.shift();
    if (!w) return;
    this.turnHeld++;
    w();
  }

  private nextTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.turnStart = performance.now();
      if (this.turnHeld === 0) this.give();
    });
  }

  private yieldThenPump(): void {
    this.yielding = true;
    setImmediate(() => {
      this.yielding = false;
      this.sliceStart = -1;
      this.pump();
    });
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running.size === 0 && (this.queued.size === 0 || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): number {
    return this.running.size;
  }
  get pending(): number {
    return this.queued.size;
  }

  private fire(path: string, trigger: Trigger): void {
    for (const key of this.opts.keysOf(path)) this.enqueue(key, trigger);
  }

  /** (Re)arms the timer of a path; an unchanged schedule keeps its timer and phase. */
  setSchedule(path: string, s: Schedule): void {
    const id = s.kind === 'cron' ? `cron:${s.expr}` : `interval:${s.ms}`;
    const existing = this.timers.get(path) as { id?: string; stop(): void } | undefined;
    if (existing?.id === id) return;
    existing?.stop();
    const timer = s.kind === 'cron' ? this.cronTimer(path, s.expr) : this.intervalTimer(path, s.ms);
    this.timers.set(path, Object.assign(timer, { id }));
  }

  removeSchedule(path: string): void {
    this.timers.get(path)?.stop();
    this.timers.delete(path);
  }

  scheduledPaths(): string[] {
    return [...this.timers.keys()];
  }

  private cronTimer(path: string, expr: string): { stop(): void } {
    const task: ScheduledTask = cronSchedule(expr, () => this.fire(path, 'schedule'), {
      name: `path:${path}`,
    });
    return { stop: () => void task.destroy() };
  }

  private intervalTimer(path: string, ms: number): { stop(): void } {
    let handle: NodeJS.Timeout;
    const arm = (delay: number) => {
      handle = setTimeout(() => {
        this.fire(path, 'schedule');
        arm(ms * (1 + JITTER * (2 * this.random() - 1)));
      }, delay);
      handle.unref?.();
    };
    // A random first offset within one interval spreads paths evenly over it.
    arm(ms * this.random());
    return { stop: () => clearTimeout(handle) };
  }

  /** Stops every timer and drops queued runs; running ones finish (callers abort them). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.stop();
    this.timers.clear();
    for (const lane of LANES) this.lanes[lane].clear();
    this.queued.clear();
    this.rerun.clear();
    this.rerunLane.clear();
    // Runs waiting for a turn go on (their checks see the abort) so that they end.
    for (const w of this.turnWaiters.splice(0)) {
      this.turnHeld++;
      w();
    }
    if (this.running.size === 0) this.notifyIdle();
  }
}
