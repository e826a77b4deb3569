// Model engine figures: compile time and memory of the compiled network, then traces per second and
// per-trace latency on one core (this process's single JS thread) over the size's critical paths, and
// whether each verdict matches the path's expectation (a sanity check of the generator and model).

import { compileNetwork, createModelEngine } from '../../src/engine/model/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceRequest, TraceResult } from '../../src/engine/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { BenchCheck } from '../lib/bench-paths.ts';
import { gc, memoryNow, percentile, timedCpu } from '../lib/stats.ts';

export interface ModelFigures {
  compileMs: number;
  compileHeapMb: number;
  traces: number;
  /** Wall-clock rate: depends on what else the machine runs. */
  tracesPerSec: number;
  /** Traces per CPU second of this (single-threaded) process: the per-core rate. */
  tracesPerCpuSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Paths whose model verdict matches the generator's expectation. */
  expectationMet: number;
}

/** Median of three compiles (the first also warms the JIT), and the heap the compiled form retains. */
function measureCompile(topo: Topology): { ms: number; heapMb: number } {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    const t0 = performance.now();
    compileNetwork(topo);
    times.push(performance.now() - t0);
  }
  const before = memoryNow().heapMb;
  const kept = compileNetwork(topo);
  const after = memoryNow().heapMb;
  if (!kept) throw new Error('compile returned nothing');
  return { ms: percentile(times, 0.5), heapMb: after - before };
}

/** Traces every check in turn, for at least `minMs` (whole rounds), recording each latency. */
export async function measureModel(
  topo: Topology,
  checks: readonly BenchCheck[],
  minMs = 3000,
): Promise<{ figures: ModelFigures; results: TraceResult[] }> {
  const compile = measureCompile(topo);
  const engine = createModelEngine();
  const trace = async (r: TraceRequest) => toTraceResult(await engine.trace(r, { network: topo }));
  // Warm-up round, not kept: holding 10k full results while the timed loop runs makes V8 pretenure the
  // engine's allocation sites (hops, strings) into old space, which doubled the CPU per trace at L.
  for (const c of checks) await trace(c.request);
  const lat: number[] = [];
  const [, total, cpu] = await timedCpu(async () => {
    const t0 = performance.now();
    while (performance.now() - t0 < minMs || lat.length < checks.length) {
      for (const c of checks) {
        const s = performance.now();
        await trace(c.request);
        lat.push(performance.now() - s);
      }
    }
  });
  const results: TraceResult[] = [];
  for (const c of checks) results.push(await trace(c.request)); // kept for agreement
  const met = checks.filter((c, i) => results[i]!.reaches_destination === (c.expect === 'reachable')).length;
  return {
    results,
    figures: {
      compileMs: compile.ms,
      compileHeapMb: compile.heapMb,
      traces: lat.length,
      tracesPerSec: lat.length / (total / 1000),
      tracesPerCpuSec: lat.length / (cpu / 1000),
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
      expectationMet: met,
    },
  };
}
