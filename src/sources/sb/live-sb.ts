// The live Southbound: the project's OvsdbClient monitoring SB_TABLES (monitor_cond_since, resumed from the
// last transaction id after a reconnect; comma-separated cluster members; ssl), turning every update into
// a batch of SbChanges for the followers (the compiled SB of the lflow engine, the ovn-trace engine's
// daemon replacement, the never-stale gate). A (re)sync that is not a resume hands followers the whole
// database instead. Followers run synchronously in the order they were added, inside the update, so once
// a batch is delivered every follower reflects it; how long that took is the "SB update applied" figure.
// A whole database is converted in slices of the event loop and a follower may take its reset in slices
// too (the compiled SB: seconds at L), so the daemon keeps answering meanwhile; updates that arrive then
// wait in order, and database()/nbCfg() move only once every follower has the batch.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { SbChange, SbDatabase, SbTableName } from '../../ovn/sb/types.ts';
import { applySbChanges, SB_TABLE_NAMES } from '../../ovn/sb/types.ts';
import { OvsdbClient, type SyncEvent } from '../../ovsdb/client.ts';
import type { Row } from '../../ovsdb/datum.ts';
import type { RowChange } from '../../ovsdb/db-cache.ts';
import { createDbMetrics, type OvsdbDbMetrics } from '../../ovsdb/metrics.ts';
import { checkSsl, parseRemotes, type SslFiles } from '../../ovsdb/remote.ts';
import { runInSlices } from './in-slices.ts';
import { SB_TABLES, sbDatabaseSteps, sbRow } from './sb-rows.ts';

/** Something that keeps itself current with the SB (e.g. a compiled SB). */
export interface SbFollower {
  /**
   * The whole database: the first sync, or a resync the server could not resume. A returned promise
   * holds later batches (and the other followers) until it settles.
   */
  reset(db: SbDatabase): void | Promise<void>;
  /** One update: the changed rows, and the database after them. */
  apply(changes: readonly SbChange[], db: SbDatabase): void;
}

export interface LiveSbOptions {
  /** Remote string as given by the user (comma list allowed). */
  readonly remote: string;
  readonly ssl?: SslFiles | undefined;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
  readonly probeIntervalMs?: number;
  readonly backoffMinMs?: number;
}

const KNOWN = new Set<string>(SB_TABLE_NAMES);
/** Recent apply times kept for the median (benchmarks, the /metrics gauge shows the last). */
const APPLY_SAMPLES = 256;

/** One sync event, taken from the client in its turn (the client's cache moves on after it). */
type Pending =
  | {
      readonly kind: 'whole';
      readonly tables: ReadonlyMap<string, ReadonlyMap<string, Row>>;
      readonly epoch: number;
    }
  | { readonly kind: 'changes'; readonly changes: SbChange[]; readonly epoch: number };

export class LiveSb extends EventEmitter<{ batch: [{ initial: boolean; changes: number }] }> {
  readonly client: OvsdbClient;
  private readonly followers: SbFollower[] = [];
  private db: SbDatabase | null = null;
  private readonly metrics: OvsdbDbMetrics | null;
  private connections = 0;
  private updatedAt = 0;
  private firstSync: Promise<void>;
  private resolveFirst!: () => void;
  /** Wall time (ms) followers took for each of the recent batches, oldest first. */
  readonly applyMs: number[] = [];
  /** Wall time (ms) of the last whole-database batch (conversion and every follower's reset). */
  lastResetMs = 0;
  /** Batches run one after another; a whole database bumps the epoch, dropping older queued ones. */
  private queue: Promise<void> = Promise.resolve();
  private epoch = 0;

  /** Parses the remote (throws a one-line OvncpError on a bad string); does not connect yet. */
  constructor(private readonly opts: LiveSbOptions) {
    super();
    const remotes = parseRemotes(opts.remote, 'ovn.sb-db');
    checkSsl(remotes, opts.ssl);
    this.client = new OvsdbClient({
      remotes,
      ssl: opts.ssl,
      database: 'OVN_Southbound',
      tables: SB_TABLES,
      logger: opts.logger,
      probeIntervalMs: opts.probeIntervalMs,
      backoffMinMs: opts.backoffMinMs,
      rowChanges: true,
    });
    this.firstSync = new Promise((r) => (this.resolveFirst = r));
    this.metrics = opts.registry
      ? createDbMetrics(opts.registry, 'sb', {
          connected: () => this.client.isConnected(),
          lastUpdate: () => this.updatedAt,
        })
      : null;
    if (opts.registry) this.gauges(opts.registry);
    this.wire();
  }

  /** Adds a follower; it gets the current database (after the batches under way) when there is one. */
  follow(f: SbFollower): void {
    this.followers.push(f);
    this.queue = this.queue.then(() => (this.db ? this.guarded(() => f.reset(this.db!)) : undefined));
  }

  start(): void {
    this.client.start();
  }

  stop(): void {
    this.client.stop();
  }

  /** Resolves once the first full copy of the SB reached the followers. */
  synced(): Promise<void> {
    return this.firstSync;
  }

  /** The SB as of the last update (null before the first sync). */
  database(): SbDatabase | null {
    return this.db;
  }

