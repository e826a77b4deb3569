// The path monitor: holds the paths config, expands it against the current topology, schedules the
// checks, records outcomes and keeps the metrics in step. Reload validates everything before swapping.
// A topology change re-runs first, ahead of anything queued, the checks whose last trace went through
// a changed datapath (or that errored), so a verdict follows an ACL change within a second even with
// 10k paths; only a global change (routers, re-addressed ports, NB options) re-runs the rest, behind.

import { setMaxListeners } from 'node:events';
import type { Registry } from 'prom-client';
import { DEFAULT_FILE_LIMITS } from '../config/yaml-file.ts';
import type { TraceResult } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { createMonitorMetrics, type MonitorMetrics } from '../metrics/monitor-metrics.ts';
import { type ChangedRows, changedRows } from '../ovn/topology/changed-rows.ts';
import { diffTopologies } from '../ovn/topology/diff.ts';
import type { TopologyChange, TopologyStore } from '../ovn/topology/store.ts';
import { type Check, type Expansion, expandPaths, type PathProblem } from './expand.ts';
import { type LoadAnswer, type LoadJob, runLoadJob } from './load-job.ts';
import { runLoad } from './load-worker.ts';
import { bySourceSwitch } from './locality.ts';
import { PathMetrics } from './path-metrics.ts';
import {
  derivePathStatus,
  type PathStatusInfo,
  PathStatusText,
  renderUnexpectedServices,
} from './path-status.ts';
import { EMPTY_PATHS_CONFIG, type PathsConfig } from './paths-config.ts';
import { type CheckOutcome, type CheckState, ResultsStore, type Trigger, verdictOf } from './results.ts';
import { type EngineProvider, errorOf, runCheck, traceFull } from './runner.ts';
import { Scheduler } from './scheduler.ts';
import { NO_SHARDING, type Shard, shardConfig } from './shard.ts';
import { VerdictHistory } from './verdict-history.ts';

export interface MonitorOptions {
  readonly pathsFile: string | null;
  readonly topology: TopologyStore;
  readonly engine: EngineProvider;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly shard?: Shard;
  /** Called once the first round of checks has finished (readiness). */
  readonly onFirstRound?: () => void;
  readonly random?: () => number;
  /** Size limit of the paths file (limits.paths_file). */
  readonly maxFileBytes?: number;
  /** Heap limit of the thread that parses a reloaded paths file (limits.parse_memory). */
  readonly parseHeapBytes?: number;
  /** Never stale: makes checks on SB-traced engines wait for an SB that reflects the NB (see below). */
  readonly freshness?: FreshnessGate | null;
  /**
   * Why the current topology may be out of date (the live NB is disconnected), else null. While it says
   * so, checks end as errors (reason topology_stale), never as a fresh verdict on an old topology.
   */
  readonly staleness?: () => string | null;
  /** Verdict transitions kept per path (paths.history; default DEFAULT_HISTORY). */
  readonly historySize?: number;
}

export const DEFAULT_HISTORY = 10;

/** Two pending causes of one check's re-run (changes that arrived before it ran) as one. */
function mergeCauses(a: ChangedRows | undefined, b: ChangedRows): ChangedRows {
  if (!a) return b;
  const rows = [...a.rows, ...b.rows];
  return { rows: rows.slice(0, Math.max(a.rows.length, b.rows.length, 10)), total: a.total + b.total };
}

/**
 * Whether the Southbound reflects the NB changes seen up to a time (src/sources/sb/sb-freshness.ts).
 * A check whose engine traces the SB waits for it before tracing; one that waits in vain is recorded as
 * pending (its old verdict keeps its old timestamp) and re-run once the SB has caught up.
 */
export interface FreshnessGate {
  /** True for engines whose checks wait for the SB now (SB engines, while an NB is ahead of the SB). */
  gates(engine: string): boolean;
  /** True for engines that trace the SB (lflow, ovn-trace): their checks re-run when the SB changes. */
  tracesSb(engine: string): boolean;
  /** True once fresh for `since`; false after the configured wait (or on abort). */
  wait(since: number, signal: AbortSignal): Promise<boolean>;
  /** Resolves true once fresh for `since`, however long it takes (false on abort). */
  whenFresh(since: number, signal: AbortSignal): Promise<boolean>;
}

