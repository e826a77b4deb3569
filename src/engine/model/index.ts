// The model trace engine: simulates OVN's logical pipeline in-process from the topology alone. Each
// topology a trace names is compiled once and kept in a small cache keyed by the topology object, so the
// live network and a derived one (what-if) are both served without one evicting the other; a new
// topology compiles reusing the parts of the most recently compiled network whose inputs are unchanged.
// Every trace walks the compiled structures; drops are results, never exceptions.

import type { Topology } from '../../ovn/topology/types.ts';
import { resolveRequest } from '../resolve.ts';
import type { TraceTree } from '../result/tree.ts';
import type { ResolvedRequest, TraceEngine, TraceOptions, TraceRequest } from '../types.ts';
import { type CompiledNetwork, compileNetwork } from './compile/network.ts';
import { initialFlow } from './packet.ts';
import { buildTree } from './pipeline/result.ts';
import { routerIngress } from './pipeline/router.ts';
import { switchIngress } from './pipeline/switch.ts';
import { type Handoff, type TraceContext, Walk } from './pipeline/walk.ts';

export { compileNetwork } from './compile/network.ts';
export { UNMODELLED_OPTIONS, unmodelledCounts } from './compile/unmodelled.ts';

/** The pipelines' entry points, wired here so that neither pipeline module imports the other. */
const HANDOFF: Handoff = { switchIngress, routerIngress };

/** Runs one resolved request through a compiled network. Synchronous and allocation-light. */
export function traceResolved(
  net: CompiledNetwork,
  request: TraceRequest,
  r: ResolvedRequest,
  options: Pick<TraceOptions, 'detail'> = {},
): TraceTree {
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
    acl: [],
    truncated: false,
  };
  HANDOFF.switchIngress(new Walk(ctx, initialFlow(r)), r.datapath, r.sourcePort);
  return buildTree(request, r, ctx);
}

/** How many compiled networks the engine keeps (live, a what-if or two, and the one being replaced). */
export const COMPILED_CACHE_SIZE = 4;

/**
 * The compiled networks of an engine: most recently used first, at most COMPILED_CACHE_SIZE. A topology
 * not in the cache compiles with the most recent compiled network as `previous` (parts whose inputs are
 * the same objects are reused), and only the least recently used entry is dropped, so tracing a derived
 * topology never evicts the live one it came from.
 */
export class CompiledNetworks {
  private readonly entries: CompiledNetwork[] = [];

  constructor(private readonly size = COMPILED_CACHE_SIZE) {}

  of(t: Topology): CompiledNetwork {
    const e = this.entries;
    const first = e[0];
    if (first?.topology === t) return first;
    const i = e.findIndex((n) => n.topology === t);
    const net = i >= 0 ? e.splice(i, 1)[0]! : compileNetwork(t, first ? { previous: first } : {});
    e.unshift(net);
    if (e.length > this.size) e.length = this.size;
    return net;
  }

  /** How many compiled networks are cached (0: the model has not traced yet). */
  get count(): number {
    return this.entries.length;
  }

  /** The compiled network of `t` if it is cached (tests check reuse by identity). */
  peek(t: Topology): CompiledNetwork | undefined {
    return this.entries.find((n) => n.topology === t);
  }
}

export interface ModelEngine extends TraceEngine {
  /** The compiled form of a topology (compiled now if it is not cached). */
  compiled(t: Topology): CompiledNetwork;
  readonly networks: CompiledNetworks;
}

export function createModelEngine(): ModelEngine {
  const networks = new CompiledNetworks();
  return {
    name: 'model',
    networks,
    compiled: (t) => networks.of(t),
    async trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree> {
      const net = networks.of(options.network);
      return traceResolved(net, request, resolveRequest(net.topology, request), options);
    },
  };
}
