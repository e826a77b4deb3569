// The ovn-trace engine: the real OVN tracer behind the TraceEngine interface. A request is resolved
// against the topology like the model engine does, turned into a microflow from typed fields, traced
// by a long-lived ovn-trace daemon (or one process per trace), and the detailed text parsed into hops.
// While a daemon restarts, traces wait for it (a one-shot run would load the same SB no faster); they
// run one-shot when no daemon can start, and for load-balancer backends (`--lb-dst` is one-shot only).

import { OvncpError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Topology } from '../../ovn/topology/types.ts';
import { resolveRequest } from '../resolve.ts';
import type { TraceTree } from '../result/tree.ts';
import type { ResolvedRequest, TraceEngine, TraceOptions, TraceRequest } from '../types.ts';
import { buildRun, type TraceRun } from './build-result.ts';
import { combineMembers, ecmpMembersOf } from './ecmp-members.ts';
import { friendlyNames, unfriendly } from './friendly-names.ts';
import { combineBackends, forBackend, lbBackendsOf } from './lb-backends.ts';
import { buildMicroflow, type Microflow } from './microflow.ts';
import { DEFAULT_TIMEOUT_MS, traceFailure, traceOneShot } from './one-shot.ts';
import type { OvnTools } from './ovn-tools.ts';
import { type ParsedTrace, parseDetailed } from './parse-detailed.ts';
import { SbWatch } from './sb-watch.ts';
import { StageHints } from './stage-hints.ts';
import { DAEMON_CT_STATES, TraceDaemonInstance } from './trace-daemon.ts';
import { treeOfRun } from './unite-results.ts';

export type OvnTraceMode = 'daemon' | 'one-shot';

export interface OvnTraceEngineOptions {
  /** SB remote, e.g. `unix:/run/ovn/ovnsb_db.sock` or `tcp:10.0.0.1:6642`. */
  readonly sbDb: string;
  readonly mode?: OvnTraceMode;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** SSL options for OVS tools (`--private-key=…`, `--certificate=…`, `--ca-cert=…`). */
  readonly dbOptions?: readonly string[];
  /** Watch the SB for changes with ovsdb-client (default true in daemon mode). */
  readonly watchSb?: boolean;
  /**
   * The caller follows the SB and calls sbChanged() on every change (the runtime's live SB): then
   * neither the ovsdb-client watch nor the new-topology hint is used.
   */
  readonly externalSbChanges?: boolean;
  /** ct states per daemon instance (tests use a small number to exercise the budget). */
  readonly daemonCtStates?: number;
  /**
   * Which ovn-trace to run (default: the host's). Internal: the tests point it at a chroot with
   * another OVN release; the SB watch and stage hints keep using the host's OVSDB tools.
   */
  readonly tools?: OvnTools;
}

/** Replace a daemon when fewer ct states than this are left. */
const CT_LOW_WATER = 256;
const START_RETRY_MS = 5000;

export interface OvnTraceStats {
  daemonTraces: number;
  oneShotTraces: number;
  daemonStarts: number;
  daemonFailures: number;
}

export class OvnTraceEngine implements TraceEngine {
  readonly name = 'ovn-trace' as const;
  readonly stats: OvnTraceStats = { daemonTraces: 0, oneShotTraces: 0, daemonStarts: 0, daemonFailures: 0 };
  private readonly mode: OvnTraceMode;
  private readonly timeoutMs: number;
  private readonly hints: StageHints;
  private readonly watch: SbWatch | null;
  private daemon: TraceDaemonInstance | null = null;
  private daemonGen = -1;
  private gen = 0;
  private starting: Promise<void> | null = null;
  private lastStartFailure = 0;
  private lastTopology: Topology | null = null;
  private lastSbChangeAt = Date.now();
  private closed = false;
  private readonly stopping = new Set<Promise<void>>();

  constructor(private readonly opts: OvnTraceEngineOptions) {
    this.mode = opts.mode ?? 'daemon';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.hints = new StageHints({ sbDb: opts.sbDb, dbOptions: opts.dbOptions ?? [] });
    const watch = !opts.externalSbChanges && (opts.watchSb ?? this.mode === 'daemon');
    this.watch = watch
      ? new SbWatch({ sbDb: opts.sbDb, dbOptions: opts.dbOptions ?? [], onChange: () => this.sbChanged() })
      : null;
    if (this.mode === 'daemon') this.ensureDaemon();
  }