export interface ReloadResult {
  readonly ok: boolean;
  /** The file's content is the one in use: nothing was parsed or changed. */
  readonly unchanged?: boolean;
  readonly error?: string;
  readonly paths: number;
  readonly checks: number;
}

/** True when a check must re-run first: no verdict yet, an error, unknown route, or a changed datapath. */
function affected(last: CheckOutcome | null, changed: ReadonlySet<string>): boolean {
  if (!last || last.error || !last.visited) return true;
  return last.visited.some((d) => changed.has(d));
}

/** Whether a port group some path expands changed (by identity): only then re-expand. */
function groupsChanged(config: PathsConfig, change: TopologyChange): boolean {
  const prev = change.previous;
  for (const p of config.paths)
    for (const e of [p.source, p.destination])
      if (e.kind === 'group' && prev?.portGroups.get(e.name) !== change.current.portGroups.get(e.name))
        return true;
  return false;
}

/** What makes a kept check's last verdict stale: anything that changes the trace itself. */
function traceSignature(c: Check): string {
  return JSON.stringify([c.path.overrides, c.path.engine]);
}

export class Monitor {
  readonly results = new ResultsStore();
  readonly pathMetrics = new PathMetrics();
  /** ovncp_path_status and ovncp_path_problem_info, each path's lines kept while its status holds. */
  private readonly statusText = new PathStatusText();
  readonly metrics: MonitorMetrics;
  /** Per path, its last verdict transitions and their causes. */
  readonly history: VerdictHistory;
  /** NB changes waiting for the re-run of a check they triggered (the cause of a flip it finds). */
  private readonly causes = new Map<string, ChangedRows>();
  /**
   * Checks from/to a port the NB changes since the last SB change touched (tier 0): the SB-driven
   * re-runs start with them, as the topology-driven runs did.
   */
  private nearChange = new Set<string>();
  private sbSinceNb = false;
  /** Checks waiting in sbCurrent: they trace after the gate opens, so on any SB that arrives meanwhile. */
  private readonly atGate = new Set<string>();
  private config: PathsConfig = EMPTY_PATHS_CONFIG;
  private problems: ReadonlyMap<string, PathProblem> = new Map();
  private keysByPath = new Map<string, string[]>();
  private readonly scheduler: Scheduler;
  private readonly abort = new AbortController();
  private readonly shard: Shard;
  private started = false;
  /** A config loaded before the first topology arrived; begin() applies it. */
  private waiting: PathsConfig | null = null;
  private stopped = false;
  private lastReload: { at: number; ok: boolean; error: string | null } | null = null;
  /** SHA-256 of the paths file content in use (null: none, or no file). */
  private digest: string | null = null;
  /** The reload running now, and at most one queued behind it (later callers share that one). */
  private reloading: Promise<ReloadResult> | null = null;
  private queued: Promise<ReloadResult> | null = null;
  private readonly onChange = (c: TopologyChange) => this.topologyChanged(c);

  constructor(private readonly opts: MonitorOptions) {
    this.shard = opts.shard ?? NO_SHARDING;
    // Every running check listens for shutdown (concurrency 64 > Node's warning threshold of 10).
    setMaxListeners(0, this.abort.signal);
    this.metrics = createMonitorMetrics(opts.registry);
    this.history = new VerdictHistory(opts.historySize ?? DEFAULT_HISTORY);
    this.metrics.shard.set(this.shard.shard);
    this.metrics.totalShards.set(this.shard.total);
    this.scheduler = new Scheduler({
      concurrency: this.config.concurrency,
      run: (key, trigger) => this.runOne(key, trigger),
      keysOf: (path) => this.keysByPath.get(path) ?? [],
      onSkip: (key) => opts.logger.debug({ check: key }, 'scheduled run skipped: previous run still busy'),
      ...(opts.random ? { random: opts.random } : {}),
    });
  }

  /**
   * Loads the paths file (throws OvncpError on a bad file), then runs the first round and arms the
   * timers: at once when a topology is loaded, else when the first one arrives (live NB still syncing).
   */
  async start(): Promise<void> {
    // In-line: nothing is served yet, and a bad file must stop the start with its error.
    const a = this.opts.pathsFile ? runLoadJob(this.loadJob(this.opts.pathsFile)) : null;
    if (a?.kind === 'failed') throw new OvncpError('OVNCP_ERR_CONFIG', a.error);
    const sharded = a?.kind === 'loaded' ? a.value : shardConfig(EMPTY_PATHS_CONFIG, this.shard);
    this.digest = a?.kind === 'loaded' ? a.digest : null;
    if (this.opts.topology.current()) return this.begin(sharded);
    this.waiting = sharded;
    this.markReload(true, null);
    this.opts.topology.once('change', () => this.begin(this.waiting ?? sharded));
  }

