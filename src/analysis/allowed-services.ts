// Exact allowed services: every TCP and UDP destination port range (and ICMP) on which a source port
// reaches a destination, with the ACLs that let each range through. Method: a match can only tell two
// destination ports apart through the comparisons it makes on that field, so the port space is cut at
// the constants compared against by every ACL and router policy of the datapaths the packet goes
// through, and at the VIP ports of their load balancers (a VIP port is a constant too); inside one piece
// every match, and so the trace, is the same, and one trace per piece is exact. Pieces whose traces end
// alike are merged. The datapaths are learnt from the traces themselves (a policy or VIP may send some
// ports elsewhere): cut, trace, and cut again until no trace enters a datapath not yet read.
// Limits (said in warnings and the README): the source port number stays the one the request implies,
// so an ACL on tcp.src/udp.src is judged at that port only; traces model the first packet of a new
// connection (ct state new), so `ct_*` tests are judged for that packet; port 0 is not a service and is
// not tested.

import { toTraceResult } from '../engine/result/api.ts';
import { allowedByView, visitedOf } from '../engine/result/outcome.ts';
import type { TraceTree } from '../engine/result/tree.ts';
import type { AllowedBy, EngineName, TraceEngine, TraceRequest } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { l4Cuts } from '../ovn/expr/index.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { blockedBy } from './blocked-by.ts';
import { traceWithin } from './run-trace.ts';

export type ServiceProtocol = 'tcp' | 'udp';
export const SERVICE_PROTOCOLS: readonly ServiceProtocol[] = ['tcp', 'udp'];
const FIRST_PORT = 1;
const LAST_PORT = 65535;

/** The trace request fields that say who talks to whom; protocol and port numbers are the analysis's. */
export type ServicesRequest = Omit<
  TraceRequest,
  'protocol' | 'destination_port_num' | 'source_port_num' | 'verbose'
>;

/** One destination port range `from..to` (inclusive) that ends alike for every port in it. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
  readonly reachable: boolean;
  /** The ACL stages that let it through (reachable ranges; [] when no ACL stage was met). */
  readonly allowed_by: readonly AllowedBy[];
  /** What stopped it (closed ranges): `ACL: NAME (Priority: N)` or the hop where it died. */
  readonly blocked_by?: string;
}

export interface IcmpService {
  readonly reachable: boolean;
  readonly allowed_by: readonly AllowedBy[];
  readonly blocked_by?: string;
}

/** Every range of both protocols, open and closed, in port order: the API lists only the open ones. */
export interface ServicesAnswer {
  readonly tcp: readonly PortRange[];
  readonly udp: readonly PortRange[];
  readonly icmp: IcmpService;
  readonly destination_ip: string;
  /** Traces run for the answer (one per piece, plus ICMP). */
  readonly traces: number;
  readonly engine: EngineName;
  readonly warnings: readonly string[];
}

export interface ServicesOptions {
  readonly network: Topology;
  /** Bound on the traces of one request (analysis.max_ranges); refused before tracing when above. */
  readonly maxTraces: number;
  /** The setting and request field a refusal names (default analysis.max_ranges, destination_ip). */
  readonly limit?: { readonly setting: string; readonly field: string };
  readonly signal?: AbortSignal;
}

/** What one trace said, reduced to what ranges keep and compare. */
interface Verdict {
  readonly reachable: boolean;
  readonly allowedBy: readonly AllowedBy[];
  readonly blockedBy: string | undefined;
  /** Two verdicts are the same piece of answer when their keys are equal. */
  readonly key: string;
  readonly visited: readonly string[] | null;
  readonly destinationIp: string;
  readonly engine: EngineName;
  readonly warnings: readonly string[];
}

function verdictOf(tree: TraceTree): Verdict {
  const r = toTraceResult(tree);
  const allowedBy = allowedByView(tree);
  const by = blockedBy(r);
  const acls = allowedBy.map((a) => `${a.datapath}/${a.stage}/${a.acl?.uuid ?? a.acl?.match ?? '-'}`);
  return {
    reachable: tree.reached,
    allowedBy,
    blockedBy: by,
    key: tree.reached ? `open ${acls.join(' ')}` : `closed ${by ?? ''}`,
    visited: visitedOf(tree),
    destinationIp: r.request.destination_ip ?? tree.to,
    engine: tree.engine,
    warnings: r.warnings,
  };
}

/** The datapaths whose ACLs, policies and load balancers a packet may have met (all when unknown). */
function datapathsOf(t: Topology, visited: readonly string[] | null): string[] {
  return visited ? [...visited] : [...t.switches.keys(), ...t.routers.keys()];
}

