// Before and after: the verdict of every configured check (or of the paths named) and of ad-hoc trace
// requests on two topologies, the live one and one derived from it by proposed changes (what-if), or two
// snapshot files (`diff`). Always traced with the model engine: a derived topology exists only in this
// process, and comparing like with like needs one engine on both sides. A check whose before-trace went
// through none of the datapaths that differ (diffTopologies) keeps its verdict without a second trace,
// as the monitor itself does after an NB change. Only the differences are listed unless `all` is asked.

import { outcomeOf } from '../engine/result/outcome.ts';
import type { TraceEngine, TraceRequest } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { diffTopologies, type TopologyDiff } from '../ovn/topology/diff.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { type Check, expandPaths } from './expand.ts';
import type { PathsConfig } from './paths-config.ts';
import { errorOf, runCheck } from './runner.ts';

export type VerdictName = 'reachable' | 'blocked' | 'error' | 'absent';

/** One side of a comparison. `absent`: the check does not exist on that side (a group changed). */
export interface SideVerdict {
  readonly verdict: VerdictName;
  readonly reachable: boolean | null;
  readonly blocked_by: string | null;
  readonly allowed_by: string | null;
  readonly summary: string;
}

export interface CheckComparison {
  readonly path: string;
  readonly source_port: string;
  readonly destination: string;
  readonly protocol: string;
  readonly port: number | null;
  readonly expect: string;
  readonly before: SideVerdict;
  readonly after: SideVerdict;
  /** Whether the path's expectation holds on each side (null: no verdict there). */
  readonly expectation_met_before: boolean | null;
  readonly expectation_met_after: boolean | null;
}

export interface TraceComparison {
  readonly request: TraceRequest;
  readonly flipped: boolean;
  readonly before: SideVerdict;
  readonly after: SideVerdict;
}

export interface Comparison {
  readonly engine: 'model';
  readonly flipped: CheckComparison[];
  readonly unchanged: number;
  /** Every unchanged check, only when asked for (`all`). */
  readonly unchanged_checks?: CheckComparison[];
  readonly traces: TraceComparison[];
  /** Checks whose expectation held before and would not after: what a CI gate fails on. */
  readonly newly_unmet: number;
  readonly newly_met: number;
  readonly checks: number;
  /** Checks answered from their before-trace: it crossed no datapath the changes touch. */
  readonly reused: number;
}

export interface CompareOptions {
  readonly before: Topology;
  readonly after: Topology;
  readonly config: PathsConfig;
  /** The model engine (wrapped as the caller likes, e.g. yielding to the event loop). */
  readonly engine: TraceEngine;
  /** Paths to compare (default: every configured path). */
  readonly paths?: readonly string[] | undefined;
  readonly traces?: readonly TraceRequest[] | undefined;
  readonly all?: boolean | undefined;
  /** Bound on checks + traces, enforced before any trace runs. */
  readonly maxChecks: number;
  readonly signal?: AbortSignal | undefined;
}

const ABSENT: SideVerdict = {
  verdict: 'absent',
  reachable: null,
  blocked_by: null,
  allowed_by: null,
  summary: 'no such check on this side',
};

/** The checks of the selected paths on one topology, by key. */
function checksOn(
  config: PathsConfig,
  t: Topology,
  paths: readonly string[] | undefined,
): Map<string, Check> {
  const selected = paths ? { ...config, paths: config.paths.filter((p) => paths.includes(p.name)) } : config;
  return new Map(expandPaths(selected, t, false).checks.map((c) => [c.key, c]));
}

function checkPathNames(config: PathsConfig, paths: readonly string[] | undefined): void {
  paths?.forEach((name, i) => {
    if (!config.paths.some((p) => p.name === name))
      throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `paths[${i}]: no path named "${name}"`, {
        field: `paths[${i}]`,
      });
  });
}

interface Side {
  readonly verdict: SideVerdict;
  readonly visited: readonly string[] | null;
}