  /** The SB changed: daemons that read the old one are replaced, cached stage hints dropped. */
  sbChanged(): void {
    this.gen++;
    this.lastSbChangeAt = Date.now();
    this.hints.clear();
    this.ensureDaemon();
  }

  /** Resolves once a fresh daemon is serving (daemon mode), for tests and benchmarks. */
  async ready(): Promise<void> {
    for (let i = 0; i < 100 && this.mode === 'daemon' && !this.closed; i++) {
      if (this.daemonFresh()) return;
      this.ensureDaemon();
      if (this.starting) await this.starting;
      else await new Promise((r) => setTimeout(r, 50));
    }
    if (this.mode === 'daemon' && !this.daemonFresh()) {
      throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', 'ovn-trace daemon did not start');
    }
  }

  /** Pid and temp dir of the current daemon (tests check both are gone after close). */
  daemonPid(): number | null {
    return this.daemon?.pid ?? null;
  }
  daemonDir(): string | null {
    return this.daemon?.dir ?? null;
  }

  async trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree> {
    if (this.closed) throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', 'ovn-trace engine is closed');
    const topology = options.network;
    // Without the SB watch, a new topology is the only hint that the SB changed too.
    if (
      !this.watch &&
      !this.opts.externalSbChanges &&
      this.lastTopology !== null &&
      topology !== this.lastTopology
    )
      this.sbChanged();
    this.lastTopology = topology;
    const resolved = resolveRequest(topology, request);
    const flow = buildMicroflow(resolved);
    const { raw, parsed } = await this.run(flow, options.signal);
    const input = { request, resolved };
    const runOf = (
      p: ParsedTrace,
      text: string,
      r: ResolvedRequest,
      alt?: { backend?: string; member?: string },
    ) =>
      buildRun({ parsed: p, raw: text, resolved: r, request, topology, stageHints: this.hints.lookup }, alt);
    const backends = lbBackendsOf(parsed);
    const members = backends.length === 0 ? ecmpMembersOf(parsed) : [];
    if (members.length > 1) {
      const runs: TraceRun[] = [];
      for (const id of members) {
        const rawM = await this.oneShot(flow, options.signal, [`--select-id=${id}`]);
        runs.push(await runOf(this.parse(rawM), rawM, resolved, { member: String(id) }));
      }
      return combineMembers(input, members, runs);
    }
    if (backends.length === 0 || resolved.destinationPort !== null) {
      return treeOfRun(input, await runOf(parsed, raw, resolved));
    }
    const runs: TraceRun[] = [];
    for (const b of backends) {
      const rawB = await this.oneShot(flow, options.signal, [`--lb-dst=${b.lbDst}`]);
      runs.push(await runOf(this.parse(rawB), rawB, forBackend(topology, resolved, b), { backend: b.raw }));
    }
    return combineBackends(input, backends, runs);
  }

  private oneShot(flow: Microflow, signal: AbortSignal | undefined, extra: string[] = []): Promise<string> {
    this.stats.oneShotTraces++;
    return traceOneShot(flow, {
      sbDb: this.opts.sbDb,
      extraOptions: [...(this.opts.dbOptions ?? []), ...extra],
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
      ...(this.opts.tools ? { tools: this.opts.tools } : {}),
    });
  }

  private async run(flow: Microflow, signal?: AbortSignal): Promise<{ raw: string; parsed: ParsedTrace }> {
    if (this.mode === 'daemon') {
      const viaDaemon = await this.viaDaemon(flow);
      if (viaDaemon) return viaDaemon;
    }
    const raw = await this.oneShot(flow, signal);
    return { raw, parsed: this.parse(raw) };
  }

  /** Parses a trace of the current topology, its friendly names mapped back (friendly-names.ts). */
  private parse(raw: string): ParsedTrace {
    return parseDetailed(this.lastTopology ? unfriendly(raw, friendlyNames(this.lastTopology)) : raw);
  }

  /** The daemon may answer: it read the current SB, runs, and has ct states left. */
  private serves(d: TraceDaemonInstance | null): d is TraceDaemonInstance {
    return d !== null && this.daemonGen === this.gen && d.usable && d.ctLeft > 0;
  }

  /** …and does not need replacing soon (ct budget above the low-water mark). */
  private daemonFresh(): boolean {
    return this.serves(this.daemon) && this.daemon.ctLeft >= this.ctLowWater;
  }