  private begin(config: PathsConfig): void {
    if (this.stopped) return;
    try {
      this.apply(config, expandPaths(config, this.opts.topology.current(), true), 'initial');
      this.markReload(true, null);
    } catch (err) {
      // Only possible when groups of the first topology blow the cap: run nothing, say why.
      this.markReload(false, errorOf(err).message);
      this.opts.logger.error({ err }, 'paths cannot be expanded against the topology');
    }
    this.started = true;
    this.opts.topology.on('change', this.onChange);
    void this.scheduler.idle().then(() => {
      if (this.stopped) return;
      this.opts.logger.info({ checks: this.results.size }, 'first round of path checks done');
      this.opts.onFirstRound?.();
    });
  }

  /** Resolves when no check is queued or running (tests, `check` command). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  private loadJob(file: string): LoadJob & { kind: 'paths' } {
    const maxBytes = this.opts.maxFileBytes ?? DEFAULT_FILE_LIMITS.pathsFileBytes;
    return { kind: 'paths', file, maxBytes, previousDigest: this.digest, shard: this.shard };
  }

  /**
   * Re-reads the paths file (a big one in a worker thread: the daemon keeps answering); on any error keeps the
   * running config and says why. Reloads run one at a time; callers arriving during one share the next.
   */
  reload(): Promise<ReloadResult> {
    if (!this.reloading) {
      this.reloading = this.reloadNow().finally(() => {
        this.reloading = null;
      });
      return this.reloading;
    }
    this.queued ??= this.reloading.then(() => {
      this.queued = null;
      return this.reload();
    });
    return this.queued;
  }

  private async reloadNow(): Promise<ReloadResult> {
    const file = this.opts.pathsFile;
    const answer: LoadAnswer<PathsConfig> = file
      ? await runLoad(this.loadJob(file), this.opts.parseHeapBytes ?? DEFAULT_FILE_LIMITS.parseMemoryBytes)
      : { kind: 'loaded', value: shardConfig(EMPTY_PATHS_CONFIG, this.shard), digest: '' };
    if (this.stopped) return { ok: false, error: 'stopped', paths: 0, checks: 0 };
    if (answer.kind === 'unchanged') {
      this.markReload(true, null);
      this.opts.logger.info({ file }, 'paths file unchanged: nothing to reload');
      return {
        ok: true,
        unchanged: true,
        paths: this.currentConfig().paths.length,
        checks: this.results.size,
      };
    }
    return this.applyReload(answer);
  }

  private applyReload(answer: Exclude<LoadAnswer<PathsConfig>, { kind: 'unchanged' }>): ReloadResult {
    try {
      if (answer.kind === 'failed') throw new OvncpError('OVNCP_ERR_CONFIG', answer.error);
      const sharded = answer.value;
      const expansion = expandPaths(sharded, this.opts.topology.current(), true);
      this.digest = answer.digest || null;
      if (!this.started) {
        this.waiting = sharded; // no topology yet: begin() will apply it
        this.markReload(true, null);
        return { ok: true, paths: sharded.paths.length, checks: expansion.checks.length };
      }
      this.apply(sharded, expansion, 'reload');
      this.markReload(true, null);
      this.opts.logger.info(
        { paths: sharded.paths.length, checks: expansion.checks.length },
        'paths reloaded',
      );
      return { ok: true, paths: sharded.paths.length, checks: expansion.checks.length };
    } catch (err) {
      const message = errorOf(err).message;
      this.markReload(false, message);
      this.opts.logger.error(
        { err, file: this.opts.pathsFile },
        `paths reload failed, keeping the previous paths: ${message}`,
      );
      return { ok: false, error: message, paths: this.config.paths.length, checks: this.results.size };
    }
  }

  private markReload(ok: boolean, error: string | null): void {
    this.lastReload = { at: Date.now(), ok, error };
    this.metrics.reloadOk.set(ok ? 1 : 0);
    if (ok) this.metrics.reloadTime.set(Date.now() / 1000);
  }

