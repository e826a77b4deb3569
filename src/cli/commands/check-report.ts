// Renderings of a `check` run: a plain table for people, JSON and JUnit XML for CI pipelines.

import type { PathStatusInfo } from '../../monitor/path-status.ts';
import type { PathSpec } from '../../monitor/paths-config.ts';
import type { CheckState } from '../../monitor/results.ts';
import { expectationMet, verdictOf } from '../../monitor/results.ts';

export interface CheckRow {
  readonly path: string;
  readonly source_port: string;
  readonly destination: string;
  readonly protocol: string;
  readonly port: number | null;
  readonly expect: string;
  readonly verdict: string;
  /** true met, false unmet, null errored (counts as a failure: nothing was verified). */
  readonly expectation_met: boolean | null;
  /** Why: the error, what blocked the packet, or (reached) what let it through each ACL stage. */
  readonly detail: string;
  /** What let the packet through each ACL stage it passed (see CheckOutcome.allowedBy); null if none. */
  readonly allowed_by: string | null;
  /** Set on the row standing for a path that has no check to show (status error or no_checks). */
  readonly path_status?: string;
}

export function rowOf(s: CheckState): CheckRow {
  const o = s.last;
  return {
    path: s.check.path.name,
    source_port: s.check.sourcePort,
    destination: s.check.destination,
    protocol: s.check.protocol,
    port: s.check.port,
    expect: s.check.path.expect,
    verdict: verdictOf(o) ?? 'not run',
    expectation_met: expectationMet(s),
    // An expect_services check says what is open, unexpected and missing (its summary).
    detail:
      o?.error?.message ??
      (o?.exposure ? o.summary : (o?.blockedBy ?? (o?.allowedBy ? `allowed by ${o.allowedBy}` : ''))),
    allowed_by: o?.allowedBy ?? null,
  };
}

/** The row of a path that cannot run or expands to nothing: `check` lists every configured path. */
export function pathRowOf(p: PathSpec, st: PathStatusInfo): CheckRow {
  return {
    path: p.name,
    source_port: p.source.kind === 'group' ? `@${p.source.name}` : p.source.name,
    destination: p.destination.kind === 'group' ? `@${p.destination.name}` : p.destination.name,
    protocol: p.protocols.join(','),
    port: null,
    expect: p.expect,
    verdict: st.reason ?? st.status,
    expectation_met: null,
    detail: st.message ?? '',
    allowed_by: null,
    path_status: st.status,
  };
}

export function renderTable(rows: readonly CheckRow[]): string {
  const head = ['PATH', 'SOURCE', 'DESTINATION', 'PROTO', 'EXPECT', 'VERDICT', 'RESULT', 'DETAIL'];
  const cells = rows.map((r) => [
    r.path,
    r.source_port,
    r.destination,
    `${r.protocol}${r.port !== null ? `/${r.port}` : ''}`,
    r.expect,
    r.verdict,
    r.expectation_met === true
      ? 'ok'
      : r.expectation_met === false
        ? 'UNMET'
        : (r.path_status ?? 'error').toUpperCase(),
    r.detail,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderJunit(rows: readonly CheckRow[], seconds: number): string {
  const failures = rows.filter((r) => r.expectation_met === false).length;
  const errors = rows.filter((r) => r.expectation_met === null).length;
  const cases = rows.map((r) => {
    const name = `${r.source_port} -> ${r.destination} ${r.protocol}${r.port !== null ? `/${r.port}` : ''}`;
    const body =
      r.expectation_met === true
        ? ''
        : r.expectation_met === false
          ? `<failure message="${xml(`expected ${r.expect}, got ${r.verdict}`)}">${xml(r.detail)}</failure>`
          : `<error message="${xml(r.verdict)}">${xml(r.detail)}</error>`;
    return `    <testcase classname="${xml(r.path)}" name="${xml(name)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="ovncp-monitor paths" tests="${rows.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
