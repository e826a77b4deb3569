// Engine choice (`--engine model | lflow | ovn-trace | auto`) and the cross-checking wrapper. With
// `auto` and a Southbound (live or a saved file), traces use lflow, OVN's own logical flows interpreted
// in-process, and a configurable sample of scheduled checks is re-traced on the model: the model is
// measured against the exact engine in production. Without an SB, `auto` is the model, cross-checked on
// a sample by ovn-trace when an SB remote and the binary are there. A different verdict increments
// `ovncp_engine_disagreements_total{engines}` and is logged with both verdicts. Only this file and
// engine/ovn-trace/ know that ovn-trace exists.

import { execFileSync } from 'node:child_process';
import { Counter, type Registry } from 'prom-client';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ovsSslArgs, type SslFiles } from '../ovsdb/remote.ts';
import { createOvnTraceEngine, type OvnTraceEngine, type OvnTraceMode } from './ovn-trace/engine.ts';
import { deliveryOfTree, sameDelivery } from './result/outcome.ts';
import type { TraceTree } from './result/tree.ts';
import type { TraceEngine, TraceOptions, TraceRequest } from './types.ts';

export type EngineChoice = 'model' | 'lflow' | 'ovn-trace' | 'auto';

/** Default share of `auto` traces that ovn-trace re-checks. */
export const DEFAULT_CROSS_CHECK_SAMPLE = 0.1;

export interface CrossCheckOptions {
  readonly primary: TraceEngine;
  readonly checker: TraceEngine;
  /** 0..1: the share of traces also sent to the checker. */
  readonly sample: number;
  readonly registry: Registry;
  readonly logger?: Logger;
  /** Injected for tests; Math.random by default. */
  readonly random?: () => number;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The `engines` label of a pair: both names, sorted (`lflow,model`, `model,ovn-trace`). */
export function enginePair(a: string, b: string): string {
  return [a, b].sort().join(',');
}

/** A TraceEngine that answers with `primary` and re-checks a sample of traces with `checker`. */
export class CrossCheckEngine implements TraceEngine {
  readonly name: TraceEngine['name'];
  private readonly disagreements: Counter.Internal;
  private readonly checks: Counter;
  private readonly engines: string;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: CrossCheckOptions) {
    this.name = o.primary.name;
    this.engines = enginePair(o.primary.name, o.checker.name);
    const disagreements = counter(
      o.registry,
      'ovncp_engine_disagreements_total',
      'Cross-checked traces where two engines gave different verdicts (engines: the pair, e.g. lflow,model).',
      ['engines'],
    );
    disagreements.inc({ engines: this.engines }, 0);
    this.disagreements = disagreements.labels({ engines: this.engines });
    this.checks = counter(
      o.registry,
      'ovncp_engine_cross_checks_total',
      'Traces re-checked by a second engine in auto mode, by engine pair and outcome (agree, disagree, error).',
      ['engines', 'outcome'],
    );
  }