async function runSide(check: Check | undefined, t: Topology, o: CompareOptions): Promise<Side> {
  if (!check) return { verdict: ABSENT, visited: null };
  const out = await runCheck(check, {
    topology: t,
    engine: () => o.engine,
    timeoutMs: o.config.timeoutMs,
    trigger: 'manual',
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (o.signal?.aborted) throw o.signal.reason;
  const verdict: VerdictName = out.error ? 'error' : out.reachable ? 'reachable' : 'blocked';
  return {
    verdict: {
      verdict,
      reachable: out.reachable,
      blocked_by: out.blockedBy,
      allowed_by: out.allowedBy,
      summary: out.summary,
    },
    visited: out.visited,
  };
}

/** The before-trace still answers for the after side: same check, no changed datapath on its way. */
function unaffected(a: Check | undefined, b: Check | undefined, before: Side, diff: TopologyDiff): boolean {
  if (!a || !b || diff.global || !before.visited) return false;
  if (diff.ports.has(a.sourcePort) || diff.ports.has(a.destination)) return false;
  return !before.visited.some((d) => diff.datapaths.has(d));
}

function met(v: SideVerdict, expect: string): boolean | null {
  return v.reachable === null ? null : v.reachable === (expect === 'reachable');
}

function comparison(c: Check, before: SideVerdict, after: SideVerdict): CheckComparison {
  return {
    path: c.path.name,
    source_port: c.sourcePort,
    destination: c.destination,
    protocol: c.protocol,
    port: c.port,
    expect: c.path.expect,
    before,
    after,
    expectation_met_before: met(before, c.path.expect),
    expectation_met_after: met(after, c.path.expect),
  };
}

async function traceSide(req: TraceRequest, t: Topology, o: CompareOptions): Promise<SideVerdict> {
  try {
    const tree = await o.engine.trace(req, {
      network: t,
      detail: 'outcome',
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const out = outcomeOf(tree);
    return {
      verdict: out.reachable ? 'reachable' : 'blocked',
      reachable: out.reachable,
      blocked_by: out.blockedBy,
      allowed_by: out.allowedBy,
      summary: out.summary,
    };
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    const e = errorOf(err);
    return { verdict: 'error', reachable: null, blocked_by: null, allowed_by: null, summary: e.message };
  }
}

/** Compares the selected checks and the ad-hoc traces on `before` and `after` (see the file header). */
export async function compareTopologies(o: CompareOptions): Promise<Comparison> {
  checkPathNames(o.config, o.paths);
  const a = checksOn(o.config, o.before, o.paths);
  const b = checksOn(o.config, o.after, o.paths);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const traces = o.traces ?? [];
  if (keys.length + traces.length > o.maxChecks)
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `this what-if needs ${keys.length} checks and ${traces.length} traces, over the limit of ${o.maxChecks} (what_if.max_checks); name fewer paths`,
      { field: o.paths ? 'paths' : traces.length > 0 ? 'traces' : 'paths' },
    );
  const diff = diffTopologies(o.before, o.after);
  const flipped: CheckComparison[] = [];
  const same: CheckComparison[] = [];
  let reused = 0;
  for (const key of keys) {
    const ca = a.get(key);
    const cb = b.get(key);
    const before = await runSide(ca, o.before, o);
    const keep = unaffected(ca, cb, before, diff);
    if (keep) reused++;
    const after = keep ? before : await runSide(cb, o.after, o);
    const row = comparison((cb ?? ca)!, before.verdict, after.verdict);
    (before.verdict.verdict === after.verdict.verdict ? same : flipped).push(row);
  }
  const traced: TraceComparison[] = [];
  for (const request of traces) {
    const before = await traceSide(request, o.before, o);
    const after = await traceSide(request, o.after, o);
    traced.push({ request, flipped: before.verdict !== after.verdict, before, after });
  }
  const all = [...flipped, ...same];
  return {
    engine: 'model',
    flipped,
    unchanged: same.length,
    ...(o.all ? { unchanged_checks: same } : {}),
    traces: traced,
    newly_unmet: all.filter((c) => c.expectation_met_before !== false && c.expectation_met_after === false)
      .length,
    newly_met: all.filter((c) => c.expectation_met_before !== true && c.expectation_met_after === true)
      .length,
    checks: keys.length,
    reused,
  };
}