/** Match texts read on `datapaths`: switch and port-group ACLs, router policies. Each once. */
function matchesOn(t: Topology, datapaths: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>(); // match -> who holds it (for warnings)
  const add = (match: string, who: string) => {
    if (!out.has(match)) out.set(match, who);
  };
  for (const dp of datapaths) {
    const sw = t.switches.get(dp);
    if (sw) {
      for (const a of sw.acls) add(a.match, aclName(a));
      for (const g of t.index.groupsBySwitch.get(dp) ?? [])
        for (const a of t.portGroups.get(g)?.acls ?? []) add(a.match, aclName(a));
    }
    for (const p of t.routers.get(dp)?.policies ?? []) add(p.match, `router ${dp} policy ${p.priority}`);
  }
  return out;
}

const aclName = (a: { name: string | null; uuid: string }): string => `ACL ${a.name ?? a.uuid}`;

/** VIP ports of the load balancers on `datapaths`, per protocol. */
function vipPorts(t: Topology, datapaths: Iterable<string>, protocol: ServiceProtocol): number[] {
  const out: number[] = [];
  for (const dp of datapaths) {
    const names = t.switches.get(dp)?.loadBalancers ?? t.routers.get(dp)?.loadBalancers ?? [];
    for (const n of names) {
      const lb = t.loadBalancers.get(n);
      if (!lb || (lb.protocol ?? 'tcp') !== protocol) continue;
      for (const v of lb.vips) if (v.port !== null) out.push(v.port);
    }
  }
  return out;
}

interface Cuts {
  readonly dst: ReadonlySet<number>;
  /** Holders of matches that test this protocol's source port (the answer is for one source port). */
  readonly srcTesters: readonly string[];
}

function cutsFor(t: Topology, datapaths: readonly string[], protocol: ServiceProtocol): Cuts {
  const dst = new Set<number>();
  const srcTesters: string[] = [];
  for (const [match, who] of matchesOn(t, datapaths)) {
    for (const c of l4Cuts(match)) {
      if (c.protocol !== protocol) continue;
      if (c.side === 'src') srcTesters.push(who);
      else for (const p of c.cuts) dst.add(p);
    }
  }
  for (const p of vipPorts(t, datapaths, protocol)) {
    dst.add(p);
    dst.add(p + 1);
  }
  return { dst, srcTesters };
}

/** Pieces [lo, hi] of FIRST_PORT..LAST_PORT cut before every point in `cuts`. */
function pieces(cuts: ReadonlySet<number>): [number, number][] {
  const points = [...cuts].filter((p) => p > FIRST_PORT && p <= LAST_PORT).sort((a, b) => a - b);
  const out: [number, number][] = [];
  let lo = FIRST_PORT;
  for (const p of points) {
    out.push([lo, p - 1]);
    lo = p;
  }
  out.push([lo, LAST_PORT]);
  return out;
}

interface Run {
  readonly engine: TraceEngine;
  readonly req: ServicesRequest;
  readonly opts: ServicesOptions;
  traces: number;
}

async function traceOne(run: Run, protocol: 'tcp' | 'udp' | 'icmp', port?: number): Promise<Verdict> {
  if (++run.traces > run.opts.maxTraces) tooMany(run.traces, run.opts);
  const request: TraceRequest = {
    ...run.req,
    protocol,
    ...(port === undefined ? {} : { destination_port_num: port }),
  };
  return verdictOf(await traceWithin(run.engine, request, run.opts.network, run.opts.signal, 'outcome'));
}

function tooMany(needed: number, opts: ServicesOptions): never {
  const limit = opts.limit ?? { setting: 'analysis.max_ranges', field: 'destination_ip' };
  throw new OvncpError(
    'OVNCP_ERR_INVALID_FIELD',
    `This answer needs at least ${needed} traces (one per port range); the limit is ${opts.maxTraces} (${limit.setting})`,
    { field: limit.field },
  );
}

/**
 * Traces one port of every piece until the pieces stop changing: the verdict of a piece is that of
 * any port traced inside it (all of them end alike), so a later, finer cut re-uses earlier traces.
 */
async function sweepProtocol(
  run: Run,
  protocol: ServiceProtocol,
  seen: Set<string>,
  warnings: Set<string>,
): Promise<{ piece: [number, number]; v: Verdict }[]> {
  const t = run.opts.network;
  const traced = new Map<number, Verdict>();
  for (;;) {
    const cuts = cutsFor(t, [...seen], protocol);
    const ps = pieces(cuts.dst);
    const untraced = ps.filter(([lo, hi]) => !someKey(traced, lo, hi));
    if (run.traces + untraced.length > run.opts.maxTraces) tooMany(run.traces + untraced.length, run.opts);
    for (const [lo] of untraced) traced.set(lo, await traceOne(run, protocol, lo));
    let grew = false;
    for (const v of traced.values()) {
      for (const dp of datapathsOf(t, v.visited)) {
        if (!seen.has(dp)) {
          seen.add(dp);
          grew = true;
        }
      }
    }
    if (grew) continue;
    for (const who of new Set(cuts.srcTesters)) {
      warnings.add(
        `${who} tests the ${protocol} source port: the ${protocol} ranges hold for the request's source port number only`,
      );
    }
    return ps.map(([lo, hi]) => ({ piece: [lo, hi], v: traced.get(someKey(traced, lo, hi)!)! }));
  }
}