  async trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree> {
    const result = await this.o.primary.trace(request, options);
    if ((this.o.random ?? Math.random)() < this.o.sample) {
      // The checker traces the same topology object: a verdict from another snapshot is no check.
      const p = this.check(request, options.network, result).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
    return result;
  }

  private async check(
    request: TraceRequest,
    network: TraceOptions['network'],
    primary: TraceTree,
  ): Promise<void> {
    try {
      const other = await this.o.checker.trace(request, { network });
      const a = deliveryOfTree(primary);
      const b = deliveryOfTree(other);
      if (sameDelivery(a, b)) {
        this.checks.inc({ engines: this.engines, outcome: 'agree' });
        return;
      }
      this.checks.inc({ engines: this.engines, outcome: 'disagree' });
      this.disagreements.inc();
      this.o.logger?.warn(
        {
          request,
          [primary.engine]: a,
          [other.engine]: b,
          dropped_at: {
            [primary.engine]: primary.reached ? null : (primary.shown.dropped?.stage ?? null),
            [other.engine]: other.reached ? null : (other.shown.dropped?.stage ?? null),
          },
        },
        `engines disagree (${this.engines})`,
      );
    } catch (err) {
      this.checks.inc({ engines: this.engines, outcome: 'error' });
      this.o.logger?.warn({ err, request }, 'cross-check trace failed');
    }
  }

  /** Resolves when every background check started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.idle();
  }
}

export interface EngineSetOptions {
  readonly choice: EngineChoice;
  /** The SB remote; without it ovn-trace cannot run. */
  readonly sbDb: string | null;
  /** The model engine (built by the caller, so this file does not depend on its internals). */
  readonly model: TraceEngine;
  /** The lflow engine on the followed or loaded SB; null without an SB (then `lflow` answers 503). */
  readonly lflow?: TraceEngine | null;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly crossCheckSample?: number;
  readonly timeoutMs?: number;
  readonly ovnTraceMode?: OvnTraceMode;
  readonly dbOptions?: readonly string[];
  /**
   * False when the runtime follows the SB itself and tells the ovn-trace engine of every change
   * (OvnTraceEngine.sbChanged), in order with the never-stale gate; default: its own ovsdb-client watch.
   */
  readonly ovnTraceWatchSb?: boolean;
}

/** The engines of one daemon: the model, ovn-trace when it can run, and the configured one. */
export interface EngineSet {
  readonly model: TraceEngine;
  readonly lflow: TraceEngine | null;
  readonly ovnTrace: OvnTraceEngine | null;
  /** The engine for one path's `engine` setting. */
  forChoice(choice: EngineChoice): TraceEngine;
  /**
   * The engine for an on-demand /trace/flow: the one `--engine` selects (503 if it cannot run), where
   * `auto` means the authoritative answer: lflow when there is an SB; else ovn-trace when an SB remote
   * and the binary are there; else the model. Scheduled checks use forChoice(): `auto` there is lflow
   * cross-checked by the model on a sample, or the model cross-checked by ovn-trace.
   */
  onDemand(): TraceEngine;
  close(): Promise<void>;
}

export function ovnTraceInstalled(): boolean {
  try {
    execFileSync('ovn-trace', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function unavailableReason(sbDb: string | null): string | null {
  if (!sbDb) return 'ovn-trace needs the Southbound DB (--ovn.sb-db or OVN_SB_DB)';
  return ovnTraceInstalled() ? null : 'ovn-trace is not installed';
}

/**
 * Builds the daemon's engines. ovn-trace starts at once for `ovn-trace`/`auto`; with `model` it starts
 * only if a path asks for it. Without an SB or the binary, `auto` is the model alone (logged once) and
 * `ovn-trace` answers 503.
 */
export function createEngineSet(o: EngineSetOptions): EngineSet {
  const why = unavailableReason(o.sbDb);
  const lflow = o.lflow ?? null;
  let ovnTrace: OvnTraceEngine | null = null;
  const getOvnTrace = (): OvnTraceEngine => {
    if (why !== null || !o.sbDb) throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', why ?? 'no SB');
    ovnTrace ??= createOvnTraceEngine({
      sbDb: o.sbDb,
      mode: o.ovnTraceMode ?? 'daemon',
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.logger ? { logger: o.logger.child({ engine: 'ovn-trace' }) } : {}),
      ...(o.dbOptions ? { dbOptions: o.dbOptions } : {}),
      ...(o.ovnTraceWatchSb === false ? { externalSbChanges: true } : {}),
    });
    return ovnTrace;
  };
  const getLflow = (): TraceEngine => {
    if (lflow) return lflow;
    throw new OvncpError(
      'OVNCP_ERR_ENGINE_UNAVAILABLE',
      'the lflow engine needs a Southbound: --ovn.sb-db (or OVN_SB_DB) or --topology.sb-file',
    );
  };
  // With an SB for lflow, `auto` needs no ovn-trace: it starts only for `ovn-trace` or a path asking.
  const wantsOvnTrace = o.choice === 'ovn-trace' || (o.choice === 'auto' && !lflow);
  // Asked for by name, a missing ovn-trace is a warning; under `auto` it only means "the model alone".
  if (wantsOvnTrace && why !== null)
    o.logger?.[o.choice === 'ovn-trace' ? 'warn' : 'info']({ engine: o.choice }, `${why}; ovn-trace is off`);
  if (wantsOvnTrace && why === null) getOvnTrace();
  const sample = o.crossCheckSample ?? DEFAULT_CROSS_CHECK_SAMPLE;
  const crossCheck = (primary: TraceEngine, checker: TraceEngine) =>
    new CrossCheckEngine({
      primary,
      checker,
      sample,
      registry: o.registry,
      ...(o.logger ? { logger: o.logger } : {}),
    });
  const auto: TraceEngine = lflow
    ? crossCheck(lflow, o.model)
    : why === null
      ? crossCheck(o.model, { name: 'ovn-trace', trace: (req, opts) => getOvnTrace().trace(req, opts) })
      : o.model;
  const byName = (choice: Exclude<EngineChoice, 'auto'>): TraceEngine =>
    choice === 'model' ? o.model : choice === 'lflow' ? getLflow() : getOvnTrace();
  // A path's `auto` is the daemon's choice: `--engine lflow` runs the checks on lflow, and so on.
  const forChoice = (choice: EngineChoice): TraceEngine => {
    const c = choice === 'auto' ? o.choice : choice;
    return c === 'auto' ? auto : byName(c);
  };
  const autoOnDemand = (): TraceEngine => lflow ?? (why === null ? getOvnTrace() : o.model);
  return {
    model: o.model,
    lflow,
    get ovnTrace() {
      return ovnTrace;
    },
    forChoice,
    onDemand: () => (o.choice === 'auto' ? autoOnDemand() : forChoice(o.choice)),
    async close() {
      if (auto instanceof CrossCheckEngine) await auto.close();
      await ovnTrace?.close();
    },
  };
}

/** What the daemon needs from the settings to build its engines (typed, paths already resolved). */
export interface DaemonEngineSettings {
  readonly engine: EngineChoice;
  readonly sbDb: string | null;
  /** engine.cross_check_sample; null = DEFAULT_CROSS_CHECK_SAMPLE. */
  readonly crossCheckSample: number | null;
  /** Files for an ssl: SB, the same the NB client gets. */
  readonly ssl: SslFiles | undefined;
}

/**
 * The daemon's engines from its settings: `--engine`, `--ovn.sb-db`, `engine.cross_check_sample`, and
 * the SSL files (as OVS options for ovn-trace).
 * `model` is passed in so the daemon decides how the model engine is built.
 */
export function daemonEngines(
  s: DaemonEngineSettings,
  deps: {
    model: TraceEngine;
    registry: Registry;
    logger?: Logger;
    lflow?: TraceEngine | null;
    ovnTraceWatchSb?: boolean;
  },
): EngineSet {
  return createEngineSet({
    choice: s.engine,
    sbDb: s.sbDb,
    model: deps.model,
    ...(deps.lflow ? { lflow: deps.lflow } : {}),
    ...(deps.ovnTraceWatchSb === false ? { ovnTraceWatchSb: false } : {}),
    registry: deps.registry,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(s.crossCheckSample === null ? {} : { crossCheckSample: s.crossCheckSample }),
    dbOptions: ovsSslArgs(s.ssl),
  });
}
