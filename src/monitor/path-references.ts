// Checks the names and addresses a paths file uses against a topology: every port and port group a path
// names must exist, every IP and MAC it gives must parse. Used by `validate`, which runs it against the
// topology the daemon would run on, so a typo fails before deployment instead of becoming a path that
// silently errors. Missing names are separate from unparsable text: a path may be written before its
// ports exist (`validate --allow-missing`), a bad address never becomes right.

import { parseIp, parseMac } from '../ovn/net/addr.ts';
import type { Topology } from '../ovn/topology/types.ts';
import type { PathSpec, PathsConfig } from './paths-config.ts';

export interface ReferenceProblem {
  readonly path: string;
  /** `file:line: message`, the location of the path's entry. */
  readonly text: string;
  /** `missing`: a name not in the topology; `invalid`: text that does not parse. */
  readonly kind: 'missing' | 'invalid';
}

function endpointProblems(p: PathSpec, topo: Topology): [ReferenceProblem['kind'], string][] {
  const out: [ReferenceProblem['kind'], string][] = [];
  for (const [side, e] of [
    ['source', p.source],
    ['destination', p.destination],
  ] as const) {
    if (e.kind === 'port' && !topo.ports.has(e.name))
      out.push([
        'missing',
        `${side === 'source' ? 'source_port' : 'destination'} "${e.name}" is not a logical switch port of the topology`,
      ]);
    if (e.kind === 'group' && !topo.portGroups.has(e.name))
      out.push(['missing', `${side}_group "${e.name}" is not a port group of the topology`]);
    if (e.kind === 'ip' && !parseIp(e.name))
      out.push(['invalid', `destination_ip "${e.name}" is not an IPv4 or IPv6 address`]);
  }
  return out;
}

function overrideProblems(p: PathSpec): [ReferenceProblem['kind'], string][] {
  const o = p.overrides;
  const out: [ReferenceProblem['kind'], string][] = [];
  if (o.source_ip !== undefined && !parseIp(o.source_ip))
    out.push(['invalid', `source_ip "${o.source_ip}" is not an IPv4 or IPv6 address`]);
  for (const field of ['source_mac', 'destination_mac'] as const) {
    const v = o[field];
    if (v !== undefined && parseMac(v) === null)
      out.push(['invalid', `${field} "${v}" is not a MAC address`]);
  }
  return out;
}

/** Every reference problem of every path, in file order. */
export function checkPathReferences(config: PathsConfig, topo: Topology): ReferenceProblem[] {
  const file = config.file ?? 'paths';
  return config.paths.flatMap((p) =>
    [...endpointProblems(p, topo), ...overrideProblems(p)].map(([kind, message]) => ({
      path: p.name,
      kind,
      text: `${file}:${p.line}: path "${p.name}": ${message}`,
    })),
  );
}
