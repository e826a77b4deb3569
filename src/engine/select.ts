// Engine choice (`--engine model | ovn-trace | auto`) and the cross-checking wrapper. With `auto`,
// traces use the model engine (fast, in-process) and a configurable sample of them is also traced by
// ovn-trace in the background; a different verdict increments `ovncp_engine_disagreements_total` and
// is logged with both verdicts. Only this file and engine/ovn-trace/ know that ovn-trace exists.

import { execFileSync } from 'node:child_process';
import { Counter, type Registry } from 'prom-client';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ovsSslArgs, type SslFiles } from '../ovsdb/remote.ts';
import { createOvnTraceEngine, type OvnTraceEngine, type OvnTraceMode } from './ovn-trace/engine.ts';
import { deliveryOfTree, sameDelivery } from './result/outcome.ts';
import type { TraceTree } from './result/tree.ts';
import type { TraceEngine, TraceOptions, TraceRequest } from './types.ts';

export type EngineChoice = 'model' | 'ovn-trace' | 'auto';

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

/** A TraceEngine that answers with `primary` and re-checks a sample of traces with `checker`. */
export class CrossCheckEngine implements TraceEngine {
  readonly name: TraceEngine['name'];
  private readonly disagreements: Counter;
  private readonly checks: Counter;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: CrossCheckOptions) {
    this.name = o.primary.name;
    this.disagreements = counter(
      o.registry,
      'ovncp_engine_disagreements_total',
      'Cross-checked traces where the model engine and ovn-trace gave different verdicts.',
    );
    this.checks = counter(
      o.registry,
      'ovncp_engine_cross_checks_total',
      'Traces re-checked by ovn-trace in auto mode, by outcome (agree, disagree, error).',
      ['outcome'],
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
        this.checks.inc({ outcome: 'agree' });
        return;
      }
      this.checks.inc({ outcome: 'disagree' });
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
        'engines disagree',
      );
    } catch (err) {
      this.checks.inc({ outcome: 'error' });
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
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly crossCheckSample?: number;
  readonly timeoutMs?: number;
  readonly ovnTraceMode?: OvnTraceMode;
  readonly dbOptions?: readonly string[];
}

/** The engines of one daemon: the model, ovn-trace when it can run, and the configured one. */
export interface EngineSet {
  readonly model: TraceEngine;
  readonly ovnTrace: OvnTraceEngine | null;
  /** The engine for one path's `engine` setting. */
  forChoice(choice: EngineChoice): TraceEngine;
  /**
   * The engine for an on-demand /trace/flow: the one `--engine` selects (503 if it cannot run), where
   * `auto` means the authoritative answer, ovn-trace, whenever an SB DB and the binary are there (else
   * the model). Scheduled checks use forChoice(): `auto` there is the model, cross-checked on a sample.
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
  let ovnTrace: OvnTraceEngine | null = null;
  const getOvnTrace = (): OvnTraceEngine => {
    if (why !== null || !o.sbDb) throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', why ?? 'no SB');
    ovnTrace ??= createOvnTraceEngine({
      sbDb: o.sbDb,
      mode: o.ovnTraceMode ?? 'daemon',
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.logger ? { logger: o.logger.child({ engine: 'ovn-trace' }) } : {}),
      ...(o.dbOptions ? { dbOptions: o.dbOptions } : {}),
    });
    return ovnTrace;
  };
  if (o.choice !== 'model' && why !== null) o.logger?.warn({ engine: o.choice }, `${why}; ovn-trace is off`);
  if (o.choice !== 'model' && why === null) getOvnTrace();
  const auto: TraceEngine =
    why === null
      ? new CrossCheckEngine({
          primary: o.model,
          checker: { name: 'ovn-trace', trace: (req, opts) => getOvnTrace().trace(req, opts) },
          sample: o.crossCheckSample ?? DEFAULT_CROSS_CHECK_SAMPLE,
          registry: o.registry,
          ...(o.logger ? { logger: o.logger } : {}),
        })
      : o.model;
  const forChoice = (choice: EngineChoice): TraceEngine =>
    choice === 'model' ? o.model : choice === 'auto' ? auto : getOvnTrace();
  return {
    model: o.model,
    get ovnTrace() {
      return ovnTrace;
    },
    forChoice,
    onDemand: () => (o.choice === 'auto' ? (why === null ? getOvnTrace() : o.model) : forChoice(o.choice)),
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
  deps: { model: TraceEngine; registry: Registry; logger?: Logger },
): EngineSet {
  return createEngineSet({
    choice: s.engine,
    sbDb: s.sbDb,
    model: deps.model,
    registry: deps.registry,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(s.crossCheckSample === null ? {} : { crossCheckSample: s.crossCheckSample }),
    dbOptions: ovsSslArgs(s.ssl),
  });
}