  /** SB_Global.nb_cfg: the NB_Global.nb_cfg northd last acknowledged (null before the first sync). */
  nbCfg(): number | null {
    if (!this.db) return null;
    const g = this.db.SB_Global.values().next().value;
    return g ? g.nbCfg : 0;
  }

  /** Epoch ms of the last update applied (0 before the first). */
  lastUpdate(): number {
    return this.updatedAt;
  }

  /** The median of the recent apply times (ms), 0 before any. */
  medianApplyMs(): number {
    const s = [...this.applyMs].sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)]! : 0;
  }

  private wire(): void {
    const c = this.client;
    c.on('connected', (remote, method) => {
      if (this.connections++ > 0) this.metrics?.reconnects.inc();
      this.metrics?.setConnection({ remote: remote.text, method, schema_version: c.schema?.version ?? '' });
    });
    c.on('attemptFailed', () => this.metrics?.connectFailures.inc());
    c.on('disconnected', () => this.metrics?.setConnection(null));
    c.on('sync', (ev) => this.onSync(ev));
  }

  private onSync(ev: SyncEvent): void {
    this.metrics?.updates.inc();
    let item: Pending;
    if (ev.initial || (!this.db && this.epoch === 0)) {
      // A copy of the cache's maps (its rows are replaced, never changed, by later updates): the
      // conversion runs in slices while the client keeps applying updates to the cache.
      const tables = new Map(SB_TABLE_NAMES.map((t) => [t, new Map(this.client.cache.table(t))]));
      item = { kind: 'whole', tables, epoch: ++this.epoch };
    } else {
      const changes = sbChanges(ev.rows);
      if (changes.length === 0) return;
      item = { kind: 'changes', changes, epoch: this.epoch };
    }
    this.queue = this.queue.then(() => this.run(item));
  }

  /** Delivers one batch to every follower; a batch made stale by a newer whole database is skipped. */
  private async run(item: Pending): Promise<void> {
    if (item.epoch < this.epoch) return;
    const began = performance.now();
    let changes = 0;
    if (item.kind === 'whole') {
      const db = await runInSlices(
        sbDatabaseSteps((t) => item.tables.get(t) ?? new Map(), this.client.schema?.version ?? ''),
      );
      // The followers of now: one added meanwhile gets this database from its own queued reset.
      for (const f of [...this.followers]) {
        if (item.epoch < this.epoch) return;
        await this.guarded(() => f.reset(db));
      }
      this.db = db;
      this.lastResetMs = performance.now() - began;
    } else if (this.db) {
      changes = item.changes.length;
      const db = applySbChanges(this.db, item.changes);
      this.db = db;
      // An update is applied by every follower in this one turn: none is seen half-delivered.
      for (const f of this.followers) {
        try {
          f.apply(item.changes, db);
        } catch (err) {
          this.opts.logger.error({ err }, 'applying a Southbound update failed');
        }
      }
    }
    this.updatedAt = Date.now();
    const ms = performance.now() - began;
    this.applyMs.push(ms);
    this.opts.logger.debug({ changes, whole: item.kind === 'whole', apply_ms: ms }, 'SB batch applied');
    if (this.applyMs.length > APPLY_SAMPLES) this.applyMs.shift();
    this.resolveFirst();
    this.emit('batch', { initial: item.kind === 'whole', changes });
  }

  /** A follower that cannot take a whole database must not stop the others or the client: it is logged. */
  private async guarded(f: () => void | Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.opts.logger.error({ err }, 'applying a Southbound update failed');
    }
  }

  private gauges(registry: Registry): void {
    const registers = [registry];
    const self = this;
    new Gauge({
      name: 'ovncp_sb_rows',
      help: 'Rows of each followed Southbound table in the last applied state (--ovn.sb-db).',
      labelNames: ['table'],
      registers,
      collect() {
        const db = self.db;
        if (db) for (const t of SB_TABLE_NAMES) this.set({ table: t }, db[t].size);
      },
    });
    new Gauge({
      name: 'ovncp_sb_last_update_timestamp_seconds',
      help: 'Unix time the last Southbound update was applied to the SB engines; 0 before the first.',
      registers,
      collect() {
        this.set(self.updatedAt / 1000);
      },
    });
    new Gauge({
      name: 'ovncp_sb_apply_duration_seconds',
      help: 'Time the last Southbound update took to reach every follower (compiled flows, ovn-trace, freshness).',
      registers,
      collect() {
        this.set((self.applyMs.at(-1) ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'ovncp_sb_nb_cfg',
      help: 'SB_Global.nb_cfg: the NB_Global.nb_cfg value ovn-northd last acknowledged.',
      registers,
      collect() {
        this.set(self.nbCfg() ?? 0);
      },
    });
  }
}

/** The client's row changes of the SB tables as plain SB values. */
export function sbChanges(rows: readonly RowChange[]): SbChange[] {
  const out: SbChange[] = [];
  for (const r of rows) {
    if (!KNOWN.has(r.table)) continue;
    const t = r.table as SbTableName;
    out.push({
      table: t,
      uuid: r.uuid,
      old: r.old ? sbRow(t, r.uuid, r.old) : null,
      new: r.new ? sbRow(t, r.uuid, r.new) : null,
    } as SbChange);
  }
  return out;
}
