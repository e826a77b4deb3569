// The CLI side of before/after comparisons (`check --what-if`, `diff`): the changes file, the table of
// flipped checks and traces, and the exit code of a CI gate (1 when an expectation would become unmet).

import { z } from 'zod';
import { whatIfRequestSchema } from '../../api/what-if-routes.ts';
import { readYamlFile, unwrapLoaded } from '../../config/yaml-file.ts';
import type { Comparison, SideVerdict } from '../../monitor/what-if.ts';

/** A changes file: the what-if request body, or just its list of changes. */
const changesFileSchema = z.union([whatIfRequestSchema, z.array(z.record(z.string(), z.unknown())).min(1)]);

export function loadChangesFile(file: string): z.infer<typeof whatIfRequestSchema> {
  const v = unwrapLoaded(readYamlFile(file, changesFileSchema), 'OVNCP_ERR_CONFIG').value;
  return Array.isArray(v) ? { changes: v } : v;
}

function side(v: SideVerdict): string {
  return v.verdict === 'blocked' && v.blocked_by ? `blocked by ${v.blocked_by}` : v.verdict;
}

/** One line per flipped check and per ad-hoc trace, then a summary line. */
export function renderComparison(c: Comparison, title: string): string {
  const lines = [`${title} (engine: ${c.engine})`];
  const head = ['PATH', 'SOURCE', 'DESTINATION', 'PROTO', 'EXPECT', 'BEFORE', 'AFTER', 'RESULT'];
  const cells = c.flipped.map((f) => [
    f.path,
    f.source_port,
    f.destination,
    `${f.protocol}${f.port !== null ? `/${f.port}` : ''}`,
    f.expect,
    side(f.before),
    side(f.after),
    f.expectation_met_after === false ? 'WOULD BE UNMET' : f.expectation_met_after ? 'ok' : 'error',
  ]);
  if (cells.length > 0) {
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r
        .map((x, i) => x.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    lines.push(line(head), ...cells.map(line));
  }
  for (const t of c.traces) {
    const r = t.request;
    const what = `${r.source_port} -> ${r.destination_ip ?? '?'} ${r.protocol ?? 'tcp'}${r.destination_port_num !== undefined ? `/${r.destination_port_num}` : ''}`;
    lines.push(`trace ${what}: ${side(t.before)} -> ${side(t.after)}${t.flipped ? '  (flipped)' : ''}`);
  }
  lines.push(
    `${c.checks} checks: ${c.flipped.length} flipped, ${c.unchanged} unchanged; ${c.newly_unmet} expectation(s) would become unmet, ${c.newly_met} would become met`,
  );
  return `${lines.join('\n')}\n`;
}

/** The gate: fail when any expectation would become unmet. */
export function gateExitCode(c: Comparison): number {
  return c.newly_unmet > 0 ? 1 : 0;
}
