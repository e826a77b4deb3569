// Never stale: whether the Southbound reflects the Northbound changes seen so far. A check traced on the
// SB (lflow, ovn-trace) right after an NB change would otherwise record the verdict of the SB that northd
// has not rewritten yet, with a fresh timestamp. Two ways to know (DESIGN.md §5, ovn-nb.xml NB_Global):
// - exact (opt-in, `ovn.bump_nb_cfg`): after each NB change we increment NB_Global.nb_cfg, as
//   `ovn-nbctl --wait=sb` does; northd copies the value it has processed to SB_Global.nb_cfg in the same
//   SB transaction as the flows it computed, so SB_Global.nb_cfg >= our value means the SB holds the
//   result of every NB change we had seen. That is a write to the user's NB, hence opt-in.
// - passive (default, no writes): the SB has been quiet for `settleMs` since northd's answer to the NB
//   change (an SB update after it; and since a reconnect). Until an answer comes, checks wait at least
//   `settleMs` after the NB change, or longer when northd has been seen to be slower: twice the median
//   of its recent answer times (NB change to its SB update), at most half of `waitMs`. northd 23.03
//   takes 1-3 s for an ACL change at L, so a fixed 500 ms made every check run on the old SB first
//   (recorded stale until the SB-driven re-run): work thrown away at the moment it delays the answer.
//   A busy or slow northd makes checks wait, up to `waitMs`, and then they are pending rather than
//   stale. Not a proof: the exact mode is.

import type { Logger } from 'pino';
import type { SbChange, SbDatabase } from '../../ovn/sb/types.ts';
import type { LiveSb, SbFollower } from './live-sb.ts';

export interface SbFreshnessOptions {
  readonly sb: LiveSb;
  /** Increments NB_Global.nb_cfg and returns the new value; given only with the opt-in. */
  readonly bump?: (() => Promise<number>) | null;
  /** Passive mode: how long the SB must stay quiet after an NB change (ms). */
  readonly settleMs: number;
  /** How long a check waits for the SB before it is recorded as pending (ms). */
  readonly waitMs: number;
  readonly logger?: Logger;
  /** Poll period of the waiters (ms); small, the checks of one change share it. */
  readonly tickMs?: number;
}

/** Recent northd answer times kept for the passive hold. */
const ANSWER_SAMPLES = 16;

/** SB tables whose change is not northd's answer to an NB change (chassis and their acks). */
const NOT_NORTHD = new Set<string>(['SB_Global', 'Chassis', 'MAC_Binding', 'FDB']);

interface Waiter {
  readonly since: number;
  readonly deadline: number;
  readonly resolve: (fresh: boolean) => void;
}

