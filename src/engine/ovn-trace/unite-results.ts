// Makes the result tree of an ovn-trace engine trace from its runs: one run, or one per choice OVN
// makes by hashing (an ECMP member, a load-balancer backend), each run a branch. Reached when any run
// is; outputs united; the first reaching run shown (else the first); a warning names the alternatives
// that do not get through; verbose raw texts are joined under the option that chose each.

import { formatIp } from '../../ovn/net/addr.ts';
import type { TraceTree } from '../result/tree.ts';
import type { ResolvedRequest, TraceRequest } from '../types.ts';
import type { TraceRun } from './build-result.ts';

export interface Alternative {
  readonly run: TraceRun;
  /** How the warning names it (member id, backend). */
  readonly name: string;
  /** The ovn-trace option that chose it, heading its raw output. */
  readonly flag: string;
}

export interface TreeInput {
  readonly request: TraceRequest;
  readonly resolved: ResolvedRequest;
}

function base(input: TreeInput, shown: TraceRun, runs: readonly TraceRun[]) {
  const reached = runs.some((r) => r.branch.reached);
  return {
    engine: 'ovn-trace' as const,
    request: input.request,
    from: input.resolved.sourcePort,
    to: formatIp(input.resolved.dstIp),
    branches: runs.map((r) => r.branch),
    shown: shown.branch,
    reached,
    outputPorts: [...new Set(runs.flatMap((r) => r.branch.outputs))],
    visited: null,
    acl: shown.acl,
    truncated: runs.some((r) => r.truncated),
  };
}

/** The tree of a trace that took one ovn-trace run. */
export function treeOfRun(input: TreeInput, run: TraceRun): TraceTree {
  const tree: TraceTree = { ...base(input, run, [run]), warnings: run.warnings };
  return input.resolved.verbose ? { ...tree, raw: run.raw } : tree;
}

/** The tree of a trace whose runs differ only in a hashed choice (ECMP member, LB backend). */
export function uniteAlternatives(
  input: TreeInput,
  alts: readonly Alternative[],
  partialWarning: (missed: readonly string[]) => string,
): TraceTree {
  const shown = (alts.find((a) => a.run.branch.reached) ?? alts[0]!).run;
  const tree = base(
    input,
    shown,
    alts.map((a) => a.run),
  );
  const missed = alts.filter((a) => !a.run.branch.reached).map((a) => a.name);
  const warnings = [...shown.warnings];
  if (tree.reached && missed.length > 0) warnings.push(partialWarning(missed));
  if (!input.resolved.verbose) return { ...tree, warnings };
  return { ...tree, warnings, raw: alts.map((a) => `## ${a.flag}\n${a.run.raw}`).join('\n') };
}