/** A traced port inside [lo, hi], if any. */
function someKey(traced: ReadonlyMap<number, Verdict>, lo: number, hi: number): number | undefined {
  if (traced.has(lo)) return lo;
  for (const k of traced.keys()) if (k >= lo && k <= hi) return k;
  return undefined;
}

/** Adjacent pieces that ended alike become one range. */
function merge(list: readonly { piece: [number, number]; v: Verdict }[]): PortRange[] {
  const out: PortRange[] = [];
  let last: { v: Verdict; from: number; to: number } | null = null;
  const flush = () => {
    if (!last) return;
    const { v, from, to } = last;
    out.push({
      from,
      to,
      reachable: v.reachable,
      allowed_by: v.reachable ? v.allowedBy : [],
      ...(v.reachable || v.blockedBy === undefined ? {} : { blocked_by: v.blockedBy }),
    });
  };
  for (const { piece, v } of list) {
    if (last && last.v.key === v.key && last.to + 1 === piece[0]) last.to = piece[1];
    else {
      flush();
      last = { v, from: piece[0], to: piece[1] };
    }
  }
  flush();
  return out;
}

/** The exact services `req.source_port` reaches the destination on (see the file comment). */
export async function allowedServices(
  engine: TraceEngine,
  req: ServicesRequest,
  opts: ServicesOptions,
): Promise<ServicesAnswer> {
  const run: Run = { engine, req, opts, traces: 0 };
  const warnings = new Set<string>();
  const icmp = await traceOne(run, 'icmp');
  const seen = new Set(datapathsOf(opts.network, icmp.visited));
  const ranges: Record<ServiceProtocol, PortRange[]> = { tcp: [], udp: [] };
  let engineName = icmp.engine;
  for (const w of icmp.warnings) warnings.add(w);
  for (const p of SERVICE_PROTOCOLS) {
    const list = await sweepProtocol(run, p, seen, warnings);
    for (const { v } of list) {
      engineName = v.engine;
      for (const w of v.warnings) if (!w.startsWith('destination_port_num')) warnings.add(w);
    }
    ranges[p] = merge(list);
  }
  return {
    tcp: ranges.tcp,
    udp: ranges.udp,
    icmp: {
      reachable: icmp.reachable,
      allowed_by: icmp.reachable ? icmp.allowedBy : [],
      ...(icmp.reachable || icmp.blockedBy === undefined ? {} : { blocked_by: icmp.blockedBy }),
    },
    destination_ip: icmp.destinationIp,
    traces: run.traces,
    engine: engineName,
    warnings: [...warnings],
  };
}

/** The API's answer (POST /api/v1/analysis/services): only the open ranges, closed ones counted. */
export interface ServicesResponse {
  source_port: string;
  destination_ip: string;
  tcp: { from: number; to: number; allowed_by: AllowedBy[] }[];
  udp: { from: number; to: number; allowed_by: AllowedBy[] }[];
  icmp: { reachable: boolean; allowed_by: AllowedBy[] };
  closed_ranges: { tcp: number; udp: number };
  traces: number;
  engine: EngineName;
  warnings: string[];
}

/** Renders an answer for the API and the CLI. */
export function servicesResponse(req: ServicesRequest, a: ServicesAnswer): ServicesResponse {
  const open = (list: readonly PortRange[]) =>
    list.filter((r) => r.reachable).map((r) => ({ from: r.from, to: r.to, allowed_by: [...r.allowed_by] }));
  return {
    source_port: req.source_port,
    destination_ip: a.destination_ip,
    tcp: open(a.tcp),
    udp: open(a.udp),
    icmp: { reachable: a.icmp.reachable, allowed_by: [...a.icmp.allowed_by] },
    closed_ranges: {
      tcp: a.tcp.filter((r) => !r.reachable).length,
      udp: a.udp.filter((r) => !r.reachable).length,
    },
    traces: a.traces,
    engine: a.engine,
    warnings: [...a.warnings],
  };
}

/** `tcp/80`, `tcp/8000-8080`, `icmp`: how ranges are named in paths (expect_services) and summaries. */
export function rangeName(protocol: ServiceProtocol, r: { from: number; to: number }): string {
  return r.from === r.to ? `${protocol}/${r.from}` : `${protocol}/${r.from}-${r.to}`;
}
