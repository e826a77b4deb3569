// Why a verdict flipped: per path, its last transitions (bounded, `paths.history`), each with the time,
// the check, the verdict before and after, and what re-ran the check: the NB rows whose change did
// (ACL name/uuid/match/owner, port group, route, …), a schedule, a reload or the first round. Also the
// metric Grafana draws annotations from: ovncp_path_last_flip_timestamp_seconds, one series per path
// that ever flipped, with the bounded labels `cause` (the trigger, `nb:<table>` for an NB change) and
// `verdict` (the new one).

import type { ChangedRow, ChangedRows } from '../ovn/topology/changed-rows.ts';
import type { Check } from './expand.ts';
import { escapeLabel } from './path-metrics.ts';
import type { Trigger } from './results.ts';

export interface Transition {
  /** ms epoch of the run that saw the new verdict. */
  readonly at: number;
  readonly source_port: string;
  readonly destination: string;
  readonly protocol: string;
  readonly port: number | null;
  /** Verdict before and after: reachable, blocked or error:REASON. */
  readonly from: string | null;
  readonly to: string;
  readonly trigger: Trigger;
  /** For an NB change: the rows that changed (at most 10) and how many more there were. */
  readonly rows: readonly ChangedRow[] | null;
  readonly more_rows: number;
  readonly blocked_by: string | null;
}

/** The `cause` label: the trigger, or `nb:<table of the first changed row>` for an NB change. */
export function causeLabel(t: Pick<Transition, 'trigger' | 'rows'>): string {
  if (t.trigger !== 'topology') return t.trigger;
  const table = t.rows?.[0]?.table;
  return table ? `nb:${table}` : 'topology';
}

const HELP =
  '# HELP ovncp_path_last_flip_timestamp_seconds Unix time a check of the path last flipped (changed verdict after its first one), with what caused it (cause: schedule, reload, manual, nb:<NB table of the first changed row>) and the new verdict. For Grafana annotations; details in GET /api/v1/paths/NAME.\n# TYPE ovncp_path_last_flip_timestamp_seconds gauge\n';

export class VerdictHistory {
  private readonly byPath = new Map<string, Transition[]>();
  private readonly last = new Map<string, Transition>();

  constructor(private readonly size: number) {}

  record(
    check: Check,
    t: Omit<Transition, 'source_port' | 'destination' | 'protocol' | 'port' | 'rows' | 'more_rows'>,
    cause: ChangedRows | null,
  ): void {
    const full: Transition = {
      ...t,
      source_port: check.sourcePort,
      destination: check.destination,
      protocol: check.protocol,
      port: check.port,
      rows: cause ? cause.rows : null,
      more_rows: cause ? cause.total - cause.rows.length : 0,
    };
    const path = check.path.name;
    // A first verdict is not a transition: with a group path it would push every real one out.
    if (full.from === null) return;
    this.last.set(path, full);
    if (this.size === 0) return;
    const list = this.byPath.get(path) ?? [];
    list.push(full);
    if (list.length > this.size) list.splice(0, list.length - this.size);
    this.byPath.set(path, list);
  }

  /** The path's transitions, newest first. */
  of(path: string): Transition[] {
    return [...(this.byPath.get(path) ?? [])].reverse();
  }

  /** Forgets paths no longer configured. */
  retain(paths: ReadonlySet<string>): void {
    for (const m of [this.byPath, this.last]) for (const k of m.keys()) if (!paths.has(k)) m.delete(k);
  }

  render(): string {
    const lines = [HELP];
    for (const [path, t] of this.last) {
      const verdict = t.to.replace(/:.*/, '');
      lines.push(
        `ovncp_path_last_flip_timestamp_seconds{path="${escapeLabel(path)}",cause="${escapeLabel(causeLabel(t))}",verdict="${verdict}"} ${t.at / 1000}\n`,
      );
    }
    return lines.join('');
  }
}
