// Plugs the path monitor into the daemon: readiness condition 'paths', the paths API and landing page,
// reload on a change of the paths file's directory, and a reload of a snapshot `--topology.file` when
// it changes (which then drives change-driven re-checks, like a live NB update does).

import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { registerPathsRoutes } from '../api/paths-routes.ts';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { DEFAULT_FILE_LIMITS, readBoundedText } from '../config/yaml-file.ts';
import type { Readiness } from '../daemon/readiness.ts';
import type { TopologyStore } from '../daemon/topology-store.ts';
import { createModelEngine } from '../engine/model/index.ts';
import type { Logger } from '../log.ts';
import { type FileWatch, watchFile } from './file-watch.ts';
import { runLoad } from './load-worker.ts';
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

/**
 * Re-reads the snapshot file on change, a big one in a worker thread (it takes seconds to parse);
 * one load at a time, a change during one is loaded after it. A bad file is logged, the last good
 * topology stays, and ovncp_topology_last_reload_successful says so. Unchanged content is a no-op.
 */
function watchTopologyFile(file: string, d: AttachDeps, logger: Logger): FileWatch {
  const limits = d.settings.limits ?? DEFAULT_FILE_LIMITS;
  const ok = new Gauge({
    name: 'ovncp_topology_last_reload_successful',
    help: 'Whether the last reload of the snapshot file (--topology.file) succeeded; 1 before any.',
    registers: [d.registry],
  });
  ok.set(1);
  let digest = digestOf(file, limits.topologyFileBytes);
  let running = false;
  let again = false;
  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const job = {
      kind: 'topology',
      file,
      maxBytes: limits.topologyFileBytes,
      previousDigest: digest,
    } as const;
    const a = await runLoad(job, limits.parseMemoryBytes);
    running = false;
    if (a.kind === 'failed') {
      ok.set(0);
      logger.error(
        { file, error: a.error },
        `topology file changed but is refused, keeping the previous topology: ${a.error}`,
      );
    } else if (a.kind === 'loaded') {
      digest = a.digest;
      d.topology.set(a.value, ['file']);
      ok.set(1);
      logger.info({ file }, 'topology file changed: reloaded');
    } else ok.set(1);
    if (again) {
      again = false;
      await reload();
    }
  };
  return watchFile(file, () => void reload());
}

/** The digest of the snapshot loaded at start (read once more: it is small next to its parse). */
function digestOf(file: string, maxBytes: number): string | null {
  const r = readBoundedText(file, maxBytes, 'limits.topology_file');
  return r.ok ? createHash('sha256').update(r.text).digest('hex') : null;
}

/** Until the daemon passes its engine set: the in-process model for every path. */
function modelOnly(store: TopologyStore): EngineProvider {
  const model = createModelEngine(() => store.require());
  return () => model;
}

export function attachMonitor(d: AttachDeps): MonitorAttachment {
  d.readiness.require('paths');
  const log = d.logger.child({ component: 'monitor' });
  const monitor = new Monitor({
    pathsFile: d.settings.pathsFile,
    topology: d.topology,
    engine: d.engine ?? modelOnly(d.topology),
    registry: d.registry,
    logger: log,
    ...(d.shard ? { shard: d.shard } : {}),
    maxFileBytes: (d.settings.limits ?? DEFAULT_FILE_LIMITS).pathsFileBytes,
    parseHeapBytes: (d.settings.limits ?? DEFAULT_FILE_LIMITS).parseMemoryBytes,
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
      if (pf) watches.push(watchFile(pf, () => void monitor.reload()));
      const tf = d.settings.topologyFile;
      if (tf && !d.settings.nbDb) watches.push(watchTopologyFile(tf, d, log));
    },
    async stop() {
      for (const w of watches) w.close();
      await monitor.stop();
    },
  };
}
