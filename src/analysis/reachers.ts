// Who can reach a port: every source port of the network that reaches a destination port on one service,
// with the ACLs that let it through. Ports that trace alike are grouped first (source-classes.ts) and one
// port per class is traced; the answer groups the reaching classes by switch, port groups and deciding
// ACLs, which is how operators read "who can reach the database on 5432".

import { topologyRefs } from '../engine/model/compile/refs.ts';
import { allowedByView } from '../engine/result/outcome.ts';
import type { AllowedBy, EngineName, Protocol, TraceEngine } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { familyOf, portAddresses, primaryIp } from '../ovn/topology/port-addresses.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { traceWithin } from './run-trace.ts';
import { type SourceClass, sourceClasses } from './source-classes.ts';

export interface ReachersRequest {
  destination_port: string;
  /** Default: tcp when a port is given, else icmp. */
  protocol?: Protocol | undefined;
  /** Destination port number; required for tcp and udp. */
  port?: number | undefined;
  /** Which address of the destination port to trace to (default: its first IPv4, else first IP). */
  destination_ip?: string | undefined;
  max_hops?: number | undefined;
}

export interface ReacherGroup {
  /** Source ports, by name. */
  readonly ports: string[];
  readonly switch: string;
  readonly port_groups: readonly string[];
  /** The ACL stages that let these sources through ([] when no ACL stage was met). */
  readonly allowed_by: readonly AllowedBy[];
}

export interface ReachersAnswer {
  readonly destination_port: string;
  readonly destination_ip: string;
  readonly protocol: Protocol;
  readonly port?: number;
  readonly sources: ReacherGroup[];
  /** Source ports that reach the destination (the sum of the groups' ports). */
  readonly reaching: number;
  /** VIF ports considered, and how many classes they fell into (= traces run). */
  readonly considered: number;
  readonly classes: number;
  /** Ports that could not be asked (no address of the destination's family). */
  readonly skipped: number;
  readonly engine: EngineName;
  readonly warnings: string[];
}

export interface ReachersOptions {
  readonly network: Topology;
  /** Bound on source classes (= traces) per request (analysis.max_sources); refused before tracing. */
  readonly maxSources: number;
  readonly signal?: AbortSignal;
}

function service(req: ReachersRequest): { protocol: Protocol; port?: number } {
  const protocol = req.protocol ?? (req.port === undefined ? 'icmp' : 'tcp');
  if (protocol === 'icmp') return { protocol };
  if (req.port === undefined) {
    throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `port is required for ${protocol}`, { field: 'port' });
  }
  return { protocol, port: req.port };
}

function destinationIp(t: Topology, req: ReachersRequest): { name: string; ip: string } {
  const found = portAddresses(t, req.destination_port);
  if (!found) {
    throw new OvncpError('OVNCP_ERR_PORT_NOT_FOUND', `Port not found: ${req.destination_port}`, {
      field: 'destination_port',
    });
  }
  const ip = req.destination_ip ?? primaryIp(t, found.port_name);
  if (!ip) {
    throw new OvncpError('OVNCP_ERR_UNRESOLVABLE', `Port ${found.port_name} has no IP address`, {
      field: 'destination_port',
    });
  }
  return { name: found.port_name, ip };
}

/** Classes grouped for the answer: same switch, same port groups, same deciding ACLs. */
function group(reaching: readonly { c: SourceClass; allowedBy: readonly AllowedBy[] }[]): ReacherGroup[] {
  const byKey = new Map<string, ReacherGroup>();
  for (const { c, allowedBy } of reaching) {
    const acls = allowedBy.map((a) => `${a.datapath}/${a.stage}/${a.acl?.uuid ?? a.acl?.match ?? '-'}`);
    const key = [c.switchName, c.portGroups.join(','), acls.join(' ')].join('\n');
    const g = byKey.get(key);
    if (g) g.ports.push(...c.ports);
    else {
      byKey.set(key, {
        ports: [...c.ports],
        switch: c.switchName,
        port_groups: c.portGroups,
        allowed_by: allowedBy,
      });
    }
  }
  const out = [...byKey.values()];
  for (const g of out) g.ports.sort();
  return out.sort((a, b) => a.switch.localeCompare(b.switch) || a.ports[0]!.localeCompare(b.ports[0]!));
}

/** Every source port that reaches `destination_port` on the service, grouped (see the file comment). */
export async function reachers(
  engine: TraceEngine,
  req: ReachersRequest,
  opts: ReachersOptions,
): Promise<ReachersAnswer> {
  const t = opts.network;
  const svc = service(req);
  const dst = destinationIp(t, req);
  const cands = sourceClasses(t, topologyRefs(t), familyOf(dst.ip), dst.name);
  if (cands.classes.length > opts.maxSources) {
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `${cands.classes.length} groups of source ports would be traced; the limit is ${opts.maxSources} (analysis.max_sources)`,
      { field: 'destination_port' },
    );
  }
  const reaching: { c: SourceClass; allowedBy: readonly AllowedBy[] }[] = [];
  const warnings = new Set<string>();
  let engineName: EngineName = engine.name;
  for (const c of cands.classes) {
    const tree = await traceWithin(
      engine,
      {
        source_port: c.ports[0]!,
        source_mac: c.mac,
        source_ip: c.ip,
        destination_ip: dst.ip,
        protocol: svc.protocol,
        ...(svc.port === undefined ? {} : { destination_port_num: svc.port }),
        max_hops: req.max_hops,
      },
      t,
      opts.signal,
      'outcome',
    );
    engineName = tree.engine;
    for (const w of tree.warnings) if (!/auto-filled|source_(mac|ip)/.test(w)) warnings.add(w);
    if (tree.reached) reaching.push({ c, allowedBy: allowedByView(tree) });
  }
  const sources = group(reaching);
  return {
    destination_port: dst.name,
    destination_ip: dst.ip,
    protocol: svc.protocol,
    ...(svc.port === undefined ? {} : { port: svc.port }),
    sources,
    reaching: sources.reduce((n, g) => n + g.ports.length, 0),
    considered: cands.considered,
    classes: cands.classes.length,
    skipped: cands.skipped.length,
    engine: engineName,
    warnings: [...warnings],
  };
}
