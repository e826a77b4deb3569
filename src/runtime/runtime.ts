// The one place that wires the program (like blackbox_exporter's main.go): settings -> logger, registry,
// topology store and source, readiness, engines, path monitor. `serve` puts its HTTP server on top of a
// runtime; `check` and `trace` use the same runtime in one-shot mode, so a setting (e.g. the SSL files)
// reaches every part that needs it whichever command runs.

import { Gauge, type Registry } from 'prom-client';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { createModelEngine } from '../engine/model/index.ts';
import { daemonEngines, type EngineSet } from '../engine/select.ts';
import { createLogger, type Logger } from '../log.ts';
import { createRegistry } from '../metrics/registry.ts';
import { type FileWatch, watchFile } from '../monitor/file-watch.ts';
import { Monitor } from '../monitor/monitor.ts';
import type { EngineProvider } from '../monitor/runner.ts';
import type { Shard } from '../monitor/shard.ts';
import { TopologyStore } from '../ovn/topology/store.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { checkSsl, parseRemotes } from '../ovsdb/remote.ts';
import { Readiness } from './readiness.ts';
import { type FollowedSource, followTopology, readTopologyOnce } from './topology-source.ts';

export interface RuntimeOptions {
  /** Default: a logger from the settings' log level and format. */
  readonly logger?: Logger | undefined;
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
  /** The engine set (model, ovn-trace when it can run), built on first use. */
  engines(): EngineSet;
  /** A warning for traces while the live NB is disconnected (the topology is then the last good one). */
  staleness(): string | null;
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

/** Builds a runtime without starting anything; throws OvncpError on bad settings. */
export function createRuntime(settings: DaemonSettings, opts: RuntimeOptions = {}): Runtime {
  checkSbRemote(settings);
  const logger = opts.logger ?? createLogger(settings.logLevel, settings.logFormat);
  const registry = createRegistry();
  const topology = new TopologyStore();
  const readiness = new Readiness();
  readiness.require('topology');
  readiness.require('paths');
  topologyAgeGauge(registry, topology);
  // Built on first use, so a runtime that fails to start (bad file) starts no ovn-trace.
  let engineSet: EngineSet | null = null;
  const getTopology = (): Topology => topology.require();
  const engines = (): EngineSet =>
    (engineSet ??= daemonEngines(settings, {
      getTopology,
      model: createModelEngine(getTopology),
      registry,
      logger,
    }));
  let firstRound!: () => void;
  const firstRoundDone = new Promise<void>((r) => (firstRound = r));
  const monitor = new Monitor({
    pathsFile: settings.pathsFile,
    topology,
    engine: opts.pathEngine ?? ((choice) => engines().forChoice(choice)),
    registry,
    logger: logger.child({ component: 'monitor' }),
    ...(opts.shard ? { shard: opts.shard } : {}),
    onFirstRound: () => {
      readiness.met('paths');
      firstRound();
    },
  });
  const source = { settings, store: topology, logger, registry };
  let followed: FollowedSource | null = null;
  const watches: FileWatch[] = [];
  const loadOnce = () => readTopologyOnce(source).then(() => readiness.met('topology'));
  return {
    settings,
    logger,
    registry,
    topology,
    readiness,
    monitor,
    engines,
    staleness() {
      const live = followed?.live;
      if (!live || live.client.isConnected() || !topology.lastUpdate()) return null;
      const age = Math.round((Date.now() - topology.lastUpdate()) / 1000);
      return `NB database disconnected: traced on the last good topology, ${age} s old`;
    },
    async start() {
      followed = followTopology(source, () => readiness.met('topology'));
      await monitor.start();
      const pf = settings.pathsFile;
      if (pf) watches.push(watchFile(pf, () => monitor.reload()));
    },
    loadOnce,
    async checkOnce() {
      await loadOnce();
      await monitor.start();
      await firstRoundDone;
    },
    async stop() {
      followed?.stop();
      for (const w of watches.splice(0)) w.close();
      await monitor.stop();
      await engineSet?.close();
    },
  };
}
