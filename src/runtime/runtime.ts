// The one place that wires the program (like blackbox_exporter's main.go): settings -> logger, registry,
// topology store and source, readiness, engines, path monitor. `serve` puts its HTTP server on top of a
// runtime; `check` and `trace` use the same runtime in one-shot mode, so a setting (e.g. the SSL files)
// reaches every part that needs it whichever command runs.

import { Gauge, type Registry } from 'prom-client';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { createLflowEngine } from '../engine/lflow/index.ts';
import { createModelEngine, type ModelEngine, unmodelledCounts } from '../engine/model/index.ts';
import { daemonEngines, type EngineSet } from '../engine/select.ts';
import { OvncpError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { createRegistry } from '../metrics/registry.ts';
import { type FileWatch, watchFile } from '../monitor/file-watch.ts';
import type { FreshnessGate } from '../monitor/monitor.ts';
import { Monitor } from '../monitor/monitor.ts';
import type { EngineProvider } from '../monitor/runner.ts';
import type { Shard } from '../monitor/shard.ts';
import { ovnInfoOverride } from '../ovn/topology/ovn-releases.ts';
import { TopologyStore } from '../ovn/topology/store.ts';
import { OVN_RELEASES, type OvnInfo } from '../ovn/topology/types.ts';
import { checkSsl, parseRemotes } from '../ovsdb/remote.ts';
import type { LiveSb } from '../sources/sb/live-sb.ts';
import { topologyFromSb } from '../sources/sb/topology-from-sb.ts';
import { Readiness } from './readiness.ts';
import {
  CompiledSbHolder,
  createLiveSb,
  freshnessGate,
  loadSbOnce,
  monitorFollower,
  ovnTraceFollower,
  sbTopologyFollower,
  topologyFromSbOnly,
  usesLflow,
} from './sb-source.ts';
import { type FollowedSource, followTopology, readTopologyOnce } from './topology-source.ts';

export interface RuntimeOptions {
  /** Default: a logger from the settings' log level and format. */
  readonly logger?: Logger | undefined;
  /** Default: a registry with process metrics and build info (one-shot commands pass a bare one). */
  readonly registry?: Registry | undefined;
  /** Engines for the path monitor's checks (by the path's `engine`); default: the runtime's engine set. */
  readonly pathEngine?: EngineProvider | undefined;
  /** --shard / --total-shards. */
  readonly shard?: Shard | undefined;
}

export interface Runtime {
  readonly settings: DaemonSettings;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly topology: TopologyStore;
  /** Conditions for /-/ready: 'topology' (first topology loaded) and 'paths' (first round of checks). */
  readonly readiness: Readiness;
  readonly monitor: Monitor;
  /** The live Southbound (--ovn.sb-db), followed while the daemon runs; null without one. */
  readonly sb: LiveSb | null;
  /** The engine set (model, ovn-trace when it can run), built on first use. */
  engines(): EngineSet;
  /** A warning for traces while the live NB is disconnected (the topology is then the last good one). */
  staleness(): string | null;
  /** Whether the live NB connection is up; null when the topology does not come from a live NB. */
  nbConnected(): boolean | null;
  /** Long-running (`serve`): follows the topology source, starts the monitor, watches the paths file. */
  start(): Promise<void>;
  /** One-shot (`trace`): reads the topology once; nothing keeps running. */
  loadOnce(): Promise<void>;
  /** One-shot (`check`): reads the topology once and runs every path check once; see monitor.results. */
  checkOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** An ssl: SB needs the same files as an ssl: NB; say which are missing before ovn-trace is started. */
function checkSbRemote(settings: DaemonSettings): void {
  if (settings.sbDb) checkSsl(parseRemotes(settings.sbDb, 'ovn.sb-db'), settings.ssl);
}

/** `ovncp_ovn_info`: what the current topology says about the OVN that wrote it (absent before one). */
function ovnInfoGauge(registry: Registry, topology: TopologyStore): void {
  new Gauge({
    name: 'ovncp_ovn_info',
    help: 'Always 1: the NB and SB schema versions of the current topology\'s OVN ("" when unknown) and the OVN release they point at (">=X": newer than X\'s schema; snapshot files: their ovn_version, else 23.03).',
    labelNames: ['nb_schema', 'sb_schema', 'release'],
    registers: [registry],
    collect() {
      this.reset();
      const ovn = topology.current()?.ovn;
      if (ovn)
        this.set(
          { nb_schema: ovn.nbSchema ?? '', sb_schema: ovn.sbSchema ?? '', release: ovn.releaseRange },
          1,
        );
    },
  });
}

/**
 * `ovncp_topology_unmodelled_options{option}`: rows of the current topology that set an NB option the
 * model does not simulate (engine/model/compile/unmodelled.ts); the same counts are logged whenever
 * they change, so each such topology is said once in the log (traces through it name the option too).
 */
function unmodelledGauge(registry: Registry, topology: TopologyStore, logger: Logger): void {
  let counts = new Map<string, number>();
  let said = '';
  topology.on('change', ({ current }) => {
    counts = unmodelledCounts(current);
    const now = JSON.stringify([...counts].sort());
    if (now === said) return;
    said = now;
    if (counts.size > 0)
      logger.warn(
        { unmodelled_options: Object.fromEntries(counts) },
        'the topology sets NB options the model does not simulate: traces through them carry a warning and their verdict may differ from OVN',
      );
  });
  new Gauge({
    name: 'ovncp_topology_unmodelled_options',
    help: 'Rows of the current topology that set an NB option the model does not simulate (option = Table:key); traces through them carry a warning naming it.',
    labelNames: ['option'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [option, n] of counts) this.set({ option }, n);
    },
  });
}

function topologyAgeGauge(registry: Registry, store: TopologyStore): void {
  new Gauge({
    name: 'ovncp_topology_last_update_timestamp_seconds',
    help: 'Unix time the current topology was loaded or last changed (live NB, snapshot file reload); 0 before.',
    registers: [registry],
    collect() {
      this.set(store.lastUpdate() / 1000);
    },
  });
}

interface Lazy<T> {
  get(): T;
  /** The value if it was ever built. */
  built(): T | null;
}

/**
 * The engine set, built on first use: a runtime that fails to start (bad file) starts no ovn-trace.
 * With a live SB the runtime tells ovn-trace of SB changes itself (ovnTraceFollower), in step with the
 * never-stale gate, instead of the engine's own ovsdb-client watch.
 */
function lazyEngines(
  settings: DaemonSettings,
  deps: {
    registry: Registry;
    logger: Logger;
    liveSb: LiveSb | null;
    sb: CompiledSbHolder | null;
    topology: TopologyStore;
  },
): Lazy<EngineSet> {
  let set: EngineSet | null = null;
  const model = createModelEngine();
  warmModel(model, deps.topology);
  // On a topology derived from the SB the model has no ACLs or routes to trace: no model cross-check.
  const s = topologyFromSbOnly(settings) ? { ...settings, crossCheckSample: 0 } : settings;
  const sb = deps.sb;
  return {
    get: () =>
      (set ??= daemonEngines(s, {
        model,
        registry: deps.registry,
        logger: deps.logger,
        ...(sb ? { lflow: createLflowEngine({ sb: () => sb.compiled }) } : {}),
        ...(deps.liveSb ? { ovnTraceWatchSb: false } : {}),
      })),
    built: () => set,
  };
}

/**
 * A model in use (it compiled a topology before: the engine, a cross-check of lflow, the API) compiles the
 * new one as soon as it arrives, on the next turn of the event loop: the checks that topology change
 * queues on lflow wait for northd's answer meanwhile (~1 s at L), so the compile (~0.3 s at L for an ACL
 * change, reusing the previous one) is done by then instead of landing on the first checks after it,
 * ahead of the flipped verdict. A model never used (lflow without cross-checks) compiles nothing.
 */
export function warmModel(model: ModelEngine, topology: TopologyStore): void {
  topology.on('change', ({ current }) => {
    if (model.networks.count === 0) return;
    setImmediate(() => {
      if (topology.current() !== current) return;
      try {
        model.compiled(current);
      } catch {
        // Not ours to report: the trace that needs this compile fails with the error and says so.
      }
    });
  });
}

/** The path monitor; `firstRound` resolves (and readiness 'paths' is met) once its first round is done. */
function pathMonitor(
  settings: DaemonSettings,
  parts: { topology: TopologyStore; registry: Registry; logger: Logger; readiness: Readiness },
  engine: EngineProvider,
  shard: Shard | undefined,
  freshness: FreshnessGate | null,
  staleness: () => string | null,
): { monitor: Monitor; firstRound: Promise<void> } {
  let done!: () => void;
  const firstRound = new Promise<void>((r) => (done = r));
  const monitor = new Monitor({
    pathsFile: settings.pathsFile,
    topology: parts.topology,
    engine,
    registry: parts.registry,
    logger: parts.logger.child({ component: 'monitor' }),
    ...(shard ? { shard } : {}),
    maxFileBytes: settings.limits.pathsFileBytes,
    parseHeapBytes: settings.limits.parseMemoryBytes,
    freshness,
    staleness,
    historySize: settings.pathHistory,
    onFirstRound: () => {
      parts.readiness.met('paths');
      done();
    },
  });
  return { monitor, firstRound };
}

/** The --ovn.version override as OvnInfo (null when not set); an unknown release is a config error. */
export function ovnOverride(version: string | null): OvnInfo | null {
  if (version === null) return null;
  const info = ovnInfoOverride(version);
  if (!info)
    throw new OvncpError(
      'OVNCP_ERR_CONFIG',
      `ovn.version: "${version}" is not an OVN feature release known here (${OVN_RELEASES.join(', ')})`,
      { field: 'ovn.version' },
    );
  return info;
}

/** Builds a runtime without starting anything; throws OvncpError on bad settings. */
export function createRuntime(settings: DaemonSettings, opts: RuntimeOptions = {}): Runtime {
  checkSbRemote(settings);
  const logger = opts.logger ?? createLogger(settings.logLevel, settings.logFormat);
  const registry = opts.registry ?? createRegistry();
  const topology = new TopologyStore(ovnOverride(settings.ovnVersion));
  const readiness = new Readiness();
  readiness.require('topology');
  readiness.require('paths');
  topologyAgeGauge(registry, topology);
  ovnInfoGauge(registry, topology);
  unmodelledGauge(registry, topology, logger);
  const liveSb = createLiveSb(settings, registry, logger);
  const sbHolder =
    settings.sbDb || settings.sbFile
      ? new CompiledSbHolder(settings.lflowChassis ? { chassis: settings.lflowChassis } : {})
      : null;
  const engines = lazyEngines(settings, { registry, logger, liveSb, sb: sbHolder, topology });
  const sbTopology = topologyFromSbOnly(settings);
  // /-/ready waits for the first SB sync when lflow answers (a live SB; a file is read before start ends).
  if (liveSb && usesLflow(settings)) readiness.require('sb');
  let followed: FollowedSource | null = null;
  // The gate holds SB-traced checks only while the SB is followed (serve); one-shot runs read it once.
  let following = false;
  const fresh = liveSb ? freshnessGate(liveSb, settings, () => followed?.live?.client ?? null, logger) : null;
  const gate: FreshnessGate | null = fresh && {
    ...fresh.gate,
    gates: (engine) => following && fresh.gate.gates(engine),
  };
  const { monitor, firstRound } = pathMonitor(
    settings,
    { topology, registry, logger, readiness },
    opts.pathEngine ?? ((choice) => engines.get().forChoice(choice)),
    opts.shard,
    gate,
    () => checkStaleness(followed, topology),
  );
  const source = { settings, store: topology, logger, registry };
  const watches: FileWatch[] = [];
  const sbRecheck = monitorFollower((datapaths) => monitor.sbChanged(datapaths));
  /** One-shot: the SB once (when an engine or the topology needs it), then the topology. */
  const loadOnce = async () => {
    const needSb = sbHolder && (usesLflow(settings) || sbTopology);
    const db = needSb ? await loadSbOnce(settings) : null;
    if (db) await sbHolder?.reset(db);
    if (db && sbTopology)
      topology.set(topologyFromSb(db, { kind: 'file', name: settings.sbFile ?? settings.sbDb! }));
    else await readTopologyOnce(source);
    readiness.met('topology');
  };
  return {
    settings,
    logger,
    registry,
    topology,
    readiness,
    monitor,
    sb: liveSb,
    engines: () => engines.get(),
    staleness: () => staleness(followed, topology) ?? sbStaleness(liveSb, usesLflow(settings)),
    nbConnected: () => (followed?.live ? followed.live.client.isConnected() : null),
    async start() {
      if (liveSb && fresh) {
        // An SB-derived topology cannot be ahead of the SB: the gate only matters with an NB.
        following = !sbTopology;
        if (sbHolder) liveSb.follow(sbHolder);
        liveSb.follow(ovnTraceFollower(() => engines.built()?.ovnTrace ?? null));
        liveSb.follow(sbRecheck);
        if (sbTopology)
          liveSb.follow(sbTopologyFollower(topology, settings.sbDb!, () => readiness.met('topology')));
        // The first topology is the NB's initial copy, not a change northd will answer.
        else
          topology.on('change', (c) =>
            fresh.freshness.noteNbChange(
              topology.lastUpdate(),
              c.previous !== null,
              followed?.live?.receivedAt() || undefined,
            ),
          );
        void liveSb.synced().then(() => {
          logger.info(
            { rows: liveSb.database()?.Logical_Flow.size },
            'Southbound synced: logical flows loaded',
          );
          readiness.met('sb');
        });
        liveSb.start();
      } else if (sbHolder && settings.sbFile) {
        const db = await loadSbOnce(settings)!;
        await sbHolder.reset(db);
        if (sbTopology) topology.set(topologyFromSb(db, { kind: 'file', name: settings.sbFile }));
        logger.info({ file: settings.sbFile, flows: db.Logical_Flow.size }, 'Southbound file loaded');
      }
      if (sbTopology) {
        if (topology.current()) readiness.met('topology');
      } else {
        followed = followTopology(source, () => readiness.met('topology'));
        // NB gone: every path says it cannot be checked now (the new topology re-checks them on return).
        followed.live?.client.on('disconnected', () => monitor.topologyStale());
      }
      await monitor.start();
      const pf = settings.pathsFile;
      if (pf) watches.push(watchFile(pf, () => void monitor.reload()));
    },
    loadOnce,
    async checkOnce() {
      await loadOnce();
      await monitor.start();
      await firstRound;
    },
    async stop() {
      followed?.stop();
      fresh?.freshness.close();
      sbRecheck.close();
      liveSb?.stop();
      for (const w of watches.splice(0)) w.close();
      await monitor.stop();
      await engines.built()?.close();
    },
  };
}

/** While the SB is unreachable lflow traces on the last SB it had; every trace says how old it is. */
function sbStaleness(sb: LiveSb | null, lflow: boolean): string | null {
  if (!sb || !lflow || sb.client.isConnected() || !sb.lastUpdate()) return null;
  const age = Math.round((Date.now() - sb.lastUpdate()) / 1000);
  return `SB database disconnected: traced on the last Southbound, ${age} s old`;
}

/**
 * For path checks: the same condition, in words that stay the same while it lasts (they become the
 * path's problem message, a metric label: no age that changes every run).
 */
function checkStaleness(followed: FollowedSource | null, topology: TopologyStore): string | null {
  const live = followed?.live;
  if (!live?.stale() || !topology.lastUpdate()) return null;
  return `NB database disconnected; the last good topology is from ${new Date(topology.lastUpdate()).toISOString()}`;
}

/** While the NB is unreachable the last good topology keeps serving; every trace says how old it is. */
function staleness(followed: FollowedSource | null, topology: TopologyStore): string | null {
  const live = followed?.live;
  if (!live || live.client.isConnected() || !topology.lastUpdate()) return null;
  const age = Math.round((Date.now() - topology.lastUpdate()) / 1000);
  return `NB database disconnected: traced on the last good topology, ${age} s old`;
}