export class SbFreshness implements SbFollower {
  private lastNbChange = 0;
  /** The earliest NB change northd has not answered yet (0: none waiting), by when it arrived. */
  private unanswered = 0;
  /** NB changes seen up to this time (ms) have had an SB update from northd since they arrived. */
  private answeredUpTo = 0;
  /** ms from an NB change to northd's SB update, most recent last. */
  private readonly answers: number[] = [];
  /** Epoch ms of the last SB change northd made (or of a full resync). */
  private lastSbChange = 0;
  /** When the SB connection last came up (a reconnect resyncs: nothing before it counts as quiet). */
  private connectedAt = 0;
  /** Bumps sent and not yet acknowledged: the NB changes each covers (ms) and its nb_cfg value. */
  private readonly bumps: { covers: number; value: number }[] = [];
  /** Every NB change seen up to this time (ms) is acknowledged through nb_cfg. */
  private acked = 0;
  private bumping = false;
  private bumpFailed = false;
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: SbFreshnessOptions) {
    o.sb.follow(this);
    o.sb.client.on('connected', () => (this.connectedAt = Date.now()));
    if (o.sb.client.isConnected()) this.connectedAt = Date.now();
  }

  /** Exact (nb_cfg) or passive, for logs and the README. */
  get mode(): 'nb_cfg' | 'settle' {
    return this.o.bump && !this.bumpFailed ? 'nb_cfg' : 'settle';
  }

  /**
   * The topology source saw an NB change at `at` (ms epoch), the NB update having arrived at
   * `receivedAt` (the topology rebuild in between takes a second at L: northd may have answered
   * meanwhile). `expectAnswer`: false for one northd does not answer (the NB's initial copy): its
   * wait is not a sample of northd's answer time.
   */
  noteNbChange(at: number, expectAnswer = true, receivedAt = at): void {
    this.lastNbChange = Math.max(this.lastNbChange, at);
    if (expectAnswer && this.lastSbChange >= receivedAt) {
      this.answeredUpTo = Math.max(this.answeredUpTo, at);
      this.sample(this.lastSbChange - receivedAt);
    } else if (expectAnswer && (this.unanswered === 0 || receivedAt - this.unanswered > this.holdMs()))
      // An earlier change still unanswered after the hold most likely needed no SB change at all (e.g.
      // external_ids only): timing northd's answer from it would teach a far too long hold.
      this.unanswered = receivedAt;
    if (this.mode === 'nb_cfg') void this.bump();
  }

  /** True when the SB reflects every NB change seen up to `since` (ms epoch). */
  isFresh(since: number, now = Date.now()): boolean {
    if (!this.o.sb.database()) return false;
    if (since <= this.acked) return true;
    if (this.mode === 'nb_cfg') return false;
    if (!this.o.sb.client.isConnected()) return false;
    const answered = this.lastSbChange >= since || since <= this.answeredUpTo;
    const quiet = answered ? this.o.settleMs : this.holdMs();
    return now >= Math.max(since, this.lastSbChange, this.connectedAt) + quiet;
  }

  /** Passive mode: how long to wait for northd's answer to an NB change before judging the SB quiet. */
  holdMs(): number {
    const a = [...this.answers].sort((x, y) => x - y);
    const median = a.length > 0 ? a[Math.floor(a.length / 2)]! : 0;
    return Math.max(this.o.settleMs, Math.min(2 * median, this.o.waitMs / 2));
  }

  /** Resolves true once fresh for `since`, false after waitMs (or on abort). */
  wait(since: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitUntil(since, Date.now() + this.o.waitMs, signal);
  }

  /** Resolves once fresh for `since`, however long that takes (false only on abort or close). */
  whenFresh(since: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitUntil(since, Number.POSITIVE_INFINITY, signal);
  }

  close(): void {
    for (const w of this.waiters) w.resolve(false);
    this.waiters.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  reset(db: SbDatabase): void {
    this.lastSbChange = Date.now();
    this.unanswered = 0;
    this.noteAck(db);
  }

  apply(changes: readonly SbChange[], db: SbDatabase): void {
    if (changes.some((c) => !NOT_NORTHD.has(c.table))) {
      const now = Date.now();
      this.lastSbChange = now;
      if (this.unanswered > 0) this.sample(now - this.unanswered);
      this.o.logger?.debug(
        { changes: changes.length, answer_ms: this.unanswered > 0 ? now - this.unanswered : null },
        'SB update from northd',
      );
      this.unanswered = 0;
    }
    this.noteAck(db);
  }

  /** One answer time of northd; one much longer than the wait is more likely another change's. */
  private sample(ms: number): void {
    if (ms > this.o.waitMs) return;
    this.answers.push(ms);
    if (this.answers.length > ANSWER_SAMPLES) this.answers.shift();
  }

  private waitUntil(since: number, deadline: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isFresh(since)) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => w.resolve(false);
      const w: Waiter = {
        since,
        deadline,
        resolve: (fresh) => {
          this.waiters.delete(w);
          signal?.removeEventListener('abort', onAbort);
          resolve(fresh);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(w);
      this.timer ??= setInterval(() => this.tick(), this.o.tickMs ?? 20);
    });
  }

  private tick(): void {
    const now = Date.now();
    let fresh = 0;
    for (const w of [...this.waiters]) {
      if (this.isFresh(w.since, now)) {
        fresh++;
        w.resolve(true);
      } else if (now >= w.deadline) w.resolve(false);
    }
    if (fresh > 0)
      this.o.logger?.debug({ checks: fresh, hold_ms: this.holdMs(), waiting: this.waiters.size }, 'SB fresh');
    if (this.waiters.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private noteAck(db: SbDatabase): void {
    const g = db.SB_Global.values().next().value;
    const cfg = g?.nbCfg ?? 0;
    while (this.bumps.length > 0 && this.bumps[0]!.value <= cfg)
      this.acked = Math.max(this.acked, this.bumps.shift()!.covers);
  }

  /** One bump at a time; changes seen during one are covered by the next. */
  private async bump(): Promise<void> {
    if (this.bumping || !this.o.bump) return;
    this.bumping = true;
    const covers = this.lastNbChange;
    try {
      const value = await this.o.bump();
      this.bumps.push({ covers, value });
      const db = this.o.sb.database();
      if (db) this.noteAck(db);
    } catch (err) {
      // E.g. a read-only NB account: say so once and fall back to the passive rule.
      this.bumpFailed = true;
      this.o.logger?.error({ err }, 'cannot increment NB_Global.nb_cfg; judging SB freshness passively');
    } finally {
      this.bumping = false;
    }
    if (!this.bumpFailed && this.lastNbChange > covers) void this.bump();
  }
}
