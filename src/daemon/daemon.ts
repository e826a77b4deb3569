// The one place that wires the daemon: settings -> logger, registry, topology source, HTTP routes.
// Each feature adds itself here; nothing below this file knows about the others.

import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { registerOpsRoutes } from '../api/ops-routes.ts';
import { createHttpServer, parseListenAddress } from '../api/server.ts';
import { daemonTraceDeps, setupTraceApi, traceApiFor } from '../api/trace-api.ts';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { createModelEngine } from '../engine/model/index.ts';
import { daemonEngines, type EngineSet } from '../engine/select.ts';
import { createLogger, type Logger } from '../log.ts';
import { createRegistry } from '../metrics/registry.ts';
import { attachMonitor } from '../monitor/attach.ts';
import type { Monitor } from '../monitor/monitor.ts';
import type { EngineProvider } from '../monitor/runner.ts';
import type { Shard } from '../monitor/shard.ts';
import { loadDemoTopology, loadTopologyFile } from '../ovn/topology/load.ts';
import { type LiveTopology, startLiveTopology } from '../ovsdb/live-topology.ts';
import { Readiness } from './readiness.ts';
import { TopologyStore } from './topology-store.ts';

export interface Daemon {
  readonly settings: DaemonSettings;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly topology: TopologyStore;
  readonly readiness: Readiness;
  readonly app: FastifyInstance;
  /** The path monitor (paths file, scheduled checks, per-path metrics). */
  readonly monitor: Monitor;
  /** Address actually listened on (after start). */
  address(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  logger?: Logger;
  /** Engines behind the trace API (default: the daemon's engine set: --engine for /flow, model for /simulate). */
  traceEngines?: Parameters<typeof daemonTraceDeps>[1];
  /** Engines for the path monitor's checks (by the path's `engine`). */
  pathEngine?: EngineProvider;
  /** --shard / --total-shards. */
  shard?: Shard;
}

function loadInitialTopology(
  d: Pick<Daemon, 'settings' | 'topology' | 'readiness' | 'logger' | 'registry'>,
): LiveTopology | null {
  const s = d.settings;
  if (s.nbDb) return startLiveTopology(d);
  const topo = s.topologyFile
    ? loadTopologyFile(s.topologyFile, s.limits?.topologyFileBytes)
    : loadDemoTopology();
  d.topology.set(topo, ['initial']);
  d.readiness.met('topology');
  d.logger.info(
    { source: topo.source, switches: topo.switches.size, ports: topo.ports.size, routers: topo.routers.size },
    'topology loaded',
  );
  return null;
}

/** Builds a daemon without starting it; throws OvncpError on a bad file. */
export function createDaemon(settings: DaemonSettings, opts: DaemonOptions = {}): Daemon {
  const logger = opts.logger ?? createLogger(settings.logLevel, settings.logFormat);
  const registry = createRegistry();
  const topology = new TopologyStore();
  const readiness = new Readiness();
  readiness.require('topology');
  new Gauge({
    name: 'ovncp_topology_last_update_timestamp_seconds',
    help: 'Unix time the current topology was loaded or last changed (live NB, snapshot file reload); 0 before.',
    registers: [registry],
    collect() {
      this.set(topology.lastUpdate() / 1000);
    },
  });
  const app = createHttpServer(logger);
  const traceApi = traceApiFor(settings); // first: an unsafe listen address stops the daemon before anything starts
  // Built on first use, so a daemon that fails to start (bad file) starts no ovn-trace and logs nothing else.
  let engineSet: EngineSet | null = null;
  const engines = (): EngineSet =>
    (engineSet ??= daemonEngines(settings, {
      getTopology: () => topology.require(),
      model: createModelEngine(() => topology.require()),
      registry,
      logger,
    }));
  let live: LiveTopology | null = null;
  // While the NB is unreachable the last good topology keeps serving; every trace says how old it is.
  const staleness = (): string | null => {
    if (!live || live.client.isConnected() || !topology.lastUpdate()) return null;
    const age = Math.round((Date.now() - topology.lastUpdate()) / 1000);
    return `NB database disconnected: traced on the last good topology, ${age} s old`;
  };
  // Before any route: the auth/rate-limit hook must see every request (throws on an unsafe listen address).
  setupTraceApi(
    app,
    traceApi,
    daemonTraceDeps(
      topology,
      opts.traceEngines ?? { flowEngine: () => engines().onDemand(), modelEngine: () => engines().model },
      staleness,
    ),
    logger,
    registry,
  );
  const paths = attachMonitor({
    settings,
    logger,
    registry,
    topology,
    readiness,
    app,
    engine: opts.pathEngine ?? ((choice) => engines().forChoice(choice)),
    shard: opts.shard,
  });
  // As a plugin, so it loads after @fastify/swagger and the routes appear in /openapi.json.
  app.register(async (inst) =>
    registerOpsRoutes(inst, { registry, readiness, extraMetrics: () => paths.monitor.renderMetrics() }),
  );
  const listen = parseListenAddress(settings.listenAddress);
  let bound = settings.listenAddress;
  const daemon: Daemon = {
    settings,
    logger,
    registry,
    topology,
    readiness,
    app,
    monitor: paths.monitor,
    address: () => bound,
    async start() {
      live = loadInitialTopology(daemon);
      await paths.start();
      await app.listen({ host: listen.host, port: listen.port });
      const a = app.server.address();
      if (a && typeof a === 'object')
        bound = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      logger.info({ address: bound }, `listening on http://${bound}/`);
    },
    async stop() {
      live?.stop();
      await paths.stop();
      await app.close();
      await engineSet?.close();
      logger.info('stopped');
    },
  };
  return daemon;
}
