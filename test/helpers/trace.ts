// Test shorthand: one trace on a given topology, rendered as the API's TraceResult (what most tests
// assert on). Engines return the result tree; the API renderer is the one the HTTP routes use.

import { createModelEngine } from '../../src/engine/model/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceEngine, TraceOptions, TraceRequest, TraceResult } from '../../src/engine/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';

export async function traceApi(
  engine: TraceEngine,
  network: Topology,
  request: TraceRequest,
  options: Omit<TraceOptions, 'network'> = {},
): Promise<TraceResult> {
  return toTraceResult(await engine.trace(request, { ...options, network }));
}

/** An engine bound to a topology (or a getter, for tests that swap it) that answers in the API form. */
export interface BoundEngine {
  readonly engine: TraceEngine;
  trace(request: TraceRequest, options?: Omit<TraceOptions, 'network'>): Promise<TraceResult>;
}

export function onNetwork(engine: TraceEngine, network: Topology | (() => Topology)): BoundEngine {
  const current = typeof network === 'function' ? network : () => network;
  return { engine, trace: (request, options) => traceApi(engine, current(), request, options) };
}

/** A fresh model engine bound to `network`. */
export function modelOn(network: Topology | (() => Topology)): BoundEngine {
  return onNetwork(createModelEngine(), network);
}
