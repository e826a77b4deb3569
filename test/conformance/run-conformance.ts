// Runs cases from a case source (the seeded generator by default; shape generators plug in as another
// CaseSource) through a list of engines and an oracle, and compares, per packet and per engine, the set
// of logical ports it is delivered to (empty = dropped) and, for engines that ask for it, when both drop,
// the dropping stage. The oracle is the bed's real ovn-trace (default) or the lflow engine on the bed's
// own SB (fast: judges the model on many more cases). The harness knows no engine: each is a
// ConformanceEngine (engines.ts). Used by the CI tests (bounded) and by the long command
// (conformance-cli.ts), which print `agreement: K/N` per engine and every disagreement's seed and tags.

import { resolveRequest } from '../../src/engine/resolve.ts';
import type { ResolvedRequest, TraceRequest } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import { featuresOfBed, type GenFeatures, Rng } from './generator.ts';
import { dropStagesOf, OvnTraceOracle } from './ovn-oracle.ts';
import { GENERATOR_SOURCE } from './sources.ts';

/** A network a case source made: the NB snapshot loaded into the bed, plus what the oracle must know. */
export interface CaseNet {
  readonly doc: SnapshotDoc;
  /** Some route is an ECMP member: ovn-trace is asked with each --select-id and judged by the union. */
  readonly ecmp?: boolean;
}

/**
 * Where cases come from: a network per round and packets on it. The default is the seeded generator
 * (sources.ts); a shape generator (ovn-kubernetes, Neutron) supplies its own networks and packets and
 * gets the same engines, oracle and report. Everything is drawn from `rng` so a seed reproduces a case.
 */
export interface CaseSource<N extends CaseNet = CaseNet> {
  readonly name: string;
  /** `lb`: the round's load-balancer toggle (alternates per network unless forced); free to ignore. */
  network(rng: Rng, opts: { lb: boolean; features: GenFeatures; seed: number }): N;
  requests(net: N, rng: Rng, n: number): TraceRequest[];
  /** Classes of a case for the per-tag report; ['base'] when absent. */
  tags?(net: N, req: TraceRequest): string[];
}

/** A network as loaded for one round: in the bed's NB (SB in sync), and as a topology for the engines. */
export interface LoadedNetwork {
  readonly tb: OvnTestbed;
  readonly gen: CaseNet;
  readonly topology: Topology;
  readonly seed: number;
}

/**
 * What an engine said about one packet: the ports it is delivered to (sorted), a one-line summary and,
 * when it dropped, the hop stage id it dropped at (result/hop-stages.ts).
 */
export interface EngineAnswer {
  readonly ports: string[];
  readonly summary: string;
  readonly dropStage?: string | null;
  /** max_hops cut the trace: it has no dropping stage to judge (result/hop-stages.ts). */
  readonly truncated?: boolean;
}

/**
 * One engine under test. load() is called once per network, deliver() once per packet, for the first
 * `maxCases` cases of the run (all when absent: a slow engine can be judged on a prefix of the stream).
 * `stages`: also judge the dropping stage when engine and oracle both drop (not on ECMP networks).
 */
