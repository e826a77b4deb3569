// The live topology source: an OvsdbClient monitoring the Northbound tables the model needs, turning each
// consistent state of its cache into a new immutable Topology in the TopologyStore, with the changed NB
// tables as the change event. Bursts are coalesced for a few ms; a rebuild runs in steps on separate
// turns of the event loop, one at a time; the last good topology stays while disconnected or when a
// rebuild fails.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ovnInfoFromSchema } from '../../ovn/topology/ovn-releases.ts';
import type { TopologyStore } from '../../ovn/topology/store.ts';
import type { OvnInfo, Topology } from '../../ovn/topology/types.ts';
import { OvsdbClient } from '../../ovsdb/client.ts';
import { createOvsdbMetrics, type OvsdbMetrics } from '../../ovsdb/metrics.ts';
import { checkSsl, parseRemotes, type SslFiles } from '../../ovsdb/remote.ts';
import { buildLenientSteps, NB_TABLES, NbMemo, nbToSnapshotSteps, withAddressSets } from './from-nb.ts';

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long a rebuild keeps the event loop before it gives a turn (its steps are smaller than this). */
const SLICE_MS = 20;

/**
 * Runs a step generator, giving the event loop a turn whenever a slice of SLICE_MS is used up (and
 * after the last step); `slice` is told each slice's length.
 */
async function inTurns<T>(steps: Generator<void, T>, slice: (ms: number) => void): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    const now = performance.now();
    if (r.done || now - start >= SLICE_MS) {
      slice(now - start);
      await nextTurn();
      start = performance.now();
    }
    if (r.done) return r.value;
  }
}

export interface LiveTopologyOptions {
  /** Remote string as given by the user (comma list allowed). */
  readonly remote: string;
  readonly ssl?: SslFiles | undefined;
  readonly store: TopologyStore;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
  /** How long to gather a burst of updates before rebuilding (ms). */
  readonly debounceMs?: number;
  readonly probeIntervalMs?: number;
  readonly backoffMinMs?: number;
  /** Told when each step of a rebuild ran (tests and benchmarks see the turns between them). */
  readonly onRebuildStep?: (step: 'rows' | 'build' | 'swap', ms: number) => void;
}

export class LiveTopology {
  readonly client: OvsdbClient;
  private readonly metrics: OvsdbMetrics | null;
  private pendingTables = new Set<string>();
  /** When the oldest NB update not yet in a rebuild arrived (0: none). */
  private pendingSince = 0;
  /** When the oldest NB update of the topology in the store arrived (see receivedAt()). */
  private storedSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private connections = 0;
  private lastWarnings = '';
  private leftOut: readonly string[] = [];
  private firstSync: Promise<void>;
  private resolveFirst!: () => void;
  /** Entries and model objects of unchanged rows carry over from one topology to the next (see NbMemo). */
  private readonly memo = new NbMemo();
  /** The SB's schema version, once the runtime read it (see setSbSchema). */
  private sbSchema: string | null = null;
  private ovn: { info: OvnInfo; of: object; sb: string | null } | null = null;
  /** True from a disconnect until a topology built from the reconnected NB is in the store. */
  private down = false;
  /** A rebuild is under way (it spans turns of the event loop); `again`: another is due after it. */
  private building = false;
  private again = false;
  /** Wall and CPU time of the last rebuild (rows -> topology), ms; for benchmarks. */
  lastRebuildMs = 0;
  lastRebuildCpuMs = 0;

  /** Parses the remote (throws a one-line OvncpError on a bad string); does not connect yet. */
  constructor(private readonly opts: LiveTopologyOptions) {
    const remotes = parseRemotes(opts.remote);
    checkSsl(remotes, opts.ssl);
    this.client = new OvsdbClient({
      remotes,
      ssl: opts.ssl,
      database: 'OVN_Northbound',
      tables: NB_TABLES,
      logger: opts.logger,
      probeIntervalMs: opts.probeIntervalMs,
      backoffMinMs: opts.backoffMinMs,
    });
    this.firstSync = new Promise((r) => (this.resolveFirst = r));
    this.metrics = opts.registry
      ? createOvsdbMetrics(opts.registry, {
          connected: () => this.client.isConnected(),
          lastUpdate: () => opts.store.lastUpdate(),
        })
      : null;
    this.wire();
  }

  private wire(): void {
    const c = this.client;
    c.on('connected', (remote, method) => {
      if (this.connections++ > 0) this.metrics?.reconnects.inc();
      this.metrics?.setConnection({ remote: remote.text, method, schema_version: c.schema?.version ?? '' });
    });
    c.on('attemptFailed', () => this.metrics?.connectFailures.inc());
    c.on('disconnected', () => {
      this.down = true;
      this.metrics?.setConnection(null);
    });
    c.on('sync', (ev) => {
      this.metrics?.updates.inc();
      for (const t of ev.tables) this.pendingTables.add(t);
      if (this.pendingSince === 0) this.pendingSince = Date.now();
      if (ev.initial) this.rebuild();
      else this.timer ??= setTimeout(() => this.rebuild(), this.opts.debounceMs ?? 5);
    });
  }

  /**
   * True while the topology in the store may be out of date: the NB disconnected and no topology built
   * since it came back is in the store yet (a rebuild that failed keeps it true).
   */
  stale(): boolean {
    return this.down;
  }

