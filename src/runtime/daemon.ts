// `serve`: a runtime (see runtime.ts) with the HTTP server on top: the trace API, the paths API, the
// operator's pages (/, /paths/NAME, /trace, /docs), and the operational endpoints (/metrics, /-/ready, …).

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { DEFAULT_MAX_TRACES_IN_FLIGHT, registerLoadShed, yieldingEngine } from '../api/load-shed.ts';
import { registerOpsRoutes } from '../api/ops-routes.ts';
import { registerPages } from '../api/pages/routes.ts';
import { registerPathsRoutes } from '../api/paths-routes.ts';
import { registerProbeRoutes } from '../api/probe-routes.ts';
import { createHttpServer, parseListenAddress } from '../api/server.ts';
import {
  daemonTraceDeps,
  parseDuration,
  setupTraceApi,
  type TraceApiSettings,
  traceApiFor,
} from '../api/trace-api.ts';
import { listenerTls } from '../api/web-config.ts';
import { whatIfRoutes } from '../api/what-if-routes.ts';
import type { DaemonSettings } from '../config/daemon-config.ts';
import type { ModelEngine } from '../engine/model/index.ts';
import type { Logger } from '../log.ts';
import type { Monitor } from '../monitor/monitor.ts';
import type { TopologyStore } from '../ovn/topology/store.ts';
import { pageStatusView } from './page-status.ts';
import type { Readiness } from './readiness.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';

export interface Daemon {
  readonly runtime: Runtime;
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

export interface DaemonOptions extends RuntimeOptions {
  /** Engines behind the trace API (default: the runtime's engine set: --engine for /flow, model for /simulate). */
  traceEngines?: Parameters<typeof daemonTraceDeps>[1];
}

/** Routes on the runtime's parts; the auth/rate-limit hook first, so it sees every request. */
function registerRoutes(
  app: FastifyInstance,
  rt: Runtime,
  traceApi: TraceApiSettings,
  opts: DaemonOptions,
): void {
  // Each API trace yields to the event loop first, so one fan-out cannot hold every other request.
  const engines = opts.traceEngines ?? {
    flowEngine: () => yieldingEngine(rt.engines().onDemand()),
    modelEngine: () => yieldingEngine(rt.engines().model),
  };
  setupTraceApi(
    app,
    traceApi,
    daemonTraceDeps(rt.topology, engines, () => rt.staleness()),
    rt.logger,
    rt.registry,
  );
  registerLoadShed(app, {
    maxInFlight: rt.settings.web.maxTracesInFlight ?? DEFAULT_MAX_TRACES_IN_FLIGHT,
  });
  // As plugins, so they load after @fastify/swagger and the routes appear in /openapi.json.
  app.register(async (inst) => registerPathsRoutes(inst, rt.monitor));
  registerPages(app, { monitor: rt.monitor, status: pageStatusView(rt) });
  const probeTopology = daemonTraceDeps(rt.topology, engines).topology;
  app.register(async (inst) =>
    registerProbeRoutes(inst, {
      monitor: rt.monitor,
      topology: probeTopology,
      engine: engines.flowEngine,
      timeoutMs: traceApi.timeoutMs,
    }),
  );
  app.register(whatIfRoutes, {
    topology: probeTopology,
    modelEngine: engines.modelEngine,
    paths: () => rt.monitor.currentConfig(),
    limits: rt.settings.whatIf,
    timeoutMs: traceApi.timeoutMs,
    // The live network becomes the most recently used compiled one again, so the next NB change
    // compiles reusing the live parts rather than the what-if's.
    touch: (t) => (rt.engines().model as Partial<ModelEngine>).compiled?.(t),
  });
  app.register(async (inst) =>
    registerOpsRoutes(inst, {
      registry: rt.registry,
      readiness: rt.readiness,
      extraMetrics: () => rt.monitor.renderMetrics(),
    }),
  );
}

/** How long stop() lets unfinished HTTP requests run before it closes their connections. */
const SHUTDOWN_GRACE_MS = 3000;

/** Builds a daemon without starting it; throws OvncpError on a bad setting or an unsafe listen address. */
export function createDaemon(settings: DaemonSettings, opts: DaemonOptions = {}): Daemon {
  const traceApi = traceApiFor(settings); // first: an unsafe listen address stops the daemon before anything is built
  const rt = createRuntime(settings, opts);
  const tls = listenerTls(settings.webConfigFile, rt.logger); // throws on a bad web config file
  const requestTimeout = settings.web.requestTimeout;
  const app = createHttpServer(rt.logger, {
    tls: tls?.options,
    requestTimeoutMs: requestTimeout ? parseDuration(requestTimeout, 'web.request_timeout') : undefined,
  });
  registerRoutes(app, rt, traceApi, opts);
  const listen = parseListenAddress(settings.listenAddress);
  let bound = settings.listenAddress;
  return {
    runtime: rt,
    settings,
    logger: rt.logger,
    registry: rt.registry,
    topology: rt.topology,
    readiness: rt.readiness,
    app,
    monitor: rt.monitor,
    address: () => bound,
    async start() {
      await rt.start();
      await app.listen({ host: listen.host, port: listen.port });
      tls?.attach(app.server as never);
      const a = app.server.address();
      if (a && typeof a === 'object')
        bound = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      rt.logger.info({ address: bound, tls: !!tls }, `listening on ${tls ? 'https' : 'http'}://${bound}/`);
    },
    async stop() {
      // HTTP first: in-flight traces finish on engines that are still open.
      tls?.close();
      // close() waits for every busy connection, and one whose client stopped reading stays busy (its
      // answer never finishes leaving): after a grace for in-flight requests, drop whatever is left.
      const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await app.close();
      clearTimeout(force);
      await rt.stop();
      rt.logger.info('stopped');
    },
  };
}
