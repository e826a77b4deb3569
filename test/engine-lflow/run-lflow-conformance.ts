// The lflow engine against real ovn-trace of the same OVN on the conformance generator's networks: per
// packet, the set of logical ports it is delivered to (empty = dropped) and, when both drop it, the
// pipeline stage that dropped it. The oracle runs with --ct=new for every ct step (enough entries that
// its global queue never runs out) and, where the network has ECMP routes, once per member id, judged by
// the union (the lflow engine follows every member).

import { compileSb } from '../../src/engine/lflow/compile.ts';
import { createLflowEngine } from '../../src/engine/lflow/index.ts';
import { parseDetailed } from '../../src/engine/ovn-trace/parse-detailed.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { hopStageOf } from '../../src/engine/result/hop-stages.ts';
import type { ResolvedRequest, TraceRequest } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { featuresOfBed, type GenFeatures, genNetwork, genRequests, Rng } from '../conformance/generator.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';

export interface LflowDisagreement {
  seed: number;
  request: TraceRequest;
  lflow: string[];
  ovn: string[];
  lflowStage: string | null;
  ovnStage: string | null;
}

export interface LflowReport {
  cases: number;
  portsAgreed: number;
  drops: number;
  stageAgreed: number;
  delivered: number;
  topologies: number;
  skipped: number;
  disagreements: LflowDisagreement[];
}

const MANY_CT = Array.from({ length: 2000 }, () => '--ct=new');

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

/**
 * The stages where ovn-trace's paths of the packet itself ended in a drop (a packet that forks at a ct
 * or LB step can drop on several branches), plus the last table it printed — as hop stage ids (the
 * shared hop rule, src/engine/result/hop-stages.ts, names a group of OVN stages by its main stage).
 */
function ovnDropStages(detailed: string): Set<string> {
  const p = parseDetailed(detailed);
  const tables = p.steps.filter((s) => s.kind === 'table' && !s.generated);
  const out = new Set<string>();
  for (const s of tables) if (s.kind === 'table' && s.dropped) out.add(hopStageOf(s.stage).stage);
  const last = tables.at(-1);
  if (last && last.kind === 'table') out.add(hopStageOf(last.stage).stage);
  return out;
}

export async function runLflowConformance(
  tb: OvnTestbed,
  opts: { seed: number; cases: number; perTopology?: number; features?: GenFeatures },
): Promise<LflowReport> {
  const per = opts.perTopology ?? 12;
  const features = opts.features ?? featuresOfBed(tb);
  let sb = null as ReturnType<typeof compileSb> | null;
  const engine = createLflowEngine({ sb: () => sb });
  const oracle = new OvnTraceOracle(tb, ['--select-id=1', ...MANY_CT]);
  const others = [2, 3].map((id) => new OvnTraceOracle(tb, [`--select-id=${id}`, ...MANY_CT]));
  const rep: LflowReport = {
    cases: 0,
    portsAgreed: 0,
    drops: 0,
    stageAgreed: 0,
    delivered: 0,
    topologies: 0,
    skipped: 0,
    disagreements: [],
  };
  try {
    for (let k = 0; rep.cases < opts.cases; k++) {
      const seed = opts.seed + k;
      const rng = new Rng(seed);
      const gen = genNetwork(rng, { lb: k % 2 === 1, features, seed });
      const doc = tb.release === '23.03' ? gen.doc : { ...gen.doc, ovn_version: tb.release };
      const topo = buildTopology(doc, { kind: 'memory', name: `conformance-${seed}` });
      await tb.loadSnapshot(gen.doc);
      sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
      await oracle.restart();
      if (gen.ecmp) for (const o of others) await o.restart();
      rep.topologies++;
      for (const req0 of genRequests(rng, gen, Math.min(per, opts.cases - rep.cases))) {
        const fixed = resolveOrFix(topo, req0);
        if (!fixed) {
          rep.skipped++;
          continue;
        }
        const tree = engine.traceSync(fixed.req, { network: topo });
        const lflow = [...tree.outputPorts].sort();
        let ovn = (await oracle.trace(fixed.r)).ports;
        if (gen.ecmp)
          for (const o of others) ovn = [...new Set([...ovn, ...(await o.trace(fixed.r)).ports])].sort();
        rep.cases++;
        if (ovn.length > 0) rep.delivered++;
        const portsOk = lflow.join(',') === ovn.join(',');
        if (portsOk) rep.portsAgreed++;
        let lflowStage: string | null = null;
        let ovnStage: string | null = null;
        let stageOk = true;
        if (portsOk && ovn.length === 0 && !gen.ecmp) {
          rep.drops++;
          const stages = ovnDropStages(await oracle.detailed(fixed.r));
          ovnStage = [...stages].join('|');
          lflowStage = tree.shown.dropped?.stage ?? null;
          stageOk = lflowStage !== null && stages.has(lflowStage);
          if (stageOk) rep.stageAgreed++;
        }
        if (!portsOk || !stageOk)
          rep.disagreements.push({ seed, request: fixed.req, lflow, ovn, lflowStage, ovnStage });
      }
    }
  } finally {
    await oracle.stop();
    for (const o of others) await o.stop();
  }
  return rep;
}
