// Runs one check: turns it into a trace request, asks the engine once, and reduces the result tree to
// an outcome (verdict, what blocked it, the datapaths it went through, or why the check could not run).
// Never throws: an error is an outcome too, so one broken path cannot stop the others. The trace itself
// is not kept (10k of them held ~1 GB); the paths API re-traces a check when asked to show it.

import { allowedServices } from '../analysis/allowed-services.ts';
import { toTraceResult } from '../engine/result/api.ts';
import { outcomeOf } from '../engine/result/outcome.ts';
import type { TraceTree } from '../engine/result/tree.ts';
import type { EngineName, TraceEngine, TraceOptions, TraceRequest, TraceResult } from '../engine/types.ts';
import { isOvncpError, OvncpError } from '../errors.ts';
import { formatIp } from '../ovn/net/addr.ts';
import { portIps } from '../ovn/topology/build.ts';
import type { SwitchPort, Topology } from '../ovn/topology/types.ts';
import type { Check } from './expand.ts';
import { compareExposure } from './exposure.ts';
import type { PathEngine } from './paths-schema.ts';
import type { CheckError, CheckOutcome, Trigger } from './results.ts';

/** Gives the engine a path asked for ('auto' = the daemon's choice). */
export type EngineProvider = (choice: PathEngine) => TraceEngine;

/** Destination IP per port object (unchanged ports stay the same objects across live rebuilds). */
const ipOfPort = new WeakMap<SwitchPort, string>();

/**
 * The IP a destination is traced to: an IP as given; a port's first IPv4 address, else its first
 * address. Throws OVNCP_ERR_PORT_NOT_FOUND / OVNCP_ERR_UNRESOLVABLE (field `destination`).
 */
export function destinationIpOf(destination: string, kind: 'port' | 'ip', topo: Topology): string {
  if (kind === 'ip') return destination;
  const port = topo.ports.get(destination);
  const known = port && ipOfPort.get(port);
  if (known) return known;
  if (!port)
    throw new OvncpError('OVNCP_ERR_PORT_NOT_FOUND', `destination port "${destination}" not found`, {
      field: 'destination',
    });
  const ips = portIps(port);
  const ip = ips.find((a) => a.family === 4) ?? ips[0];
  if (!ip)
    throw new OvncpError('OVNCP_ERR_UNRESOLVABLE', `destination port "${destination}" has no IP address`, {
      field: 'destination',
    });
  const text = formatIp(ip);
  ipOfPort.set(port, text);
  return text;
}

/** The request of a check; for an expect_services check, without protocol and port (the analysis's). */
export function requestFor(check: Check, topo: Topology): TraceRequest {
  const o = check.path.overrides;
  return {
    source_port: check.sourcePort,
    destination_ip: destinationIpOf(check.destination, check.destinationKind, topo),
    ...(check.protocol === 'services' ? {} : { protocol: check.protocol }),
    ...(check.port !== null ? { destination_port_num: check.port } : {}),
    ...(o.source_mac !== undefined ? { source_mac: o.source_mac } : {}),
    ...(o.source_ip !== undefined ? { source_ip: o.source_ip } : {}),
    ...(o.destination_mac !== undefined ? { destination_mac: o.destination_mac } : {}),
    ...(o.source_port_num !== undefined ? { source_port_num: o.source_port_num } : {}),
  };
}

export function errorOf(err: unknown): CheckError {
  if (isOvncpError(err))
    return { reason: err.code.replace(/^OVNCP_ERR_/, '').toLowerCase(), message: err.message };
  const e = err as Error;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return { reason: 'timeout', message: e.message };
  return { reason: 'internal', message: e?.message ?? String(err) };
}

export interface RunContext {
  readonly topology: Topology | null;
  readonly engine: EngineProvider;
  readonly timeoutMs: number;
  readonly trigger: Trigger;
  /** Aborts the run on shutdown. */
  readonly signal?: AbortSignal;
  /**
   * Why the topology may be out of date (e.g. the NB is disconnected and this is the last good copy),
   * else null: a check then reports that error instead of a verdict on an old topology.
   */
  readonly stale?: string | null;
}

async function traceWithTimeout(
  engine: TraceEngine,
  req: TraceRequest,
  network: Topology,
  ctx: RunContext,
  extra?: Pick<TraceOptions, 'detail'>,
): Promise<TraceTree> {
  // One controller per check, fired by its own timer or by shutdown. Not AbortSignal.any(): on Node 20
  // every signal derived from the long-lived shutdown signal stays referenced by it (~2 KB per check).
  const ac = new AbortController();
  const signal = ac.signal;
  const timer = setTimeout(
    () => ac.abort(new DOMException(`check timed out after ${ctx.timeoutMs} ms`, 'TimeoutError')),
    ctx.timeoutMs,
  );
  const onShutdown = () => ac.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) onShutdown();
  else ctx.signal?.addEventListener('abort', onShutdown, { once: true });
  // Engines should honour the signal; the race makes sure a check that ignores it still ends.
  return await new Promise<TraceTree>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ctx.signal?.removeEventListener('abort', onShutdown);
    };
    const onAbort = () => {
      cleanup();
      reject(signal.reason ?? new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    engine
      .trace(req, { ...extra, network, signal })
      .then(resolve, reject)
      .finally(cleanup);
  });
}

