// Multi-path analysis: one trace per protocol × destination port (ICMP once) from a source port to a
// destination address, each reported as a path with its verdict, and a summary whose numbers are
// computed from those same paths.

import { toTraceResult } from '../engine/result/api.ts';
import type { EngineName, Protocol, TraceEngine, TraceRequest } from '../engine/types.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { blockedBy } from './blocked-by.ts';
import { checkTraceBudget, traceWithin } from './run-trace.ts';
import { expandServices, type Service, serviceKey } from './services.ts';

export interface MultiPathRequest {
  source_port: string;
  source_mac?: string | undefined;
  source_ip?: string | undefined;
  destination_mac?: string | undefined;
  destination_ip: string;
  protocols?: Protocol[] | undefined;
  ports?: number[] | undefined;
  max_hops?: number | undefined;
}

export interface PathResult {
  protocol: Protocol;
  port?: number;
  reaches_destination: boolean;
  blocked: boolean;
  blocked_by?: string;
  hop_count: number;
}

export interface MultiPathResult {
  source_port: string;
  destination_ip: string;
  paths: PathResult[];
  summary: string;
  engine: EngineName;
  warnings: string[];
}

export interface FanOutOptions {
  /** The topology every trace of the request runs on (taken once per request). */
  readonly network: Topology;
  readonly maxTraces: number;
  readonly signal?: AbortSignal;
}

function traceRequestFor(req: MultiPathRequest, s: Service): TraceRequest {
  return {
    source_port: req.source_port,
    source_mac: req.source_mac,
    source_ip: req.source_ip,
    destination_mac: req.destination_mac,
    destination_ip: req.destination_ip,
    protocol: s.protocol,
    destination_port_num: s.port,
    max_hops: req.max_hops,
  };
}

/** "1 of 5 paths blocked. Allowed: tcp:80, icmp" — counted from `paths`, never from elsewhere. */
export function summarizePaths(paths: readonly PathResult[]): string {
  const blocked = paths.filter((p) => p.blocked).length;
  const allowed = paths.filter((p) => !p.blocked).map((p) => serviceKey(p));
  return `${blocked} of ${paths.length} paths blocked. Allowed: ${allowed.length ? allowed.join(', ') : 'none'}`;
}

export async function multiPath(
  engine: TraceEngine,
  req: MultiPathRequest,
  opts: FanOutOptions,
): Promise<MultiPathResult> {
  const services = expandServices(req.protocols, req.ports);
  checkTraceBudget(services.length, opts.maxTraces, 'ports');
  const paths: PathResult[] = [];
  const warnings = new Set<string>();
  let engineName: EngineName = engine.name;
  for (const s of services) {
    const r = toTraceResult(await traceWithin(engine, traceRequestFor(req, s), opts.network, opts.signal));
    engineName = r.engine;
    for (const w of r.warnings) warnings.add(w);
    const by = blockedBy(r);
    paths.push({
      protocol: s.protocol,
      ...(s.port === undefined ? {} : { port: s.port }),
      reaches_destination: r.reaches_destination,
      blocked: !r.reaches_destination,
      ...(by === undefined ? {} : { blocked_by: by }),
      hop_count: r.hops.length,
    });
  }
  return {
    source_port: req.source_port,
    destination_ip: req.destination_ip,
    paths,
    summary: summarizePaths(paths),
    engine: engineName,
    warnings: [...warnings],
  };
}
