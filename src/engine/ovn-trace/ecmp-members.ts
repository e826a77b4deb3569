// ECMP routes: northd 23.03 writes `reg8[16..31] = select(1, 2, …)` (23.03 prints weights, `1=100`),
// and ovn-trace takes ONE member at random unless --select-id names it. Our verdict covers every
// member (the model follows them all), so when a trace hits a select each member is traced again with
// `--select-id=N` (one-shot: the daemon's select id is fixed at start) and the results are united.

import type { TraceResult } from '../types.ts';
import type { ParsedTrace } from './parse-detailed.ts';

/** Member ids of the first select() the traced packet went through (not OVN-generated packets). */
export function ecmpMembersOf(parsed: ParsedTrace): number[] {
  for (const step of parsed.steps) {
    if (step.kind !== 'table' || step.generated) continue;
    for (const a of step.actions) {
      const m = /select\(([^)]*)\)/.exec(a);
      if (!m) continue;
      return m[1]!
        .split(',')
        .map((s) => Number.parseInt(s.trim().split('=')[0]!, 10))
        .filter((n) => Number.isInteger(n) && n > 0);
    }
  }
  return [];
}

/** One result for all members: reached if any member is; outputs united; the first reaching one shown. */
export function combineMembers(ids: readonly number[], results: readonly TraceResult[]): TraceResult {
  const shown = results.find((r) => r.reaches_destination) ?? results[0]!;
  const reached = results.some((r) => r.reaches_destination);
  const missed = ids.filter((_, i) => !results[i]!.reaches_destination);
  const warnings = [...shown.warnings];
  if (reached && missed.length > 0)
    warnings.push(`Only some ECMP members reach the destination: member ${missed.join(', ')} does not`);
  const raws = results.map((r, i) => (r.raw === undefined ? null : `## --select-id=${ids[i]}\n${r.raw}`));
  return {
    ...shown,
    reaches_destination: reached,
    dropped_at: reached ? null : shown.dropped_at,
    output_ports: [...new Set(results.flatMap((r) => r.output_ports))],
    warnings,
    ...(shown.raw === undefined ? {} : { raw: raws.filter((x) => x !== null).join('\n') }),
  };
}