  /** Swaps in a validated config: keeps state of surviving checks, drops series of removed ones. */
  private apply(config: PathsConfig, expansion: Expansion, trigger: Trigger): void {
    // Same config re-expanded on a topology change: kept checks keep their definition and metrics.
    const sameConfig = config === this.config && trigger === 'topology';
    const before = sameConfig
      ? new Map<string, string>()
      : new Map([...this.results.all()].map((s) => [s.check.key, traceSignature(s.check)]));
    this.config = config;
    this.problems = expansion.problems;
    for (const [path, problem] of expansion.problems) this.opts.logger.warn({ path }, problem.message);
    const { added, removed, kept } = this.results.replace(expansion.checks);
    this.keysByPath = new Map();
    for (const c of expansion.checks) {
      const list = this.keysByPath.get(c.path.name) ?? [];
      list.push(c.key);
      this.keysByPath.set(c.path.name, list);
    }
    // A path's checks fire together on its schedule: in the cache-friendly order too.
    for (const [path, keys] of this.keysByPath) this.keysByPath.set(path, this.bySourceSwitch(keys));
    for (const s of removed) {
      this.pathMetrics.remove(s.check.key);
      this.causes.delete(s.check.key);
    }
    this.history.retain(new Set(config.paths.map((p) => p.name)));
    if (!sameConfig) for (const s of kept) this.pathMetrics.update(s);
    for (const s of added) this.pathMetrics.update(s);
    this.metrics.pathsConfigured.set(config.paths.length);
    this.metrics.checksConfigured.set(expansion.checks.length);
    this.scheduler.setConcurrency(config.concurrency);
    const names = new Set(config.paths.map((p) => p.name));
    for (const p of this.scheduler.scheduledPaths()) if (!names.has(p)) this.scheduler.removeSchedule(p);
    for (const p of config.paths) this.scheduler.setSchedule(p.name, p.schedule);
    for (const key of this.bySourceSwitch(added.map((s) => s.check.key)))
      this.scheduler.enqueue(key, trigger);
    if (!sameConfig)
      for (const s of kept)
        if (before.get(s.check.key) !== traceSignature(s.check))
          this.scheduler.enqueue(s.check.key, trigger, true);
  }

  /**
   * The topology source went stale (the NB disconnected): re-run every check now, so each path says it
   * cannot be checked instead of keeping its last verdict. When the source is back, the new topology
   * re-runs them first (errored checks count as affected).
   */
  topologyStale(): void {
    if (this.stopped || !this.started) return;
    const keys = [...this.results.all()].map((s) => s.check.key);
    for (const key of this.bySourceSwitch(keys)) this.scheduler.enqueue(key, 'topology', true, true);
  }

  private topologyChanged(change: TopologyChange): void {
    if (this.stopped || !this.started) return;
    // Group members may have changed: re-expand (never failing: over the cap truncates and says so).
    if (groupsChanged(this.config, change))
      this.apply(this.config, expandPaths(this.config, change.current, false), 'topology');
    const diff = diffTopologies(change.previous, change.current);
    // Three tiers: affected checks from/to a touched port, the other affected ones, then (global) the rest.
    const tiers: [string[], string[], string[]] = [[], [], []];
    for (const s of this.results.all()) {
      const c = s.check;
      const tier = !affected(s.last, diff.datapaths)
        ? 2
        : diff.ports.has(c.sourcePort) || diff.ports.has(c.destination)
          ? 0
          : 1;
      if (tier < 2 || diff.global) tiers[tier].push(c.key);
    }
    // Only when something will re-run: the rows are the cause a flip it finds is recorded with.
    const rows = tiers.some((t) => t.length > 0) ? changedRows(change.previous, change.current) : null;
    if (rows)
      for (const t of tiers)
        for (const key of t) this.causes.set(key, mergeCauses(this.causes.get(key), rows));
    if (this.sbSinceNb) this.nearChange = new Set();
    this.sbSinceNb = false;
    for (const key of tiers[0]) this.nearChange.add(key);
    for (const key of this.bySourceSwitch(tiers[0])) this.scheduler.enqueue(key, 'topology', true, true);
    for (const key of this.bySourceSwitch(tiers[1])) this.scheduler.enqueue(key, 'topology', true, true);
    for (const key of this.bySourceSwitch(tiers[2])) this.scheduler.enqueue(key, 'topology', true);
    const [first, urgent, rest] = tiers.map((t) => t.length);
    this.opts.logger.debug(
      { changed: change.changed, datapaths: diff.datapaths.size, global: diff.reasons, first, urgent, rest },
      'topology changed: re-checking paths',
    );
  }

