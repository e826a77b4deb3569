// The runtime's Southbound: followed live from --ovn.sb-db when the daemon runs (LiveSb), with the parts
// that must move in step with it: the ovn-trace engine told of every flow change (its daemon read the SB
// once and must be replaced), and the never-stale gate of the path monitor (SbFreshness), which knows
// whether the SB reflects the NB changes seen so far. Followers run inside each SB update, in the order
// they are added here, so the gate can only say "current" once every engine has the update.

import type { Registry } from 'prom-client';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { type CompiledSb, type CompileSbOptions, compileSteps } from '../engine/lflow/index.ts';
import type { Logger } from '../log.ts';
import type { FreshnessGate } from '../monitor/monitor.ts';
import type { SbChange, SbDatabase } from '../ovn/sb/types.ts';
import type { TopologyStore } from '../ovn/topology/store.ts';
import type { OvsdbClient } from '../ovsdb/client.ts';
import { readSbFile } from '../sources/sb/db-file.ts';
import { runInSlices } from '../sources/sb/in-slices.ts';
import { LiveSb, type SbFollower } from '../sources/sb/live-sb.ts';
import { readSbOnce } from '../sources/sb/read-sb.ts';
import { SbFreshness } from '../sources/sb/sb-freshness.ts';
import { topologyFromSb } from '../sources/sb/topology-from-sb.ts';

/** SB tables whose change can change an ovn-trace result (its daemon is then replaced). */
const TRACED_TABLES = new Set<string>([
  'Logical_Flow',
  'Logical_DP_Group',
  'Datapath_Binding',
  'Port_Binding',
  'Multicast_Group',
  'Address_Set',
  'Port_Group',
  'Load_Balancer',
  'MAC_Binding',
  'Static_MAC_Binding',
]);

/** Engines whose verdicts come from the SB, so they can lag the NB (the gate holds their checks). */
const SB_ENGINES = new Set<string>(['lflow', 'ovn-trace']);

/**
 * The lflow engine's compiled SB, owned here and kept current by the live SB (or set once from a file):
 * a resync compiles the whole SB in slices of the event loop (traces meanwhile use the previous one, or
 * none before the first), an update recompiles only the flows it touches (CompiledSb.apply).
 */
export class CompiledSbHolder implements SbFollower {
  compiled: CompiledSb | null = null;
  constructor(private readonly opts: CompileSbOptions = {}) {}
  /** Wall time (ms) of the last whole compile, for logs and benchmarks. */
  lastCompileMs = 0;
  /** The longest slice (ms) of the last whole compile: what it held the event loop at most. */
  lastCompileSliceMs = 0;

  async reset(db: SbDatabase): Promise<void> {
    const t = performance.now();
    let longest = 0;
    this.compiled = await runInSlices(compileSteps(db, this.opts), undefined, (ms) => {
      longest = Math.max(longest, ms);
    });
    this.lastCompileMs = performance.now() - t;
    this.lastCompileSliceMs = longest;
  }

  apply(changes: readonly SbChange[], db: SbDatabase): void {
    const compiled = this.compiled;
    if (!compiled) return;
    compiled.apply(changes, db);
    // The tables the update unbuilt, rebuilt from the next turn on (not inside the update) in slices,
    // rather than by the first traces after it. A table that cannot be built here fails the same way in
    // the trace that needs it, which reports it.
    const steps = compiled.rebuildSteps();
    setImmediate(() => runInSlices(steps).catch(() => {}));
  }
}

/** Tells the ovn-trace engine (when it was built) of SB changes, in order with the other followers. */
export function ovnTraceFollower(engine: () => { sbChanged(): void } | null): SbFollower {
  return {
    reset: () => engine()?.sbChanged(),
    apply: (changes: readonly SbChange[]) => {
      if (changes.some((c) => TRACED_TABLES.has(c.table))) engine()?.sbChanged();
    },
  };
}

/**
 * Tells the path monitor which datapaths (by name, as traces record them) an SB update changed, at
 * most every `debounceMs`: flows of a datapath or of a datapath group; an address set, port group, or
 * a lookup table (bindings, load balancers) changes flows anywhere, so every SB-traced check re-runs.
 */
