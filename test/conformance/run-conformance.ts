// Runs generated cases through the model engine and real ovn-trace and compares, per packet, the set
// of logical ports it is delivered to (empty = dropped). Used by the CI test (bounded) and by the long
// command (OVNCP_CONFORMANCE_CASES=N), which prints `agreement: K/N` and every disagreement's seed.

import { compileNetwork, traceResolved } from '../../src/engine/model/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { summaryOf } from '../../src/engine/result/summary.ts';
import type { ResolvedRequest, TraceRequest } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import { genNetwork, genRequests, Rng } from './generator.ts';
import { OvnTraceOracle } from './ovn-oracle.ts';

export interface Disagreement {
  seed: number;
  request: TraceRequest;
  model: string[];
  ovn: string[];
  summary: string;
}

export interface ConformanceReport {
  cases: number;
  agreed: number;
  topologies: number;
  skipped: number;
  delivered: number;
  disagreements: Disagreement[];
}

function resolveOrFix(t: Topology, req: TraceRequest): { req: TraceRequest; r: ResolvedRequest } | null {
  try {
    return { req, r: resolveRequest(t, req) };
  } catch (err) {
    if (!isOvncpError(err) || err.field !== 'destination_mac') return null;
    const fixed = { ...req, destination_mac: '0a:00:00:00:dd:dd' };
    try {
      return { req: fixed, r: resolveRequest(t, fixed) };
    } catch {
      return null;
    }
  }
}

export async function runConformance(
  tb: OvnTestbed,
  opts: { seed: number; cases: number; perTopology?: number; lb?: boolean },
): Promise<ConformanceReport> {
  const per = opts.perTopology ?? 12;
  // ovn-trace picks an ECMP member at random unless told which: member 1 here, and for networks with
  // ECMP routes also members 2 and 3 (generated groups have two members, three when the ECMP pair
  // joins the generator's other src-ip route), judged by the union of the answers.
  const oracle = new OvnTraceOracle(tb, ['--select-id=1']);
  const others = [2, 3].map((id) => new OvnTraceOracle(tb, [`--select-id=${id}`]));
  const rep: ConformanceReport = {
    cases: 0,
    agreed: 0,
    topologies: 0,
    skipped: 0,
    delivered: 0,
    disagreements: [],
  };
  try {
    for (let k = 0; rep.cases < opts.cases; k++) {
      const seed = opts.seed + k;
      const rng = new Rng(seed);
      const gen = genNetwork(rng, { lb: opts.lb ?? k % 2 === 1 });
      const topo = buildTopology(gen.doc, { kind: 'memory', name: `conformance-${seed}` });
      const net = compileNetwork(topo);
      await tb.loadSnapshot(gen.doc);
      await oracle.restart();
      if (gen.ecmp) for (const o of others) await o.restart();
      rep.topologies++;
      for (const req0 of genRequests(rng, gen, Math.min(per, opts.cases - rep.cases))) {
        const fixed = resolveOrFix(topo, req0);
        if (!fixed) {
          rep.skipped++;
          continue;
        }
        const res = traceResolved(net, fixed.req, fixed.r);
        const model = [...res.outputPorts];
        model.sort();
        let ovn = (await oracle.trace(fixed.r)).ports;
        if (gen.ecmp)
          for (const o of others) ovn = [...new Set([...ovn, ...(await o.trace(fixed.r)).ports])].sort();
        rep.cases++;
        if (ovn.length > 0) rep.delivered++;
        if (model.join(',') === ovn.join(',')) rep.agreed++;
        else rep.disagreements.push({ seed, request: fixed.req, model, ovn, summary: summaryOf(res) });
      }
    }
  } finally {
    await oracle.stop();
    for (const o of others) await o.stop();
  }
  return rep;
}
