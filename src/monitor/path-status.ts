// One status per configured path, derived from its expansion and its checks' last outcomes. The same
// five statuses are used by /metrics (ovncp_path_status, the kube-state-metrics convention: one series
// per status, 1 for the current one), /api/v1/paths, the landing page and `check`, so a path never
// disappears from any of them whatever happens to its checks. Also renders ovncp_path_unexpected_services
// for paths with expect_services (exposure.ts compares; this file owns the per-path series).

import type { PathProblem } from './expand.ts';
import { escapeLabel } from './path-metrics.ts';
import { type CheckState, expectationMet } from './results.ts';

/**
 * - `ok`: every check ran and met the expectation.
 * - `unmet`: some check's verdict differs from the expectation (and none errored).
 * - `error`: the path cannot be checked as configured (missing group, over the cap) or a check errored.
 * - `no_checks`: the path expands to no check (e.g. its group has no member, or only itself).
 * - `pending`: not every check has a verdict yet (the first round is still running), or a check's
 *   re-run waits for the Southbound to reflect an NB change (its last verdict may be out of date).
 */
export const PATH_STATUSES = ['ok', 'unmet', 'error', 'no_checks', 'pending'] as const;
export type PathStatus = (typeof PATH_STATUSES)[number];

export interface PathStatusInfo {
  readonly status: PathStatus;
  /** For `error` and `no_checks`: a short label-friendly reason (e.g. `port_not_found`); else null. */
  readonly reason: string | null;
  /** A sentence saying why, for `error` and `no_checks`; else null. */
  readonly message: string | null;
  readonly checks: number;
  readonly unmet: number;
  readonly errors: number;
}

/**
 * The status of one path. Errors win over unmet verdicts: a path with a check that cannot run is not
 * verified, and the alert rules keep a path that was unmet and then errors critical (see the rules file).
 */
export function derivePathStatus(
  started: boolean,
  problem: PathProblem | undefined,
  checks: readonly CheckState[],
): PathStatusInfo {
  const errored = checks.filter((s) => s.last?.error);
  const unmet = checks.filter((s) => expectationMet(s) === false).length;
  const base = { checks: checks.length, unmet, errors: errored.length };
  if (problem) return { status: 'error', reason: problem.reason, message: problem.message, ...base };
  const first = errored[0]?.last?.error;
  if (first) {
    const also = errored.length > 1 ? ` (and ${errored.length - 1} more checks)` : '';
    const where = `${errored[0]!.check.sourcePort} -> ${errored[0]!.check.destination}`;
    return { status: 'error', reason: first.reason, message: `${where}: ${first.message}${also}`, ...base };
  }
  if (!started) return { status: 'pending', reason: null, message: null, ...base };
  // An SB-traced verdict the NB has moved past is not current: neither ok nor unmet until re-checked.
  if (checks.some((s) => s.pendingSince)) return { status: 'pending', reason: null, message: null, ...base };
  if (checks.length === 0)
    return {
      status: 'no_checks',
      reason: 'no_checks',
      message: 'the path expands to no check (a group without members, or only self-pairs)',
      ...base,
    };
  if (unmet > 0) return { status: 'unmet', reason: null, message: null, ...base };
  if (checks.some((s) => !s.last)) return { status: 'pending', reason: null, message: null, ...base };
  return { status: 'ok', reason: null, message: null, ...base };
}

/** Paths per status, every status present (the landing page headline and `check` summary). */
export function countByStatus(statuses: Iterable<PathStatus>): Record<PathStatus, number> {
  const out = Object.fromEntries(PATH_STATUSES.map((s) => [s, 0])) as Record<PathStatus, number>;
  for (const s of statuses) out[s]++;
  return out;
}

const STATUS_HELP =
  '# HELP ovncp_path_status Status of each configured path of this shard: 1 for the current status, 0 for the others (ok, unmet, error, no_checks, pending). Value from the last scheduled or change-driven checks of the path.\n# TYPE ovncp_path_status gauge\n';
const PROBLEM_HELP =
  '# HELP ovncp_path_problem_info Present (value 1) only while a path is in status error or no_checks: why, as a short reason and a message.\n# TYPE ovncp_path_problem_info gauge\n';

/** A path's lines of ovncp_path_status and ovncp_path_problem_info, for the status it was rendered in. */
interface StatusLines {
  readonly status: PathStatus;
  readonly reason: string | null;
  readonly message: string | null;
  readonly text: string;
  readonly problem: string;
}

function statusLines(name: string, info: PathStatusInfo): StatusLines {
  const p = escapeLabel(name);
  let text = '';
  for (const s of PATH_STATUSES)
    text += `ovncp_path_status{path="${p}",status="${s}"} ${s === info.status ? 1 : 0}\n`;
  const problem =
    info.reason === null
      ? ''
      : `ovncp_path_problem_info{path="${p}",status="${info.status}",reason="${escapeLabel(info.reason)}",message="${escapeLabel(info.message ?? '')}"} 1\n`;
  return { status: info.status, reason: info.reason, message: info.message, text, problem };
}

/**
 * The exposition text of ovncp_path_status and ovncp_path_problem_info, for every scrape: a path's lines
 * are kept while its status, reason and message stay the same (at 10k paths, building them all took
 * ~18 ms of each scrape; reusing them, ~5 ms).
 */
export class PathStatusText {
  private readonly lines = new Map<string, StatusLines>();

  render(paths: readonly { name: string; info: PathStatusInfo }[]): string {
    const status: string[] = [STATUS_HELP];
    const problem: string[] = [PROBLEM_HELP];
    for (const { name, info } of paths) {
      let l = this.lines.get(name);
      if (!l || l.status !== info.status || l.reason !== info.reason || l.message !== info.message) {
        l = statusLines(name, info);
        this.lines.set(name, l);
      }
      status.push(l.text);
      if (l.problem) problem.push(l.problem);
    }
    // Paths a reload removed: forget their lines.
    if (this.lines.size > paths.length) {
      const keep = new Set(paths.map((p) => p.name));
      for (const name of this.lines.keys()) if (!keep.has(name)) this.lines.delete(name);
    }
    return status.join('') + problem.join('');
  }
}

const UNEXPECTED_HELP =
  '# HELP ovncp_path_unexpected_services Open port ranges (and ICMP) outside the expect_services of the path, summed over its checks. Value from the last scheduled or change-driven checks of the path.\n# TYPE ovncp_path_unexpected_services gauge\n';

/** The exposition text of ovncp_path_unexpected_services for the paths with expect_services. */
export function renderUnexpectedServices(
  paths: readonly { name: string; states: readonly CheckState[] }[],
): string {
  if (paths.length === 0) return '';
  const lines = [UNEXPECTED_HELP];
  for (const { name, states } of paths) {
    // A path with no verdict yet (or only errors) has no value rather than a made-up 0.
    const known = states.filter((s) => s.last?.exposure);
    if (known.length === 0) continue;
    const n = known.reduce((sum, s) => sum + s.last!.exposure!.unexpected.length, 0);
    lines.push(`ovncp_path_unexpected_services{path="${escapeLabel(name)}"} ${n}\n`);
  }
  return lines.join('');
}
