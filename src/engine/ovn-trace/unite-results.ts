// One verdict from several ovn-trace runs of the same packet that differ only in a choice OVN makes by
// hashing (an ECMP member, a load-balancer backend): reached when any run is, outputs united, the first
// reaching run shown, and a warning naming the alternatives that do not get through.

import type { TraceResult } from '../types.ts';

export interface Alternative {
  readonly result: TraceResult;
  /** How the warning names it (member id, backend). */
  readonly name: string;
  /** The ovn-trace option that chose it, heading its raw output. */
  readonly flag: string;
}

export function uniteAlternatives(
  alts: readonly Alternative[],
  partialWarning: (missed: readonly string[]) => string,
): TraceResult {
  const shown = (alts.find((a) => a.result.reaches_destination) ?? alts[0]!).result;
  const reached = alts.some((a) => a.result.reaches_destination);
  const missed = alts.filter((a) => !a.result.reaches_destination).map((a) => a.name);
  const warnings = [...shown.warnings];
  if (reached && missed.length > 0) warnings.push(partialWarning(missed));
  const raws = alts.flatMap((a) => (a.result.raw === undefined ? [] : [`## ${a.flag}\n${a.result.raw}`]));
  return {
    ...shown,
    reaches_destination: reached,
    dropped_at: reached ? null : shown.dropped_at,
    output_ports: [...new Set(alts.flatMap((a) => a.result.output_ports))],
    warnings,
    ...(shown.raw === undefined ? {} : { raw: raws.join('\n') }),
  };
}
