// The monitor's memory: per check, the last outcome and when its verdict last changed. Outcomes are
// plain data (the API and metrics render them); the full trace is not kept (the paths API re-traces).

import type { EngineName, HopType, RuleOwner } from '../engine/types.ts';
import type { Check } from './expand.ts';
import type { Exposure } from './exposure.ts';

/** Why a run happened: its schedule, a topology change, a reload, or the first round. */
export type Trigger = 'schedule' | 'topology' | 'reload' | 'initial' | 'manual';

export interface CheckError {
  /** Short, stable, metric-label-friendly (e.g. `port_not_found`, `timeout`, `internal`). */
  readonly reason: string;
  readonly message: string;
}

export interface CheckOutcome {
  /** ms epoch when the run finished. */
  readonly at: number;
  readonly durationMs: number;
  readonly trigger: Trigger;
  readonly engine: EngineName | null;
  /** null when the run errored: an erroring check has no verdict. */
  readonly reachable: boolean | null;
  readonly error: CheckError | null;
  /** For a blocked verdict: what dropped the packet (ACL name/uuid, or the stage) and its hop type. */
  readonly blockedBy: string | null;
  /** For a blocked verdict: who owns what dropped it (engine/result/outcome.ts blockedOwnerOf). */
  readonly blockedOwner: RuleOwner | null;
  readonly hopType: HopType | null;
  /**
   * What let the packet through each ACL stage it passed (`switch/stage: ACL name`, or the default
   * allow, joined with `; `); null when it met no ACL stage or the run errored.
   */
  readonly allowedBy: string | null;
  readonly summary: string;
  /**
   * Switches and routers the trace went through; a topology change that touches none of them (and is
   * not global) cannot change this verdict. null = unknown (errors, split traces): always re-run.
   */
  readonly visited: readonly string[] | null;
  /** For a path with expect_services: what is open, and how that differs from the expectation. */
  readonly exposure?: Exposure;
}

export interface CheckState {
  check: Check;
  last: CheckOutcome | null;
  /** ms epoch of the last verdict change (the first verdict counts as one); null before any verdict. */
  lastChange: number | null;
  runs: number;
  /**
   * Set (ms epoch of the NB change waited for) while the check's re-run waits for a Southbound that
   * reflects an NB change and did not get one in time: `last` is then an older verdict, kept with its
   * own timestamp, and the path is `pending`. Cleared by the next recorded outcome.
   */
  pendingSince?: number | null;
}

/** The verdict as compared across runs: reachable, blocked, or error (with its reason). */
export function verdictOf(o: CheckOutcome | null): string | null {
  if (!o) return null;
  if (o.error) return `error:${o.error.reason}`;
  return o.reachable ? 'reachable' : 'blocked';
}

export function expectationMet(s: CheckState): boolean | null {
  const r = s.last?.reachable;
  if (r === null || r === undefined) return null;
  const e = s.last?.exposure;
  if (e) return e.unexpected.length === 0 && e.missing.length === 0;
  return r === (s.check.path.expect === 'reachable');
}

export class ResultsStore {
  private readonly states = new Map<string, CheckState>();

  get(key: string): CheckState | undefined {
    return this.states.get(key);
  }

  all(): IterableIterator<CheckState> {
    return this.states.values();
  }

  get size(): number {
    return this.states.size;
  }

  /**
   * Replaces the set of checks: states of checks whose key survives are kept (their definition is
   * updated), new ones start empty, and states of removed checks are returned so callers drop them.
   */
  replace(checks: readonly Check[]): { added: CheckState[]; removed: CheckState[]; kept: CheckState[] } {
    const next = new Map<string, CheckState>();
    const added: CheckState[] = [];
    const kept: CheckState[] = [];
    for (const check of checks) {
      const old = this.states.get(check.key);
      if (old) {
        old.check = check;
        kept.push(old);
        next.set(check.key, old);
      } else {
        const s: CheckState = { check, last: null, lastChange: null, runs: 0 };
        added.push(s);
        next.set(check.key, s);
      }
    }
    const removed = [...this.states.values()].filter((s) => !next.has(s.check.key));
    this.states.clear();
    for (const [k, v] of next) this.states.set(k, v);
    return { added, removed, kept };
  }

  /** Records an outcome; returns true when the verdict changed. */
  record(key: string, outcome: CheckOutcome): boolean {
    const s = this.states.get(key);
    if (!s) return false; // removed by a reload while it ran
    const changed = verdictOf(s.last) !== verdictOf(outcome);
    s.last = outcome;
    s.pendingSince = null;
    s.runs++;
    if (changed) s.lastChange = outcome.at;
    return changed;
  }
}
