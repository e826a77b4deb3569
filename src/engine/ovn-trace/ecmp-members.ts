// ECMP routes: northd 23.03 writes `reg8[16..31] = select(1, 2, …)` (23.03 prints weights, `1=100`),
// and ovn-trace takes ONE member at random unless --select-id names it. Our verdict covers every
// member (the model follows them all), so when a trace hits a select each member is traced again with
// `--select-id=N` (one-shot: the daemon's select id is fixed at start) and the results are united.

import type { TraceTree } from '../result/tree.ts';
import type { TraceRun } from './build-result.ts';
import type { ParsedTrace } from './parse-detailed.ts';
import { type TreeInput, uniteAlternatives } from './unite-results.ts';

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

/** One tree for all members: reached if any member is; outputs united; the first reaching one shown. */
export function combineMembers(
  input: TreeInput,
  ids: readonly number[],
  runs: readonly TraceRun[],
): TraceTree {
  return uniteAlternatives(
    input,
    ids.map((id, i) => ({ run: runs[i]!, name: String(id), flag: `--select-id=${id}` })),
    (missed) => `Only some ECMP members reach the destination: member ${missed.join(', ')} does not`,
  );
}
