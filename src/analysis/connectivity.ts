// Connectivity analysis: from one source port to several target ports, say which targets are reachable,
// on what, and what blocks the rest (the deciding ACL, or the routing step where the packet died). With
// protocols or ports given, those services are traced; without, every target gets the exact allowed
// services (allowed-services.ts): ICMP and every TCP/UDP port range, keyed `tcp:80` or `tcp:81-442`.

import { toTraceResult } from '../engine/result/api.ts';
import type { EngineName, Protocol, TraceEngine } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { familyOf, portAddresses, portIps, primaryIp } from '../ovn/topology/port-addresses.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { allowedServices, SERVICE_PROTOCOLS } from './allowed-services.ts';
import { blockedBy, diedRouting } from './blocked-by.ts';
import type { FanOutOptions } from './multi-path.ts';
import { checkTraceBudget, traceWithin } from './run-trace.ts';
import { expandServices, type Service, serviceKey } from './services.ts';

export interface ConnectivityRequest {
  source_port: string;
  target_ports: string[];
  protocols?: Protocol[] | undefined;
  ports?: number[] | undefined;
  max_hops?: number | undefined;
}

export interface TargetResult {
  port_name: string;
  port_ip: string | null;
  /** True when at least one tested service reaches the port. */
  reachable: boolean;
  /** Service key (`icmp`, `tcp:3306`) -> reached. */
  protocols: Record<string, boolean>;
  /** Service key -> what blocked it, for the services that did not get through. */
  blocked_by?: Record<string, string>;
}

export interface ConnectivityResult {
  source_port: string;
  target_ports: TargetResult[];
  /** True when every target port is reachable. */
  fully_reachable: boolean;
  recommendations: string[];
  engine: EngineName;
  warnings: string[];
}

interface Plan {
  readonly name: string;
  readonly ip: string | null;
  /** The services to trace; null: the exact allowed services (every port range). */
  readonly services: readonly Service[] | null;
  /** Why nothing is traced to this target although it has addresses. */
  readonly untestable?: string;
}

function servicesFor(req: ConnectivityRequest): Service[] | null {
  if (req.protocols || req.ports) return expandServices(req.protocols, req.ports);
  return null;
}

/** The address families the source port can send from (null: unknown port or no address; the trace says). */
function sourceFamilies(t: Topology, source: string): ReadonlySet<4 | 6> | null {
  const fams = new Set(portIps(t, source).map(familyOf));
  return fams.size > 0 ? fams : null;
}

function plan(t: Topology, req: ConnectivityRequest): Plan[] {
  const families = sourceFamilies(t, req.source_port);
  return req.target_ports.map((target, i) => {
    const found = portAddresses(t, target);
    if (!found) {
      throw new OvncpError('OVNCP_ERR_PORT_NOT_FOUND', `Target port not found: ${target}`, {
        field: `target_ports[${i}]`,
      });
    }
    const name = found.port_name;
    const ip = primaryIp(t, target, families ?? undefined);
    if (ip) return { name, ip, services: servicesFor(req) };
    // An IPv6-only target seen from an IPv4-only source (or the reverse): a result, not an error.
    const other = primaryIp(t, target);
    if (!other) return { name, ip: null, services: [] };
    const fam = (f: 4 | 6) => `IPv${f}`;
    const has = [...(families ?? [])].map(fam).join('/');
    return {
      name,
      ip: other,
      services: [],
      untestable: `${name} has only ${fam(familyOf(other))} addresses and ${req.source_port} only ${has}: no common address family to test`,
    };
  });
}

interface Acc {
  engine: EngineName;
  readonly warnings: Set<string>;
  readonly routing: Set<string>;
  /** Traces left for the rest of the request. */
  budget: number;
}