  /**
   * Resolves once no rebuild is running or due and the client has applied every update it received
   * (a big one is decoded over several turns): the store then holds the topology of every NB update
   * received so far (tests compare it with a full rebuild from the cache right after).
   */
  async idle(): Promise<void> {
    while (this.building || this.timer || this.again || this.client.busy())
      await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * When the oldest NB update the topology in the store took in arrived (epoch ms): at L the rebuild
   * takes a second or more, and ovn-northd may answer the same change in that time.
   */
  receivedAt(): number {
    return this.storedSince;
  }

  /** NB rows the last rebuild left out, each with why (`validate` lists them). */
  rowsLeftOut(): readonly string[] {
    return this.leftOut;
  }

  start(): void {
    this.client.start();
  }

  /** Resolves once the first topology from the NB is in the store. */
  synced(): Promise<void> {
    return this.firstSync;
  }

  /**
   * What the NB's schema (and the SB's version, when known) says about the OVN that wrote it; the same
   * object while neither changes. Null before the first connection.
   */
  ovnInfo(): OvnInfo | null {
    const schema = this.client.schema;
    if (!schema) return null;
    if (this.ovn?.of !== schema || this.ovn.sb !== this.sbSchema)
      this.ovn = { info: ovnInfoFromSchema(schema, this.sbSchema), of: schema, sb: this.sbSchema };
    return this.ovn.info;
  }

  /**
   * Records the SB's schema version (read once, see readSchema), so the topology's OvnInfo carries it;
   * a topology already in the store gets it at once (nothing else in it changes).
   */
  setSbSchema(version: string | null): void {
    this.sbSchema = version;
    const cur = this.opts.store.current();
    const ovn = this.ovnInfo();
    if (cur?.source.kind === 'ovsdb' && ovn && cur.ovn !== ovn)
      this.opts.store.set({ ...cur, ovn, builtAt: Date.now() }, ['SB schema']);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client.stop();
  }

  /**
   * Starts a rebuild, or notes that one is needed when one is running (it runs again after, with every
   * table that changed meanwhile): rebuilds share the NB memo, so they never overlap.
   */
  private rebuild(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.building) {
      this.again = true;
      return;
    }
    this.building = true;
    void this.rebuildInTurns().finally(() => {
      this.building = false;
      if (this.again) {
        this.again = false;
        this.rebuild();
      }
    });
  }

  /**
   * Rows -> topology in steps on separate turns of the event loop (rows to document, document to
   * topology, then the swap), so a huge NB transaction does not hold every other request for the sum
   * of them (issue 18: a 10k-ACL transaction stalled the loop 1.5 s). The rows are read in one turn:
   * the document is a consistent copy even when updates arrive while the later steps wait.
   */
  private async rebuildInTurns(): Promise<void> {
    const changed = [...this.pendingTables].sort();
    this.pendingTables = new Set();
    const since = this.pendingSince || Date.now();
    this.pendingSince = 0;
    const began = performance.now();
    const cpu = process.cpuUsage();
    const took = () => {
      const c = process.cpuUsage(cpu);
      this.lastRebuildCpuMs = (c.user + c.system) / 1000;
      this.lastRebuildMs = performance.now() - began;
      this.metrics?.buildSeconds.set(this.lastRebuildMs / 1000);
    };
    try {
      const source = { kind: 'ovsdb' as const, name: this.client.currentRemote()?.text ?? this.opts.remote };
      const tables = (t: string) => this.client.cache.table(t);
      const prev = this.opts.store.current();
      if (prev?.source.kind === 'ovsdb' && changed.length === 1 && changed[0] === 'Address_Set') {
        const next = withAddressSets(prev, tables, source, this.memo);
        took();
        this.down = false;
        this.storedSince = since;
        this.opts.store.set(next, changed);
        return;
      }
      const step = this.opts.onRebuildStep;
      // The rows as they are now: the cache changes under later turns, this snapshot does not.
      const frozen = this.client.cache.snapshot();
      const fromRows = await inTurns(nbToSnapshotSteps(frozen, this.memo), (ms) => step?.('rows', ms));
      const ovn = this.ovnInfo() ?? undefined;
      const built = await inTurns(buildLenientSteps(fromRows.doc, source, this.memo.build, ovn), (ms) =>
        step?.('build', ms),
      );
      const warnings = [...fromRows.warnings, ...built.warnings];
      took();
      await nextTurn();
      const t = performance.now();
      this.storedSince = since;
      this.swapIn(built.topology, warnings, changed);
      step?.('swap', performance.now() - t);
    } catch (err) {
      this.metrics?.buildErrors.inc();
      this.opts.logger.error({ err }, 'topology rebuild from the NB failed; keeping the previous one');
    }
  }

  private swapIn(topology: Topology, warnings: string[], changed: readonly string[]): void {
    this.metrics?.rowsLeftOut.set(warnings.length);
    // Log the rows left out when that list changes, not again on every rebuild.
    const said = warnings.join('\n');
    if (warnings.length > 0 && said !== this.lastWarnings)
      this.opts.logger.warn({ warnings: warnings.slice(0, 20), count: warnings.length }, 'NB rows left out');
    this.lastWarnings = said;
    this.leftOut = warnings;
    this.down = false;
    this.opts.store.set(topology, changed);
    this.resolveFirst();
  }
}