  /** Checks queued together, in the order that keeps caches warm (locality.ts). */
  private bySourceSwitch(keys: readonly string[]): string[] {
    const topo = this.opts.topology.current();
    if (!topo) return [...keys];
    return bySourceSwitch(keys, (key) => {
      const port = this.results.get(key)?.check.sourcePort;
      return port === undefined ? undefined : topo.ports.get(port)?.switchName;
    });
  }

  /**
   * For an SB-traced check: waits until the SB reflects every NB change seen so far. False when it did
   * not in time: the check is then pending and is queued again once the SB catches up.
   */
  private async sbCurrent(state: CheckState, trigger: Trigger): Promise<boolean> {
    const gate = this.opts.freshness;
    if (!gate) return true;
    let name: string;
    try {
      name = this.opts.engine(state.check.path.engine).name;
    } catch {
      return true; // the engine cannot run: runCheck records that error
    }
    if (!gate.gates(name)) return true;
    const since = this.opts.topology.lastUpdate();
    this.atGate.add(state.check.key);
    const fresh = await gate
      .wait(since, this.abort.signal)
      .finally(() => this.atGate.delete(state.check.key));
    if (fresh) return true;
    if (this.stopped) return false;
    state.pendingSince = since;
    this.opts.logger.warn(
      {
        path: state.check.path.name,
        check: state.check.key,
        trigger,
        nb_change: new Date(since).toISOString(),
      },
      'the Southbound does not reflect the latest NB change yet: check pending, its last verdict kept',
    );
    void gate.whenFresh(since, this.abort.signal).then((fresh) => {
      if (fresh && !this.stopped) this.scheduler.enqueue(state.check.key, 'topology', true, true);
    });
    return false;
  }

  /**
   * The Southbound changed (a follower of the live SB calls this): checks traced on the SB whose last
   * trace went through one of `datapaths` (null: any), errored or has none re-run. The NB-triggered run
   * may have come before northd's answer (the passive freshness rule is not a proof); this one sees it.
   * A check that already ran (or runs) may have traced the old SB: its re-run goes ahead of everything
   * queued (else it waits behind the whole NB-triggered queue), those from/to a port the NB change
   * touched first. A queued one has not run yet and will see this SB: it keeps its place (or moves up).
   */
  sbChanged(datapaths: ReadonlySet<string> | null): void {
    const gate = this.opts.freshness;
    if (this.stopped || !this.started || !gate) return;
    this.sbSinceNb = true;
    const near: string[] = [];
    const rest: string[] = [];
    for (const s of this.results.all()) {
      let name: string;
      try {
        name = this.opts.engine(s.check.path.engine).name;
      } catch {
        continue;
      }
      if (!gate.tracesSb(name) || (datapaths && !affected(s.last, datapaths))) continue;
      if (this.atGate.has(s.check.key)) continue; // not traced yet: it will see this SB
      (this.nearChange.has(s.check.key) ? near : rest).push(s.check.key);
    }
    let again = 0;
    for (const key of [...this.bySourceSwitch(near), ...this.bySourceSwitch(rest)]) {
      const queued = this.scheduler.isQueued(key);
      if (!queued) again++;
      this.scheduler.enqueue(key, 'topology', true, queued || 'first');
    }
    const n = near.length + rest.length;
    if (n > 0)
      this.opts.logger.debug(
        { checks: n, again, near: near.length, datapaths: datapaths?.size ?? 'all' },
        'SB changed: re-checking',
      );
  }

