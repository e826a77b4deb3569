// The model trace engine: simulates OVN's logical pipeline in-process from the topology alone. The
// topology is compiled once per snapshot (cached by identity; a new snapshot reuses the parts of the
// last compiled network whose inputs are unchanged) and every trace walks the compiled structures;
// drops are results, never exceptions. createModelEngine is the public entry point.

import type { Topology } from '../../ovn/topology/types.ts';
import { resolveRequest } from '../resolve.ts';
import type {
  ResolvedRequest,
  TopologyProvider,
  TraceEngine,
  TraceOptions,
  TraceRequest,
  TraceResult,
} from '../types.ts';
import { type CompiledNetwork, compileNetwork } from './compile.ts';
import { initialFlow } from './packet.ts';
import { buildResult } from './result.ts';
import { routerIngress } from './router-pipeline.ts';
import { switchIngress } from './switch-pipeline.ts';
import { type Handoff, type TraceContext, Walk } from './walk.ts';

export { compileNetwork } from './compile.ts';

/** The pipelines' entry points, wired here so that neither pipeline module imports the other. */
const HANDOFF: Handoff = { switchIngress, routerIngress };

/** Runs one resolved request through a compiled network. Synchronous and allocation-light. */
export function traceResolved(
  net: CompiledNetwork,
  request: TraceRequest,
  r: ResolvedRequest,
  options: Pick<TraceOptions, 'detail'> = {},
): TraceResult {
  const warnings = new Set<string>();
  const ctx: TraceContext = {
    net,
    handoff: HANDOFF,
    maxHops: r.maxHops,
    sourcePort: r.sourcePort,
    full: options.detail !== 'outcome',
    branches: [],
    warnings,
    visited: [],
    ignored: (why) => warnings.add(why),
  };
  HANDOFF.switchIngress(new Walk(ctx, initialFlow(r)), r.datapath, r.sourcePort);
  return buildResult(request, r, ctx);
}

/**
 * Compiles lazily and keeps the compiled form while the provider returns the same topology; for a new
 * topology it compiles again, reusing what the last compiled network shares with it.
 */
export function createModelEngine(getTopology: TopologyProvider): TraceEngine & {
  compiled(): CompiledNetwork;
} {
  let cached: { t: Topology; net: CompiledNetwork } | null = null;
  const compiled = (): CompiledNetwork => {
    const t = getTopology();
    if (cached?.t !== t) cached = { t, net: compileNetwork(t, cached ? { previous: cached.net } : {}) };
    return cached.net;
  };
  return {
    name: 'model',
    compiled,
    async trace(request: TraceRequest, options?: TraceOptions): Promise<TraceResult> {
      const net = compiled();
      return traceResolved(net, request, resolveRequest(net.topology, request), options);
    },
  };
}
