// Expands configured paths into checks: one per (source, destination, protocol, port). Groups become
// their member ports (a reachability matrix, minus self-pairs), ICMP is checked once whatever the
// ports, and the total is capped so a large group cannot explode the scheduler or /metrics.

import type { Protocol } from '../engine/types.ts';

/** A check's protocol: one traced protocol, or `services` for an expect_services check (every port). */
export type CheckProtocol = Protocol | 'services';

import { OvncpError } from '../errors.ts';
import type { Topology } from '../ovn/topology/types.ts';
import type { PathSpec, PathsConfig } from './paths-config.ts';

/** One unit of work: a single trace whose verdict is one Prometheus series. */
export interface Check {
  /** Unique and stable across reloads: path|source|destination|protocol|port. */
  readonly key: string;
  readonly path: PathSpec;
  readonly sourcePort: string;
  /** As it appears in the `destination` label: a logical port name or an IP. */
  readonly destination: string;
  readonly destinationKind: 'port' | 'ip';
  readonly protocol: CheckProtocol;
  readonly port: number | null;
}

/** Why a path cannot be checked as configured: a short metric-label reason and a sentence. */
export interface PathProblem {
  /** `group_not_found` or `max_checks_exceeded`. */
  readonly reason: string;
  readonly message: string;
}

export interface Expansion {
  readonly checks: readonly Check[];
  /** Non-fatal problems (e.g. a group missing from the current topology), per path name. */
  readonly problems: ReadonlyMap<string, PathProblem>;
}

function members(topo: Topology | null, group: string): string[] | null {
  const g = topo?.portGroups.get(group);
  return g ? [...g.ports].sort() : null;
}

function endpoints(spec: PathSpec, topo: Topology | null): { src: string[]; dst: string[] } | PathProblem {
  const missing = (field: string, name: string): PathProblem => ({
    reason: 'group_not_found',
    message: `${field} "${name}" is not a port group of the current topology`,
  });
  const src = spec.source.kind === 'group' ? members(topo, spec.source.name) : [spec.source.name];
  if (!src) return missing('source_group', spec.source.name);
  const dst =
    spec.destination.kind === 'group' ? members(topo, spec.destination.name) : [spec.destination.name];
  if (!dst) return missing('destination_group', spec.destination.name);
  return { src, dst };
}

function* pairsOf(spec: PathSpec): Generator<[CheckProtocol, number | null]> {
  if (spec.expectServices) {
    yield ['services', null];
    return;
  }
  for (const proto of spec.protocols) {
    if (proto === 'icmp') yield [proto, null];
    else for (const port of spec.ports) yield [proto, port];
  }
}

function expandOne(spec: PathSpec, src: string[], dst: string[], out: Check[], limit: number): boolean {
  const grouped = spec.source.kind === 'group' || spec.destination.kind === 'group';
  const destinationKind = spec.destination.kind === 'ip' ? 'ip' : 'port';
  for (const s of src)
    for (const d of dst) {
      if (grouped && s === d) continue; // a port talking to itself says nothing about the network
      for (const [protocol, port] of pairsOf(spec)) {
        if (out.length >= limit) return false;
        const key = `${spec.name}|${s}|${d}|${protocol}|${port ?? ''}`;
        out.push({ key, path: spec, sourcePort: s, destination: d, destinationKind, protocol, port });
      }
    }
  return true;
}

/**
 * Expands every path. Over `maxChecks` in total: throws OVNCP_ERR_CONFIG when `strict` (loading or
 * reloading, so the old config stays), else truncates and reports it (a topology change grew a group).
 */
export function expandPaths(config: PathsConfig, topo: Topology | null, strict: boolean): Expansion {
  const checks: Check[] = [];
  const problems = new Map<string, PathProblem>();
  let full = false;
  for (const spec of config.paths) {
    if (full) {
      // Past the cap every later path has no checks: say so, or it would look like an empty group.
      problems.set(spec.name, {
        reason: 'max_checks_exceeded',
        message: `not expanded: earlier paths reached max_checks (${config.maxChecks})`,
      });
      continue;
    }
    const ep = endpoints(spec, topo);
    if ('reason' in ep) {
      problems.set(spec.name, ep);
      continue;
    }
    if (!expandOne(spec, ep.src, ep.dst, checks, config.maxChecks)) {
      const msg = `path "${spec.name}" expands past max_checks (${config.maxChecks}); raise max_checks or narrow the groups`;
      if (strict) throw new OvncpError('OVNCP_ERR_CONFIG', `${config.file ?? 'paths'}:${spec.line}: ${msg}`);
      problems.set(spec.name, { reason: 'max_checks_exceeded', message: msg });
      full = true;
    }
  }
  return { checks, problems };
}