  private async runOne(key: string, trigger: Trigger): Promise<void> {
    const state = this.results.get(key);
    if (!state) return;
    if (!(await this.sbCurrent(state, trigger))) return;
    // A pending NB change is what this run sees, whatever queued it (a schedule run may have absorbed it).
    await this.scheduler.turn();
    const cause = this.causes.get(key) ?? null;
    this.causes.delete(key);
    // An engine that answers synchronously (model, lflow) traces inside this call: ran() then passes
    // the turn on (scheduler.ts), so a scrape or an SB update gets in between the traces.
    const running = runCheck(state.check, {
      topology: this.opts.topology.current(),
      engine: this.opts.engine,
      timeoutMs: this.config.timeoutMs,
      trigger,
      signal: this.abort.signal,
      stale: this.opts.staleness?.() ?? null,
    });
    this.scheduler.ran();
    const outcome = await running;
    if (this.stopped) return; // aborted by shutdown: not a verdict
    const previous = verdictOf(state.last);
    if (!this.results.record(key, outcome)) {
      this.pathMetrics.update(state);
      this.count(outcome);
      return;
    }
    this.pathMetrics.update(state);
    this.count(outcome);
    this.history.record(
      state.check,
      {
        at: outcome.at,
        from: previous,
        to: verdictOf(outcome)!,
        trigger: cause ? 'topology' : trigger,
        blocked_by: outcome.blockedBy,
      },
      cause,
    );
    this.opts.logger.info(
      {
        path: state.check.path.name,
        check: key,
        from: previous,
        to: verdictOf(outcome),
        trigger,
        blocked_by: outcome.blockedBy,
        error: outcome.error?.message,
        changed_rows: cause?.rows.map((r) => `${r.table} ${r.change} ${r.name ?? r.uuid}`),
      },
      'path verdict changed',
    );
  }

  private count(o: {
    engine: string | null;
    durationMs: number;
    reachable: boolean | null;
    error: { reason: string } | null;
  }): void {
    if (o.engine) this.metrics.duration.observe({ engine: o.engine }, o.durationMs / 1000);
    this.metrics.checks.inc({ result: o.error ? 'error' : o.reachable ? 'reachable' : 'blocked' });
    if (o.error) this.metrics.errors.inc({ reason: o.error.reason });
  }

  /** Stops timers, aborts running checks and waits for them to end. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.topology.off('change', this.onChange);
    this.scheduler.stop();
    this.abort.abort(new Error('shutting down'));
    await this.scheduler.idle();
  }

  // Views for the API and the `check` command.
  currentConfig(): PathsConfig {
    return this.started ? this.config : (this.waiting ?? this.config);
  }
  pathProblems(): ReadonlyMap<string, PathProblem> {
    return this.problems;
  }
  /** The checks of a path that exist now (a reload may be replacing them). */
  statesOf(path: string): CheckState[] {
    return this.checksOf(path).flatMap((k) => {
      const s = this.results.get(k);
      return s ? [s] : [];
    });
  }
  /** The one status of a configured path (see path-status.ts). */
  pathStatus(path: string): PathStatusInfo {
    return derivePathStatus(this.started, this.problems.get(path), this.statesOf(path));
  }
  checksOf(path: string): string[] {
    return this.keysByPath.get(path) ?? [];
  }
  reloadStatus(): { at: number; ok: boolean; error: string | null } | null {
    return this.lastReload;
  }
  shardInfo(): Shard {
    return this.shard;
  }
  /**
   * A full trace of one check on the current topology, with the check's engine (the paths API shows
   * it: checks keep only their outcome). An error (unknown port, timeout) is thrown, as a check records it.
   */
  traceOf(key: string): Promise<TraceResult> | null {
    const s = this.results.get(key);
    if (!s) return null;
    return traceFull(s.check, {
      topology: this.opts.topology.current(),
      engine: this.opts.engine,
      timeoutMs: this.config.timeoutMs,
      trigger: 'manual',
      signal: this.abort.signal,
    });
  }
  /** Per-check series, then one status per configured path, as text for /metrics. */
  async renderMetrics(): Promise<Buffer[]> {
    const chunks = await this.pathMetrics.renderChunks();
    const paths = this.currentConfig().paths.map((p) => ({ name: p.name, info: this.pathStatus(p.name) }));
    chunks.push(Buffer.from(this.statusText.render(paths)));
    const exposed = this.currentConfig().paths.filter((p) => p.expectServices);
    const text = renderUnexpectedServices(
      exposed.map((p) => ({ name: p.name, states: this.statesOf(p.name) })),
    );
    if (text) chunks.push(Buffer.from(text));
    chunks.push(Buffer.from(this.history.render()));
    return chunks;
  }
}