  /** A quarter of a small budget, so tests with a few ct states still use the daemon. */
  private get ctLowWater(): number {
    return Math.min(CT_LOW_WATER, Math.floor((this.opts.daemonCtStates ?? DAEMON_CT_STATES) / 4));
  }

  /** A daemon answer, or null when the caller should run one-shot instead (restart under way). */
  private async viaDaemon(flow: Microflow): Promise<{ raw: string; parsed: ParsedTrace } | null> {
    this.ensureDaemon();
    if (!this.serves(this.daemon) && this.starting) {
      // Wait for the restart rather than run one-shot: it started earlier and reads the same SB, so it
      // is ready no later than a one-shot process would be (both load the whole SB).
      await Promise.race([this.starting, new Promise((r) => setTimeout(r, this.timeoutMs).unref())]);
    }
    const d = this.daemon;
    if (!this.serves(d)) return null;
    let raw: string;
    try {
      raw = await d.trace(flow, this.timeoutMs);
    } catch (err) {
      this.replace(d, err);
      if (err instanceof OvncpError && err.code === 'OVNCP_ERR_TIMEOUT') throw err;
      return null;
    }
    if (!raw.startsWith('#')) {
      // `unknown datapath`/`unknown logical port` from a daemon may only mean it read an older SB.
      // A daemon started after the last SB change read the current SB: then the name is really unknown.
      if (/unknown (datapath|logical port|port)/i.test(raw) && d.startedAt <= this.lastSbChangeAt) {
        this.replace(d, new Error(raw.trim()));
        return null;
      }
      throw traceFailure(raw);
    }
    const parsed = this.parse(raw);
    d.ctLeft -= parsed.ctSteps;
    if (parsed.ctDefaultUsed) {
      this.replace(d, new Error('ct states exhausted'));
      return null;
    }
    if (d.ctLeft < this.ctLowWater) this.ensureDaemon();
    this.stats.daemonTraces++;
    return { raw, parsed };
  }

  private replace(d: TraceDaemonInstance, why: unknown): void {
    this.opts.logger?.warn({ err: why, pid: d.pid }, 'replacing ovn-trace daemon');
    this.stats.daemonFailures++;
    if (this.daemon === d) this.daemon = null;
    this.track(d.stop());
    this.ensureDaemon();
  }

  /** Starts a daemon for the current SB generation unless one is fresh or starting. */
  private ensureDaemon(): void {
    if (this.mode !== 'daemon' || this.closed || this.starting || this.daemonFresh()) return;
    if (Date.now() - this.lastStartFailure < START_RETRY_MS) return;
    const gen = this.gen;
    this.starting = TraceDaemonInstance.start({
      sbDb: this.opts.sbDb,
      dbOptions: this.opts.dbOptions ?? [],
      ctStates: this.opts.daemonCtStates ?? DAEMON_CT_STATES,
      ...(this.opts.tools ? { tools: this.opts.tools } : {}),
    })
      .then((inst) => this.install(inst, gen))
      .catch((err: unknown) => {
        this.lastStartFailure = Date.now();
        this.opts.logger?.error({ err }, 'ovn-trace daemon failed to start; tracing one-shot');
      })
      .finally(() => {
        this.starting = null;
        if (this.daemonGen !== this.gen) this.ensureDaemon();
      });
  }

  private install(inst: TraceDaemonInstance, gen: number): void {
    this.stats.daemonStarts++;
    if (this.closed) {
      this.track(inst.stop());
      return;
    }
    const old = this.daemon;
    this.daemon = inst;
    this.daemonGen = gen;
    this.opts.logger?.info({ pid: inst.pid, generation: gen }, 'ovn-trace daemon ready');
    if (old) this.track(this.retire(old));
  }

  private track(p: Promise<void>): void {
    const t = p.catch(() => {}).finally(() => this.stopping.delete(t));
    this.stopping.add(t);
  }

  /** Stops an old daemon once its in-flight traces are answered (or after the trace timeout). */
  private async retire(old: TraceDaemonInstance): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (old.inflight > 0 && Date.now() < deadline && !this.closed)
      await new Promise((r) => setTimeout(r, 20));
    await old.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watch?.close();
    if (this.starting) await this.starting;
    const d = this.daemon;
    this.daemon = null;
    if (d) await d.stop();
    await Promise.all([...this.stopping]);
  }
}

export function createOvnTraceEngine(opts: OvnTraceEngineOptions): OvnTraceEngine {
  return new OvnTraceEngine(opts);
}
