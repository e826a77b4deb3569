// Runs generated cases through a list of engines and the bed's real ovn-trace (the oracle) and compares,
// per packet and per engine, the set of logical ports it is delivered to (empty = dropped). The harness
// knows no engine: each is a ConformanceEngine (engines.ts has the model and the ovn-trace engine; the
// lflow engine adds its own). Used by the CI test (bounded) and by the long command (conformance-cli.ts),
// which print `agreement: K/N` per engine and every disagreement's seed and feature tags.

import { resolveRequest } from '../../src/engine/resolve.ts';
import type { ResolvedRequest, TraceRequest } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import {
  caseTags,
  featuresOfBed,
  type GenFeatures,
  type GenNet,
  genNetwork,
  genRequests,
  Rng,
} from './generator.ts';
import { OvnTraceOracle } from './ovn-oracle.ts';

/** A network as loaded for one round: in the bed's NB (SB in sync), and as a topology for the engines. */
export interface LoadedNetwork {
  readonly tb: OvnTestbed;
  readonly gen: GenNet;
  readonly topology: Topology;
  readonly seed: number;
}

/** What an engine said about one packet: the ports it is delivered to (sorted) and a one-line summary. */
export interface EngineAnswer {
  readonly ports: string[];
  readonly summary: string;
}

/**
 * One engine under test. load() is called once per network, deliver() once per packet, for the first
 * `maxCases` cases of the run (all when absent: a slow engine can be judged on a prefix of the stream).
 */
export interface ConformanceEngine {
  readonly name: string;
  readonly maxCases?: number;
  load(net: LoadedNetwork): Promise<void>;
  deliver(request: TraceRequest, resolved: ResolvedRequest): Promise<EngineAnswer>;
  close(): Promise<void>;
}

export interface Disagreement {
  seed: number;
  engine: string;
  /** Classes of the case (generator.ts caseTags: features and known version differences). */
  tags: string[];
  request: TraceRequest;
  got: string[];
  ovn: string[];
  summary: string;
}

export interface EngineReport {
  /** Cases this engine was asked (≤ the run's cases with maxCases). */
  cases: number;
  agreed: number;
  disagreements: Disagreement[];
}

export interface ConformanceReport {
  release: string;
  cases: number;
  topologies: number;
  skipped: number;
  delivered: number;
  /** Cases per tag (a case counts for each of its tags). */
  tagCases: Record<string, number>;
  engines: Record<string, EngineReport>;
}