export function monitorFollower(
  onChange: (datapaths: ReadonlySet<string> | null) => void,
  debounceMs = 20,
): SbFollower & { close(): void } {
  let pending: Set<string> | null = new Set();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const d = pending;
    pending = new Set();
    onChange(d);
  };
  return {
    reset: () => undefined, // a resync: the runtime's own first round / topology change re-runs checks
    apply: (changes, db) => {
      for (const c of changes) {
        if (!pending) break;
        if (c.table === 'Logical_Flow') {
          for (const f of [c.old, c.new]) {
            if (!f) continue;
            const dps = f.logicalDatapath
              ? [f.logicalDatapath]
              : (db.Logical_DP_Group.get(f.logicalDpGroup ?? '')?.datapaths ?? null);
            if (!dps) pending = null;
            for (const dp of dps ?? []) {
              const name = db.Datapath_Binding.get(dp)?.externalIds.get('name');
              if (name) pending?.add(name);
            }
          }
        } else if (TRACED_TABLES.has(c.table)) pending = null;
      }
      if (pending?.size === 0) return;
      timer ??= setTimeout(flush, debounceMs);
    },
    close: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** SB tables the SB-derived topology is made of. */
const TOPOLOGY_TABLES = new Set<string>(['Datapath_Binding', 'Port_Binding']);

/**
 * Without an NB or a snapshot file, the topology comes from the SB itself (topology-from-sb.ts): set
 * on every resync and on every update that touches datapaths or port bindings.
 */
export function sbTopologyFollower(store: TopologyStore, name: string, onFirst: () => void): SbFollower {
  const set = (db: SbDatabase, changed: string[]) => {
    store.set(topologyFromSb(db, { kind: 'ovsdb', name }), changed);
    onFirst();
  };
  return {
    reset: (db) => set(db, []),
    apply: (changes, db) => {
      const tables = [...new Set(changes.map((c) => c.table))].filter((t) => TOPOLOGY_TABLES.has(t));
      if (tables.length > 0) set(db, tables.sort());
    },
  };
}

/** True when the engine set traces paths or /flow on lflow: `--engine lflow`, or `auto` with an SB. */
export function usesLflow(settings: DaemonSettings): boolean {
  const sb = !!(settings.sbDb || settings.sbFile);
  return sb && (settings.engine === 'lflow' || settings.engine === 'auto');
}

/**
 * Does the runtime take its topology from the SB? With lflow answering and neither an NB nor a snapshot
 * file. (`--engine model|ovn-trace` without an NB keep the demo network, as before lflow.)
 */
export function topologyFromSbOnly(settings: DaemonSettings): boolean {
  return !settings.nbDb && !settings.topologyFile && usesLflow(settings);
}

/** The SB read once, for one-shot commands and a saved file: the file if given, else the remote. */
export function loadSbOnce(settings: DaemonSettings): Promise<SbDatabase> | null {
  if (settings.sbFile) return readSbFile(settings.sbFile);
  if (settings.sbDb) return readSbOnce(settings.sbDb, settings.ssl);
  return null;
}

export function createLiveSb(settings: DaemonSettings, registry: Registry, logger: Logger): LiveSb | null {
  if (!settings.sbDb) return null;
  return new LiveSb({
    remote: settings.sbDb,
    ssl: settings.ssl,
    probeIntervalMs: settings.probeIntervalMs,
    logger: logger.child({ component: 'ovsdb-sb' }),
    registry,
  });
}

/**
 * Increments NB_Global.nb_cfg on the NB connection that saw the changes (so it is ordered after them)
 * and returns the new value, as `ovn-nbctl --wait=sb` does.
 */
export async function bumpNbCfg(client: OvsdbClient): Promise<number> {
  const reply = (await client.transact([
    { op: 'mutate', table: 'NB_Global', where: [], mutations: [['nb_cfg', '+=', 1]] },
    { op: 'select', table: 'NB_Global', where: [], columns: ['nb_cfg'] },
  ])) as [unknown, { rows: { nb_cfg: number }[] }];
  const value = reply[1]?.rows?.[0]?.nb_cfg;
  if (typeof value !== 'number') throw new Error('NB_Global has no row to carry nb_cfg');
  return value;
}

/** The monitor's gate on a live SB; `nbClient` is the live NB's client once it exists. */
export function freshnessGate(
  sb: LiveSb,
  settings: DaemonSettings,
  nbClient: () => OvsdbClient | null,
  logger: Logger,
): { gate: FreshnessGate; freshness: SbFreshness } {
  const f = settings.sbFreshness;
  const freshness = new SbFreshness({
    sb,
    settleMs: f.settleMs,
    waitMs: f.waitMs,
    logger: logger.child({ component: 'sb-freshness' }),
    bump: f.bumpNbCfg
      ? () => {
          const c = nbClient();
          return c ? bumpNbCfg(c) : Promise.reject(new Error('no live NB connection'));
        }
      : null,
  });
  return {
    freshness,
    gate: {
      gates: (engine) => SB_ENGINES.has(engine),
      tracesSb: (engine) => SB_ENGINES.has(engine),
      wait: (since, signal) => freshness.wait(since, signal),
      whenFresh: (since, signal) => freshness.whenFresh(since, signal),
    },
  };
}
