// lflow engine figures: the initial SB read (OVSDB monitor, the project's client), the compile of every
// logical flow, the RSS and compiled heap, traces per CPU second over the size's critical paths, the
// agreement of its verdicts with the model's, and the apply of one changed logical flow (an ACL flow's
// match edited, then edited back: what a live follower does on an `acl-add`).

import { type CompiledSb, compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceResult } from '../../src/engine/types.ts';
import type { LogicalFlow, SbChange } from '../../src/ovn/sb/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import type { BenchCheck } from '../lib/bench-paths.ts';
import { gc, memoryNow, percentile, timedCpu } from '../lib/stats.ts';

export interface LflowFigures {
  logicalFlows: number;
  /** Flows OVN would ignore too (a match or actions the interpreter cannot read). */
  flowProblems: number;
  sbReadMs: number;
  compileMs: number;
  compileHeapMb: number;
  rssMb: number;
  traces: number;
  tracesPerSec: number;
  tracesPerCpuSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Paths whose lflow verdict equals the model's. */
  agreeWithModel: number;
  applyP50Ms: number;
  applyMaxMs: number;
}

function aclFlow(sb: CompiledSb): LogicalFlow {
  for (const f of sb.db.Logical_Flow.values())
    if (/acl/.test(f.externalIds.get('stage-name') ?? '') && f.priority >= 1000) return f;
  return sb.db.Logical_Flow.values().next().value!;
}

/** Apply of one changed flow, median over `rounds` edits (each edit then its undo). */
function measureApply(sb: CompiledSb, rounds = 40): { p50: number; max: number } {
  const orig = aclFlow(sb);
  const edited: LogicalFlow = { ...orig, match: `${orig.match} && ip.ttl != 0` };
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [from, to] = i % 2 === 0 ? [orig, edited] : [edited, orig];
    const change: SbChange = { table: 'Logical_Flow', uuid: orig.uuid, old: from, new: to };
    const t0 = performance.now();
    sb.apply([change]);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 0.5), max: Math.max(...times) };
}

export async function measureLflow(
  sbRemote: string,
  topo: Topology,
  checks: readonly BenchCheck[],
  modelResults: readonly TraceResult[],
  minMs = 3000,
): Promise<LflowFigures> {
  gc();
  const t0 = performance.now();
  const db = await readSbOnce(sbRemote, undefined, 120_000);
  const sbReadMs = performance.now() - t0;
  gc();
  const heap0 = memoryNow().heapMb;
  const t1 = performance.now();
  const sb = compileSb(db);
  const compileMs = performance.now() - t1;
  gc();
  const compileHeapMb = memoryNow().heapMb - heap0;
  const engine = createLflowEngine({ sb: () => sb });
  const trace = (c: BenchCheck) => engine.traceSync(c.request, { network: topo });
  for (const c of checks) trace(c);
  const lat: number[] = [];
  const [, total, cpu] = await timedCpu(async () => {
    const s0 = performance.now();
    while (performance.now() - s0 < minMs || lat.length < checks.length) {
      for (const c of checks) {
        const s = performance.now();
        trace(c);
        lat.push(performance.now() - s);
      }
    }
  });
  let agree = 0;
  checks.forEach((c, i) => {
    const r = toTraceResult(trace(c));
    if (modelResults[i] && r.reaches_destination === modelResults[i]!.reaches_destination) agree++;
  });
  const apply = measureApply(sb);
  return {
    logicalFlows: sb.flowCount(),
    flowProblems: sb.problems.size,
    sbReadMs,
    compileMs,
    compileHeapMb,
    rssMb: memoryNow().rssMb,
    traces: lat.length,
    tracesPerSec: lat.length / (total / 1000),
    tracesPerCpuSec: lat.length / (cpu / 1000),
    p50Ms: percentile(lat, 0.5),
    p99Ms: percentile(lat, 0.99),
    agreeWithModel: agree,
    applyP50Ms: apply.p50,
    applyMaxMs: apply.max,
  };
}