export interface ConformanceOptions {
  seed: number;
  cases: number;
  perTopology?: number;
  /** Force the `lb` round on (true) or off (false); default alternates per network. */
  lb?: boolean;
  /** Generator features; default: every feature the bed's NB schema supports. */
  features?: GenFeatures;
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

/** The oracle: member 1 of every ECMP group, plus members 2 and 3 for networks that have ECMP. */
class Judge {
  // ovn-trace picks an ECMP member at random unless told which: member 1 here, and for networks with
  // ECMP routes also members 2 and 3 (generated groups have two members, three when the ECMP pair
  // joins the generator's other src-ip route), judged by the union of the answers.
  private readonly first: OvnTraceOracle;
  private readonly others: OvnTraceOracle[];
  private ecmp = false;
  constructor(tb: OvnTestbed) {
    this.first = new OvnTraceOracle(tb, ['--select-id=1']);
    this.others = [2, 3].map((id) => new OvnTraceOracle(tb, [`--select-id=${id}`]));
  }
  async load(gen: GenNet): Promise<void> {
    this.ecmp = gen.ecmp;
    await this.first.restart();
    if (this.ecmp) for (const o of this.others) await o.restart();
  }
  async ports(r: ResolvedRequest): Promise<string[]> {
    let ovn = (await this.first.trace(r)).ports;
    if (this.ecmp)
      for (const o of this.others) ovn = [...new Set([...ovn, ...(await o.trace(r)).ports])].sort();
    return ovn;
  }
  async stop(): Promise<void> {
    await this.first.stop();
    for (const o of this.others) await o.stop();
  }
}

export async function runConformance(
  tb: OvnTestbed,
  engines: readonly ConformanceEngine[],
  opts: ConformanceOptions,
): Promise<ConformanceReport> {
  const per = opts.perTopology ?? 12;
  const features = opts.features ?? featuresOfBed(tb);
  const judge = new Judge(tb);
  const rep: ConformanceReport = {
    release: tb.release,
    cases: 0,
    topologies: 0,
    skipped: 0,
    delivered: 0,
    tagCases: {},
    engines: Object.fromEntries(engines.map((e) => [e.name, { cases: 0, agreed: 0, disagreements: [] }])),
  };
  try {
    for (let k = 0; rep.cases < opts.cases; k++) {
      const seed = opts.seed + k;
      const rng = new Rng(seed);
      const gen = genNetwork(rng, { lb: opts.lb ?? k % 2 === 1, features, seed });
      // The model learns the release from the topology (a live NB tells it by its schema).
      const doc = tb.release === '23.03' ? gen.doc : { ...gen.doc, ovn_version: tb.release };
      const topology = buildTopology(doc, { kind: 'memory', name: `conformance-${seed}` });
      await tb.loadSnapshot(gen.doc);
      await judge.load(gen);
      const net: LoadedNetwork = { tb, gen, topology, seed };
      const active = engines.filter((e) => rep.engines[e.name]!.cases < (e.maxCases ?? Infinity));
      for (const e of active) await e.load(net);
      rep.topologies++;
      for (const req0 of genRequests(rng, gen, Math.min(per, opts.cases - rep.cases))) {
        const fixed = resolveOrFix(topology, req0);
        if (!fixed) {
          rep.skipped++;
          continue;
        }
        const ovn = await judge.ports(fixed.r);
        rep.cases++;
        if (ovn.length > 0) rep.delivered++;
        const tags = caseTags(gen, fixed.req);
        for (const t of tags) rep.tagCases[t] = (rep.tagCases[t] ?? 0) + 1;
        for (const e of active) {
          const er = rep.engines[e.name]!;
          if (er.cases >= (e.maxCases ?? Infinity)) continue;
          const got = await e.deliver(fixed.req, fixed.r);
          er.cases++;
          if (got.ports.join(',') === ovn.join(',')) er.agreed++;
          else
            er.disagreements.push({
              seed,
              engine: e.name,
              tags,
              request: fixed.req,
              got: got.ports,
              ovn,
              summary: got.summary,
            });
        }
      }
    }
  } finally {
    await judge.stop();
    for (const e of engines) await e.close();
  }
  return rep;
}

/** Disagreements per tag: a disagreement counts for each of its tags. */
export function disagreementsByTag(ds: readonly Disagreement[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of ds) for (const t of d.tags) out[t] = (out[t] ?? 0) + 1;
  return out;
}

/** The lines a run prints: agreement per engine, per-tag disagreement counts, the first disagreements. */
export function reportLines(rep: ConformanceReport, seed: number, show = 20): string[] {
  const lines = [
    `OVN ${rep.release}: ${rep.cases} cases (${rep.topologies} topologies, ${rep.delivered} delivered by OVN, ${rep.skipped} requests unresolvable and skipped, seed ${seed})`,
  ];
  for (const [name, er] of Object.entries(rep.engines)) {
    lines.push(`agreement ${name}: ${er.agreed}/${er.cases}`);
    const byTag = disagreementsByTag(er.disagreements);
    if (er.disagreements.length > 0)
      lines.push(
        `  disagreements by tag (tag: disagreements/cases): ${Object.entries(byTag)
          .map(([t, n]) => `${t}: ${n}/${rep.tagCases[t] ?? '?'}`)
          .join(', ')}`,
      );
    for (const d of er.disagreements.slice(0, show)) lines.push(`  disagreement: ${JSON.stringify(d)}`);
  }
  return lines;
}
