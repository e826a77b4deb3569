// Decides when checks run. Paths run on a node-cron schedule (seconds allowed) or an interval with a
// per-path random offset and jitter (so a thousand paths with `interval: 30s` do not fire together).
// All runs go through one queue with a concurrency limit; a check never overlaps itself: a scheduled
// run of a check that is queued or running is skipped, while a change-driven request for a running
// check is remembered and run again right after (the running one may have seen the old topology).

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

export class Scheduler {
  private readonly queue: { key: string; trigger: Trigger }[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly rerun = new Map<string, Trigger>();
  private readonly timers = new Map<string, { stop(): void }>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.random = opts.random ?? Math.random;
  }

  setConcurrency(n: number): void {
    this.opts.concurrency = n;
    this.pump();
  }

  /** Asks for a run now. `force` (change-driven) re-runs a running check after it ends. */
  enqueue(key: string, trigger: Trigger, force = false): void {
    if (this.stopped) return;
    if (this.queued.has(key)) return;
    if (this.running.has(key)) {
      if (force) this.rerun.set(key, trigger);
      else this.opts.onSkip?.(key);
      return;
    }
    this.queued.add(key);
    this.queue.push({ key, trigger });
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.queue.length > 0) {
      const { key, trigger } = this.queue.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      void this.opts.run(key, trigger).finally(() => this.finished(key));
    }
    if (this.running.size === 0 && (this.queue.length === 0 || this.stopped)) this.notifyIdle();
  }

  private finished(key: string): void {
    this.running.delete(key);
    const again = this.rerun.get(key);
    if (again) {
      this.rerun.delete(key);
      this.enqueue(key, again);
    }
    this.pump();
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running.size === 0 && (this.queue.length === 0 || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get busy(): number {
    return this.running.size;
  }
  get pending(): number {
    return this.queue.length;
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
    this.queue.length = 0;
    this.queued.clear();
    this.rerun.clear();
    if (this.running.size === 0) this.notifyIdle();
  }
}