export interface ConformanceEngine {
  readonly name: string;
  readonly maxCases?: number;
  readonly stages?: boolean;
  load(net: LoadedNetwork): Promise<void>;
  deliver(request: TraceRequest, resolved: ResolvedRequest): Promise<EngineAnswer>;
  /**
   * Asked when the engine disagrees: true when the oracle's answer there depends on which of two
   * overlapping equal-priority flows runs first and `got` is the answer with the other one first. Such
   * a case is reported (EngineReport.orderDependent), not counted as a disagreement.
   */
  orderDependent?(request: TraceRequest, resolved: ResolvedRequest, got: EngineAnswer): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The judge. `ports` answers every case; `dropStages` (asked only when a stage-judged engine and the
 * oracle both drop) gives the stages it accepts as "where it dropped", null when it cannot tell.
 */
export interface ConformanceOracle {
  readonly name: string;
  load(net: LoadedNetwork): Promise<void>;
  ports(request: TraceRequest, resolved: ResolvedRequest): Promise<string[]>;
  dropStages(request: TraceRequest, resolved: ResolvedRequest): Promise<Set<string> | null>;
  /**
   * Asks again from a fresh start (a new ovn-trace process over the same SB), for a case some engine
   * disagreed on. Absent for an oracle that keeps no state between cases.
   */
  confirm?(request: TraceRequest, resolved: ResolvedRequest): Promise<OracleAnswer>;
  stop(): Promise<void>;
}

/**
 * What the oracle said of one case when asked afresh; `detail` is the fresh trace's text and
 * `previous` the long-running process's text of the same case, kept when the answers differ.
 */
export interface OracleAnswer {
  readonly ports: string[];
  readonly dropStages: Set<string> | null;
  readonly detail?: string;
  readonly previous?: string;
}

export interface Disagreement {
  seed: number;
  engine: string;
  /** 'ports': the delivered sets differ; 'stage': both drop, at different stages. */
  kind: 'ports' | 'stage';
  /** Classes of the case (the source's tags: features and known version differences). */
  tags: string[];
  request: TraceRequest;
  /** The engine's ports (kind 'ports') or its dropping stage (kind 'stage'). */
  got: string[];
  /** The oracle's ports, or the stages it dropped at. */
  ovn: string[];
  summary: string;
  /** The oracle's trace of the case, when it was asked again (ConformanceOracle.confirm). */
  trace?: string;
}

export interface EngineReport {
  /** Cases this engine was asked (≤ the run's cases with maxCases). */
  cases: number;
  agreed: number;
  /** Port-set disagreements. */
  disagreements: Disagreement[];
  /** Stage-judged engines: cases where both dropped and the stage was judged, and how many agreed. */
  drops: number;
  stageAgreed: number;
  stageDisagreements: Disagreement[];
  /** Disagreements the engine's orderDependent() set aside (ports or stage). */
  orderDependent: Disagreement[];
}

export interface ConformanceReport {
  release: string;
  source: string;
  oracle: string;
  cases: number;
  topologies: number;
  skipped: number;
  /**
   * Cases real ovn-trace could not answer: its process died on the trace (its unixctl connection closed
   * without a reply). Seen on a load-balancer hairpin that goes round a gateway router, in some loads
   * only: which of two equal-priority flows ovn-trace runs there depends on the rows' UUIDs. Skipped and
   * named in the report; the oracle is restarted for the next cases.
   */
  oracleDied: { seed: number; request: TraceRequest; error: string }[];
  /**
   * Cases where the oracle, asked again by a fresh process over the same SB, answered otherwise than
   * the long-running one that first answered (each case an engine disagreed on is asked again). The
   * fresh answer is the one engines are judged by; both are kept here, with the first trace's text.
   */
  oracleUnstable: {
    seed: number;
    request: TraceRequest;
    first: string;
    fresh: string;
    detail: string;
    previous: string;
  }[];
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
  /** Where networks and packets come from; default the seeded generator. */
  source?: CaseSource;
  /** The judge; default the bed's real ovn-trace (ovnTraceOracle). */
  oracle?: ConformanceOracle;
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

/**
 * The bed's real ovn-trace as the oracle: member 1 of every ECMP group, plus members 2 and 3 for
 * networks that have ECMP.
 */
export function ovnTraceOracle(tb: OvnTestbed): ConformanceOracle {
  // ovn-trace picks an ECMP member at random unless told which: member 1 here, and for networks with
  // ECMP routes also members 2 and 3 (generated groups have two members, three when the ECMP pair
  // joins the generator's other src-ip route), judged by the union of the answers.
  const first = new OvnTraceOracle(tb, ['--select-id=1']);
  const others = [2, 3].map((id) => new OvnTraceOracle(tb, [`--select-id=${id}`]));
  let ecmp = false;
  return {
    name: 'ovn-trace',
    async load(net) {
      ecmp = net.gen.ecmp ?? false;
      await first.restart();
      if (ecmp) for (const o of others) await o.restart();
    },
    async ports(_req, r) {
      let ovn = (await first.trace(r)).ports;
      if (ecmp) for (const o of others) ovn = [...new Set([...ovn, ...(await o.trace(r)).ports])].sort();
      return ovn;
    },
    async dropStages(_req, r) {
      return ecmp ? null : dropStagesOf(await first.detailed(r));
    },
    async confirm(_req, r) {
      const previous = await first.detailed(r);
      let ports: string[] = [];
      let detail = '';
      for (const id of ecmp ? [1, 2, 3] : [1]) {
        const fresh = new OvnTraceOracle(tb, [`--select-id=${id}`]);
        try {
          await fresh.restart();
          ports = [...new Set([...ports, ...(await fresh.trace(r)).ports])].sort();
          if (id === 1) detail = await fresh.detailed(r);
        } finally {
          await fresh.stop();
        }
      }
      return { ports, dropStages: ecmp ? null : dropStagesOf(detail), detail, previous };
    },
    async stop() {
      await first.stop();
      for (const o of others) await o.stop();
    },
  };
}

function newEngineReport(): EngineReport {
  return {
    cases: 0,
    agreed: 0,
    disagreements: [],
    drops: 0,
    stageAgreed: 0,
    stageDisagreements: [],
    orderDependent: [],
  };
}

/** Makes one network of the source, loads it into the bed (NB, SB in sync) and tells the oracle. */
async function loadRound(
  tb: OvnTestbed,
  source: CaseSource,
  oracle: ConformanceOracle,
  seed: number,
  rng: Rng,
  opts: { lb: boolean; features: GenFeatures },
): Promise<LoadedNetwork> {
  const gen = source.network(rng, { ...opts, seed });
  // The model learns the release from the topology (a live NB tells it by its schema).
  const doc = tb.release === '23.03' ? gen.doc : { ...gen.doc, ovn_version: tb.release };
  const topology = buildTopology(doc, { kind: 'memory', name: `conformance-${seed}` });
  await tb.loadSnapshot(gen.doc);
  const net: LoadedNetwork = { tb, gen, topology, seed };
  await oracle.load(net);
  return net;
}

interface CaseCtx {
  readonly net: LoadedNetwork;
  readonly req: TraceRequest;
  readonly r: ResolvedRequest;
  readonly tags: string[];
  readonly ovn: string[];
  readonly oracle: ConformanceOracle;
}

/** An engine's answer to one case, judged against one answer of the oracle. */
interface Judged {
  readonly got: EngineAnswer;
  readonly ports: boolean;
  /** The dropping stage when both dropped and it is judged: true when it agrees. */
  readonly stage: boolean | null;
  readonly stages: Set<string> | null;
}

/** Judges one engine's answer by the oracle's ports and, when both drop, the dropping stage. */
async function judgeAnswer(
  e: ConformanceEngine,
  got: EngineAnswer,
  ovn: readonly string[],
  stagesOf: () => Promise<Set<string> | null>,
): Promise<Judged> {
  if (got.ports.join(',') !== ovn.join(',')) return { got, ports: false, stage: null, stages: null };
  if (!e.stages || ovn.length > 0 || got.truncated) return { got, ports: true, stage: null, stages: null };
  const stages = await stagesOf();
  if (!stages) return { got, ports: true, stage: null, stages: null };
  const stage = got.dropStage ?? null;
  return { got, ports: true, stage: stage !== null && stages.has(stage), stages };
}

const disagrees = (j: Judged) => !j.ports || j.stage === false;

function record(
  er: EngineReport,
  e: ConformanceEngine,
  j: Judged,
  c: CaseCtx,
  ovn: readonly string[],
  trace: string | undefined,
  orderDependent: boolean,
): void {
  er.cases++;
  const base = {
    seed: c.net.seed,
    engine: e.name,
    tags: c.tags,
    request: c.req,
    summary: j.got.summary,
    ...(trace !== undefined ? { trace } : {}),
  };
  const disagreement = (): Disagreement =>
    !j.ports
      ? { ...base, kind: 'ports', got: j.got.ports, ovn: [...ovn] }
      : { ...base, kind: 'stage', got: j.got.dropStage ? [j.got.dropStage] : [], ovn: [...j.stages!] };
  if (orderDependent) er.orderDependent.push(disagreement());
  else if (!j.ports) er.disagreements.push(disagreement());
  else {
    er.agreed++;
    if (j.stage === null) return;
    er.drops++;
    if (j.stage) er.stageAgreed++;
    else er.stageDisagreements.push(disagreement());
  }
}

/**
 * Asks the case's engines and records their agreement. When one disagrees and the oracle can be asked
 * afresh, it is: an answer the fresh oracle does not repeat was the long-running process's, not the
 * SB's, and every engine is judged by the fresh one (the case is reported as unstable).
 */
async function judgeCase(
  engines: readonly ConformanceEngine[],
  rep: ConformanceReport,
  c: CaseCtx,
): Promise<void> {
  const answers = new Map<ConformanceEngine, EngineAnswer>();
  for (const e of engines) answers.set(e, await e.deliver(c.req, c.r));
  let stagesMemo: Promise<Set<string> | null> | null = null;
  const stagesOf = () => (stagesMemo ??= c.oracle.dropStages(c.req, c.r));
  const judge = async (ovn: readonly string[], stages: () => Promise<Set<string> | null>) => {
    const out = new Map<ConformanceEngine, Judged>();
    for (const [e, got] of answers) out.set(e, await judgeAnswer(e, got, ovn, stages));
    return out;
  };
  let ovn: readonly string[] = c.ovn;
  let judged = await judge(ovn, stagesOf);
  let trace: string | undefined;
  if ([...judged.values()].some(disagrees) && c.oracle.confirm) {
    const fresh = await c.oracle.confirm(c.req, c.r);
    trace = fresh.detail;
    const key = (ports: readonly string[], stages: Set<string> | null) =>
      `${ports.join(',')} | ${stages ? [...stages].sort().join(',') : '-'}`;
    const first = key(ovn, ovn.length === 0 ? await stagesOf() : null);
    const again = key(fresh.ports, fresh.ports.length === 0 ? fresh.dropStages : null);
    if (first !== again) {
      rep.oracleUnstable.push({
        seed: c.net.seed,
        request: c.req,
        first,
        fresh: again,
        detail: fresh.detail ?? '',
        previous: fresh.previous ?? '',
      });
      ovn = fresh.ports;
      judged = await judge(ovn, async () => fresh.dropStages);
    }
  }
  for (const [e, j] of judged) {
    const setAside = disagrees(j) && ((await e.orderDependent?.(c.req, c.r, j.got)) ?? false);
    record(rep.engines[e.name]!, e, j, c, ovn, trace, setAside);
  }
}

export async function runConformance(
  tb: OvnTestbed,
  engines: readonly ConformanceEngine[],
  opts: ConformanceOptions,
): Promise<ConformanceReport> {
  const per = opts.perTopology ?? 12;
  const features = opts.features ?? featuresOfBed(tb);
  const source = opts.source ?? GENERATOR_SOURCE;
  const oracle = opts.oracle ?? ovnTraceOracle(tb);
  const rep: ConformanceReport = {
    release: tb.release,
    source: source.name,
    oracle: oracle.name,
    cases: 0,
    topologies: 0,
    skipped: 0,
    oracleDied: [],
    oracleUnstable: [],
    delivered: 0,
    tagCases: {},
    engines: Object.fromEntries(engines.map((e) => [e.name, newEngineReport()])),
  };
  try {
    for (let k = 0; rep.cases < opts.cases; k++) {
      const seed = opts.seed + k;
      const rng = new Rng(seed);
      const net = await loadRound(tb, source, oracle, seed, rng, { lb: opts.lb ?? k % 2 === 1, features });
      const active = engines.filter((e) => rep.engines[e.name]!.cases < (e.maxCases ?? Infinity));
      for (const e of active) await e.load(net);
      rep.topologies++;
      for (const req0 of source.requests(net.gen, rng, Math.min(per, opts.cases - rep.cases))) {
        const fixed = resolveOrFix(net.topology, req0);
        if (!fixed) {
          rep.skipped++;
          continue;
        }
        let ovn: string[];
        try {
          ovn = await oracle.ports(fixed.req, fixed.r);
        } catch (err) {
          // No answer to judge by: say so, and give the next cases a fresh oracle.
          rep.oracleDied.push({ seed, request: fixed.req, error: (err as Error).message });
          await oracle.load(net);
          continue;
        }
        rep.cases++;
        if (ovn.length > 0) rep.delivered++;
        const tags = source.tags?.(net.gen, fixed.req) ?? ['base'];
        for (const t of tags) rep.tagCases[t] = (rep.tagCases[t] ?? 0) + 1;
        const c: CaseCtx = { net, req: fixed.req, r: fixed.r, tags, ovn, oracle };
        await judgeCase(
          active.filter((e) => rep.engines[e.name]!.cases < (e.maxCases ?? Infinity)),
          rep,
          c,
        );
      }
    }
  } finally {
    await oracle.stop();
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
    `OVN ${rep.release}: ${rep.cases} cases from ${rep.source} (${rep.topologies} topologies, ${rep.delivered} delivered by the oracle ${rep.oracle}, ${rep.skipped} requests unresolvable and skipped, seed ${seed})`,
    `cases per tag: ${Object.entries(rep.tagCases)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
  ];
  if (rep.oracleDied.length > 0)
    lines.push(
      `${rep.oracleDied.length} cases not judged: the oracle died on them (${rep.oracleDied
        .slice(0, show)
        .map((d) => `seed ${d.seed} ${JSON.stringify(d.request)}: ${d.error}`)
        .join('; ')})`,
    );
  for (const u of rep.oracleUnstable.slice(0, show))
    lines.push(
      `oracle unstable (judged by the fresh answer): seed ${u.seed} ${JSON.stringify(u.request)}: first ${u.first}, fresh ${u.fresh}`,
      `  first process's trace:\n${u.previous}`,
      `  fresh process's trace:\n${u.detail}`,
    );
  for (const [name, er] of Object.entries(rep.engines)) {
    const stage = er.drops > 0 ? `, dropping stage ${er.stageAgreed}/${er.drops}` : '';
    const aside =
      er.orderDependent.length > 0
        ? `, ${er.orderDependent.length} set aside: their answer depends on the order of equal-priority flows`
        : '';
    lines.push(`agreement ${name}: ${er.agreed}/${er.cases}${stage}${aside}`);
    for (const d of er.orderDependent.slice(0, show)) lines.push(`  order-dependent: ${JSON.stringify(d)}`);
    const byTag = disagreementsByTag(er.disagreements);
    if (er.disagreements.length > 0)
      lines.push(
        `  disagreements by tag (tag: disagreements/cases): ${Object.entries(byTag)
          .map(([t, n]) => `${t}: ${n}/${rep.tagCases[t] ?? '?'}`)
          .join(', ')}`,
      );
    for (const { trace, ...d } of [...er.disagreements, ...er.stageDisagreements].slice(0, show)) {
      lines.push(`  disagreement: ${JSON.stringify(d)}`);
      if (trace) lines.push(`  the oracle's trace of it:\n${trace}`);
    }
  }
  return lines;
}