/** Every range of the exact allowed services, as connectivity's protocol keys. */
async function traceExact(
  t: Topology,
  engine: TraceEngine,
  req: ConnectivityRequest,
  p: Plan,
  acc: Acc,
  signal?: AbortSignal,
): Promise<TargetResult> {
  const out: TargetResult = { port_name: p.name, port_ip: p.ip, reachable: false, protocols: {} };
  const blocked: Record<string, string> = {};
  const a = await allowedServices(
    engine,
    { source_port: req.source_port, destination_ip: p.ip ?? undefined, max_hops: req.max_hops },
    {
      network: t,
      maxTraces: acc.budget,
      limit: { setting: 'web.max_traces_per_request, for all targets', field: 'target_ports' },
      ...(signal ? { signal } : {}),
    },
  );
  acc.budget -= a.traces;
  acc.engine = a.engine;
  for (const w of a.warnings) acc.warnings.add(w);
  const note = (key: string, r: { reachable: boolean; blocked_by?: string }) => {
    out.protocols[key] = r.reachable;
    if (r.reachable) out.reachable = true;
    else blocked[key] = r.blocked_by ?? 'not delivered';
  };
  note('icmp', a.icmp);
  for (const proto of SERVICE_PROTOCOLS) {
    for (const r of a[proto]) note(r.from === r.to ? `${proto}:${r.from}` : `${proto}:${r.from}-${r.to}`, r);
  }
  if (Object.keys(blocked).length > 0) out.blocked_by = blocked;
  return out;
}

async function traceTarget(
  t: Topology,
  engine: TraceEngine,
  req: ConnectivityRequest,
  p: Plan,
  acc: Acc,
  signal?: AbortSignal,
) {
  if (p.services === null) return traceExact(t, engine, req, p, acc, signal);
  const out: TargetResult = { port_name: p.name, port_ip: p.ip, reachable: false, protocols: {} };
  const blocked: Record<string, string> = {};
  for (const s of p.services) {
    const tree = await traceWithin(
      engine,
      {
        source_port: req.source_port,
        destination_ip: p.ip ?? undefined,
        protocol: s.protocol,
        destination_port_num: s.port,
        max_hops: req.max_hops,
      },
      t,
      signal,
    );
    const r = toTraceResult(tree);
    acc.engine = r.engine;
    for (const w of r.warnings) acc.warnings.add(w);
    out.protocols[serviceKey(s)] = r.reaches_destination;
    if (r.reaches_destination) out.reachable = true;
    else blocked[serviceKey(s)] = blockedBy(r) ?? 'not delivered';
    if (diedRouting(r)) acc.routing.add(p.name);
  }
  if (Object.keys(blocked).length > 0) out.blocked_by = blocked;
  return out;
}

function recommend(targets: readonly TargetResult[], routing: ReadonlySet<string>): string[] {
  const recs: string[] = [];
  const down = targets.filter((t) => !t.reachable).map((t) => t.port_name);
  if (down.length > 0) recs.push(`The following ports are unreachable: ${down.join(', ')}`);
  for (const t of targets) {
    if (t.port_ip === null) recs.push(`${t.port_name} has no IP address to test; give it an address`);
    for (const [svc, why] of Object.entries(t.blocked_by ?? {})) {
      recs.push(`${t.port_name} ${svc} is blocked by ${why}`);
    }
  }
  const acl = targets.some((t) => Object.values(t.blocked_by ?? {}).some((b) => b.startsWith('ACL: ')));
  if (acl) recs.push('Review the ACLs named above if that traffic should be allowed');
  if (routing.size > 0) {
    recs.push(
      `Check routing towards ${[...routing].join(', ')}: packets died at a routing step (missing route, discard route or TTL)`,
    );
  }
  return recs;
}

export async function connectivity(
  t: Topology,
  engine: TraceEngine,
  req: ConnectivityRequest,
  opts: Omit<FanOutOptions, 'network'>,
): Promise<ConnectivityResult> {
  const plans = plan(t, req);
  // Exact services are counted while they run (their pieces are learnt from the traces).
  checkTraceBudget(
    plans.reduce((n, p) => n + (p.services?.length ?? 0), 0),
    opts.maxTraces,
    'target_ports',
  );
  const acc: Acc = { engine: engine.name, warnings: new Set(), routing: new Set(), budget: opts.maxTraces };
  const targets: TargetResult[] = [];
  for (const p of plans) targets.push(await traceTarget(t, engine, req, p, acc, opts.signal));
  return {
    source_port: req.source_port,
    target_ports: targets,
    fully_reachable: targets.every((x) => x.reachable),
    recommendations: [
      ...recommend(targets, acc.routing),
      ...plans.flatMap((p) => (p.untestable ? [p.untestable] : [])),
    ],
    engine: acc.engine,
    warnings: [...acc.warnings],
  };
}