/**
 * Trace options for a check: the outcome only, no hop rendering (ovn-trace ignores it). The tree still
 * says what dropped the packet, the last hop's type and where it went, so one trace is enough.
 */
const CHECK_OPTIONS: Pick<TraceOptions, 'detail'> = { detail: 'outcome' };

/** Bound on the traces of one expect_services check (one per piece of the port space). */
export const SERVICES_CHECK_MAX_TRACES = 4096;

/**
 * An expect_services check: the exact allowed services under the check's timeout, compared with the
 * expectation. `reachable` says whether anything at all is open; the exposure says what differs.
 */
async function runServices(check: Check, engine: TraceEngine, network: Topology, ctx: RunContext) {
  const ac = new AbortController();
  const timer = setTimeout(
    () => ac.abort(new DOMException(`check timed out after ${ctx.timeoutMs} ms`, 'TimeoutError')),
    ctx.timeoutMs,
  );
  const onShutdown = () => ac.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onShutdown, { once: true });
  try {
    const a = await allowedServices(engine, requestFor(check, network), {
      network,
      maxTraces: SERVICES_CHECK_MAX_TRACES,
      signal: ac.signal,
    });
    const exposure = compareExposure(a, check.path.expectServices ?? []);
    const open = exposure.open.length > 0;
    const parts = [`open: ${exposure.open.join(', ') || 'none'}`];
    if (exposure.unexpected.length > 0) parts.push(`unexpected: ${exposure.unexpected.join(', ')}`);
    if (exposure.missing.length > 0) parts.push(`missing: ${exposure.missing.join(', ')}`);
    return {
      engine: a.engine,
      reachable: open,
      error: null,
      blockedBy: exposure.missing.length > 0 ? `missing: ${exposure.missing.join(', ')}` : null,
      blockedOwner: null,
      hopType: null,
      allowedBy: exposure.unexpected.length > 0 ? `unexpected: ${exposure.unexpected.join(', ')}` : null,
      summary: parts.join('; '),
      visited: null,
      exposure,
    };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onShutdown);
  }
}

/** A check that ends without a verdict: the error is its summary. */
function noVerdict(error: {
  reason: string;
  message: string;
}): Omit<CheckOutcome, 'at' | 'durationMs' | 'trigger' | 'engine'> {
  return {
    reachable: null,
    error,
    blockedBy: null,
    blockedOwner: null,
    hopType: null,
    allowedBy: null,
    summary: error.message,
    visited: null,
  };
}

export async function runCheck(check: Check, ctx: RunContext): Promise<CheckOutcome> {
  const started = performance.now();
  let engineName: EngineName | null = null;
  const done = (o: Omit<CheckOutcome, 'at' | 'durationMs' | 'trigger' | 'engine'>): CheckOutcome => ({
    at: Date.now(),
    durationMs: performance.now() - started,
    trigger: ctx.trigger,
    engine: engineName,
    ...o,
  });
  try {
    if (!ctx.topology) throw new OvncpError('OVNCP_ERR_NOT_READY', 'no topology loaded yet');
    if (ctx.stale) {
      const error = { reason: 'topology_stale', message: `cannot check on a current topology: ${ctx.stale}` };
      return done(noVerdict(error));
    }
    const engine = ctx.engine(check.path.engine);
    engineName = engine.name;
    const network = ctx.topology;
    if (check.protocol === 'services') {
      const { engine: used, ...rest } = await runServices(check, engine, network, ctx);
      engineName = used;
      return done(rest);
    }
    const tree = await traceWithTimeout(engine, requestFor(check, network), network, ctx, CHECK_OPTIONS);
    engineName = tree.engine;
    const o = outcomeOf(tree);
    // Cut by max_hops: no verdict, so the check is an error, not reachable or blocked (issue 17 item 5).
    if (o.truncated) {
      const error = { reason: 'max_hops', message: o.summary };
      return done(noVerdict(error));
    }
    return done({
      reachable: o.reachable,
      error: null,
      blockedBy: o.blockedBy,
      blockedOwner: o.blockedOwner,
      hopType: o.hopType,
      allowedBy: o.allowedBy,
      summary: o.summary,
      visited: o.visited,
    });
  } catch (err) {
    return done(noVerdict(errorOf(err)));
  }
}

/** A full trace of a check on the current topology: what the paths API shows (checks keep none). */
export async function traceFull(check: Check, ctx: RunContext): Promise<TraceResult> {
  if (!ctx.topology) throw new OvncpError('OVNCP_ERR_NOT_READY', 'no topology loaded yet');
  if (check.protocol === 'services') {
    // One trace per port range: no single trace shows it. The summary lists what is open.
    throw new OvncpError(
      'OVNCP_ERR_UNRESOLVABLE',
      'an expect_services check is many traces (one per port range); POST /api/v1/analysis/services shows them',
    );
  }
  const network = ctx.topology;
  return toTraceResult(
    await traceWithTimeout(ctx.engine(check.path.engine), requestFor(check, network), network, ctx),
  );
}
