// The runtime's topology source, chosen from the settings: a live NB (--ovn.nb-db), else a snapshot file
// (--topology.file), else the embedded demo network. `serve` follows it (NB updates, the file reloaded
// when it changes); `check` and `trace` read it once.

import { createHash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { readBoundedText } from '../config/yaml-file.ts';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type FileWatch, watchFile } from '../monitor/file-watch.ts';
import { runLoad } from '../monitor/load-worker.ts';
import type { TopologyStore } from '../ovn/topology/store.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { loadDemoTopology, loadTopologyFile } from '../sources/file.ts';
import { LiveTopology } from '../sources/nb/live-topology.ts';
import { readSbSchemaVersion } from '../sources/nb/sb-schema.ts';

export interface SourceDeps {
  readonly settings: DaemonSettings;
  readonly store: TopologyStore;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
}

/** A followed source: the live NB client when there is one (for staleness), and how to stop following. */
export interface FollowedSource {
  readonly live: LiveTopology | null;
  stop(): void;
}

/** How long a one-shot read waits for the first full copy of the NB. */
export const ONE_SHOT_NB_TIMEOUT_MS = 30_000;

function logLoaded(logger: Logger, t: Topology | null, msg: string): void {
  logger.info(
    { source: t?.source, switches: t?.switches.size, ports: t?.ports.size, routers: t?.routers.size },
    msg,
  );
}

function liveSource(d: SourceDeps, withMetrics: boolean): LiveTopology {
  return new LiveTopology({
    remote: d.settings.nbDb!,
    ssl: d.settings.ssl,
    probeIntervalMs: d.settings.probeIntervalMs,
    store: d.store,
    logger: d.logger.child({ component: 'ovsdb' }),
    registry: withMetrics ? d.registry : undefined,
  });
}

/** The snapshot file or the demo network, into the store (throws OvncpError on a bad file). */
function loadStatic(d: SourceDeps): void {
  const f = d.settings.topologyFile;
  d.store.set(f ? loadTopologyFile(f, d.settings.limits.topologyFileBytes) : loadDemoTopology(), ['initial']);
}

/**
 * Re-reads the snapshot file on change, a big one in a worker thread (it takes seconds to parse);
 * one load at a time, a change during one is loaded after it. A bad file is logged, the last good
 * topology stays, and ovncp_topology_last_reload_successful says so. Unchanged content is a no-op.
 */
function watchTopologyFile(file: string, d: SourceDeps): FileWatch {
  const limits = d.settings.limits;
  const ok = new Gauge({
    name: 'ovncp_topology_last_reload_successful',
    help: 'Whether the last reload of the snapshot file (--topology.file) succeeded; 1 before any.',
    registers: d.registry ? [d.registry] : [],
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
      d.logger.error(
        { file, error: a.error },
        `topology file changed but is refused, keeping the previous topology: ${a.error}`,
      );
    } else if (a.kind === 'loaded') {
      digest = a.digest;
      d.store.set(a.value, ['file']);
      ok.set(1);
      d.logger.info({ file }, 'topology file changed: reloaded');
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

/** Starts following the source; `onLoaded` runs once the first topology is in the store. */
export function followTopology(d: SourceDeps, onLoaded: () => void): FollowedSource {
  if (d.settings.nbDb) {
    const live = liveSource(d, true);
    live.synced().then(() => {
      logLoaded(d.logger, d.store.current(), 'topology loaded from the Northbound database');
      onLoaded();
    });
    live.start();
    // The SB's schema version joins the topology's OvnInfo when it answers; the topology does not wait.
    const sb = d.settings.sbDb;
    if (sb)
      readSbSchemaVersion(sb, d.settings.ssl).then(
        (v) => live.setSbSchema(v),
        (err) => d.logger.warn({ err }, 'could not read the SB schema version'),
      );
    return { live, stop: () => live.stop() };
  }
  loadStatic(d);
  logLoaded(d.logger, d.store.current(), 'topology loaded');
  onLoaded();
  const f = d.settings.topologyFile;
  const watch = f ? watchTopologyFile(f, d) : null;
  return { live: null, stop: () => watch?.close() };
}

/**
 * Reads the source once: a live NB until its first full sync (at most `timeoutMs`), then disconnects.
 * Returns the NB rows the build left out, each with why (none for a file or the demo network).
 */
export async function readTopologyOnce(
  d: SourceDeps,
  timeoutMs = ONE_SHOT_NB_TIMEOUT_MS,
): Promise<readonly string[]> {
  if (!d.settings.nbDb) {
    loadStatic(d);
    return [];
  }
  const live = liveSource(d, false);
  live.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new OvncpError(
            'OVNCP_ERR_OVSDB',
            `no topology from ${d.settings.nbDb} within ${timeoutMs / 1000} s`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([live.synced(), timeout]);
    return live.rowsLeftOut();
  } finally {
    clearTimeout(timer);
    live.stop();
  }
}
