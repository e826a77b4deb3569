// Plugs the path monitor into the daemon: readiness condition 'paths', the paths API and landing page,
// reload on a change of the paths file's directory, and a reload of a snapshot `--topology.file` when
// it changes (which then drives change-driven re-checks, like a live NB update does).

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerPathsRoutes } from '../api/paths-routes.ts';
import type { DaemonSettings } from '../config/daemon-config.ts';
import type { Readiness } from '../daemon/readiness.ts';
import type { TopologyStore } from '../daemon/topology-store.ts';
import { createModelEngine } from '../engine/model/index.ts';
import type { Logger } from '../log.ts';
import { loadTopologyFile } from '../ovn/topology/load.ts';
import { type FileWatch, watchFile } from './file-watch.ts';
import { Monitor } from './monitor.ts';
import type { EngineProvider } from './runner.ts';
import type { Shard } from './shard.ts';

export interface AttachDeps {
  readonly settings: DaemonSettings;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly topology: TopologyStore;
  readonly readiness: Readiness;
  readonly app: FastifyInstance;
  /** Engines for the checks by a path's `engine`; default: the model engine for every path. */
  readonly engine?: EngineProvider | undefined;
  readonly shard?: Shard | undefined;
}

export interface MonitorAttachment {
  readonly monitor: Monitor;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Re-reads the snapshot file on change; a bad file is logged and the last good topology stays. */
function watchTopologyFile(file: string, store: TopologyStore, logger: Logger): FileWatch {
  return watchFile(file, () => {
    try {
      store.set(loadTopologyFile(file), ['file']);
      logger.info({ file }, 'topology file changed: reloaded');
    } catch (err) {
      logger.error({ err, file }, 'topology file changed but is invalid: keeping the previous topology');
    }
  });
}

/** Until the daemon passes its engine set: the in-process model for every path. */
function modelOnly(): EngineProvider {
  const model = createModelEngine();
  return () => model;
}

export function attachMonitor(d: AttachDeps): MonitorAttachment {
  d.readiness.require('paths');
  const log = d.logger.child({ component: 'monitor' });
  const monitor = new Monitor({
    pathsFile: d.settings.pathsFile,
    topology: d.topology,
    engine: d.engine ?? modelOnly(),
    registry: d.registry,
    logger: log,
    ...(d.shard ? { shard: d.shard } : {}),
    onFirstRound: () => d.readiness.met('paths'),
  });
  // As a plugin, so it loads after @fastify/swagger and the routes appear in /openapi.json.
  d.app.register(async (app) => registerPathsRoutes(app, monitor));
  const watches: FileWatch[] = [];
  return {
    monitor,
    async start() {
      await monitor.start();
      const pf = d.settings.pathsFile;
      if (pf) watches.push(watchFile(pf, () => monitor.reload()));
      const tf = d.settings.topologyFile;
      if (tf && !d.settings.nbDb) watches.push(watchTopologyFile(tf, d.topology, log));
    },
    async stop() {
      for (const w of watches) w.close();
      await monitor.stop();
    },
  };
}
