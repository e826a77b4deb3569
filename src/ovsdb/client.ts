// A read-mostly OVSDB client: connects to one of several remotes (round-robin, backoff 1 s -> 8 s),
// checks the member through `_Server`, fetches the schema on every connection, monitors the wanted
// tables (monitor_cond_since, falling back to monitor_cond and monitor) into a DbCache, and reconnects
// whenever the session ends. `transact` is there for tests and what-if tools. Updates are decoded into
// rows in slices (a huge one over several turns of the event loop, issue 18 item 5) and applied to the
// cache in one turn at the end, one update after the other in arrival order.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { OvncpError } from '../errors.ts';
import { openStream } from './connect.ts';
import { DbCache, type MonitoredTables, type PreparedUpdate, type RowChange } from './db-cache.ts';
import type { Remote, SslFiles } from './remote.ts';
import { OvsdbRpcError, RpcSession, runInSlices } from './rpc.ts';
import { type DbSchema, schemaFromWire } from './schema.ts';
import { type ServerCheckState, serverRowProblem } from './server-check.ts';

export interface ClientOptions {
  readonly remotes: readonly Remote[];
  readonly database: string;
  /** Table -> wanted columns; tables and columns the server's schema lacks are skipped. */
  readonly tables: Readonly<Record<string, readonly string[]>>;
  readonly ssl?: SslFiles | undefined;
  readonly leaderOnly?: boolean;
  readonly probeIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  readonly logger?: Logger | undefined;
  /** Report the changed rows of every non-initial update in `SyncEvent.rows` (incremental consumers). */
  readonly rowChanges?: boolean;
}

export type MonitorMethod = 'monitor_cond_since' | 'monitor_cond' | 'monitor';

export interface SyncEvent {
  /** Tables whose rows changed (all monitored tables on a full resync). */
  readonly tables: ReadonlySet<string>;
  /** True for the first data of a connection (initial rows or a resync). */
  readonly initial: boolean;
  /**
   * With `rowChanges`: the rows this update changed, in order (empty for an initial sync, which
   * replaces the whole cache: read it from `cache`). Without it: empty.
   */
  readonly rows: readonly RowChange[];
}

const ZERO_TXN = '00000000-0000-0000-0000-000000000000';
const DB_MONITOR = 'db';
const SERVER_MONITOR = 'server';

export class OvsdbClient extends EventEmitter<{
  connected: [remote: Remote, method: MonitorMethod];
  disconnected: [reason: Error];
  sync: [SyncEvent];
  attemptFailed: [remote: Remote, reason: Error];
}> {
  cache: DbCache = new DbCache(new Map());
  schema: DbSchema | null = null;
  private session: RpcSession | null = null;
  private monitoring: RpcSession | null = null;
  private held: [string, unknown[]][] | null = null;
  private stopped = true;
  private next = 0;
  private failures = 0;
  private lastTxnId: string | null = null;
  private methods: MonitorMethod[] = ['monitor_cond_since', 'monitor_cond', 'monitor'];
  private readonly serverState: ServerCheckState = { maxIndex: 0 };
  private wake: (() => void) | null = null;
  private current: Remote | null = null;
  /** The last update apply in flight (updates apply one after the other) and how many are in flight. */
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(readonly opts: ClientOptions) {
    super();
  }

  /** True once a member passed its checks and the monitor is set up, until that session ends. */
  isConnected(): boolean {
    return this.monitoring !== null && this.monitoring === this.session && !this.session.isClosed();
  }

  /** True while received updates are still being decoded or wait to be applied. */
  busy(): boolean {
    return this.inFlight > 0 || (this.session?.busy() ?? false);
  }

  currentRemote(): Remote | null {
    return this.session && !this.session.isClosed() ? this.current : null;
  }

  /** Starts the connect/monitor/reconnect loop; returns at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  /** Stops for good: closes the session and cancels any pending reconnect. */
  stop(): void {
    this.stopped = true;
    this.session?.close(new Error('client stopped'));
    this.wake?.();
  }

  /** Runs a transaction on the monitored database; throws on the first failed operation. */
  async transact(ops: readonly object[]): Promise<unknown[]> {
    const s = this.session;
    if (!s || s.isClosed()) throw new OvncpError('OVNCP_ERR_OVSDB', 'transact: not connected');
    const result = (await s.request('transact', [this.opts.database, ...ops])) as (Record<
      string,
      unknown
    > | null)[];
    const failed = result.find((r) => r && typeof r.error === 'string');
    if (failed) throw new OvsdbRpcError('transact', String(failed.error), failed.details as string);
    return result;
  }

  private async loop(): Promise<void> {
    const log = this.opts.logger;
    while (!this.stopped) {
      const remote = this.opts.remotes[this.next % this.opts.remotes.length]!;
      this.next++;
      const began = Date.now();
      try {
        const closed = await this.connectOnce(remote);
        const reason = await closed;
        this.session = null;
        if (this.stopped) break;
        log?.warn({ remote: remote.text, err: reason.message }, 'OVSDB connection lost');
        this.emit('disconnected', reason);
        // A session that dies at once counts as a failure, so a flapping member cannot spin us.
        this.failures = Date.now() - began < 1000 ? this.failures + 1 : 0;
      } catch (err) {
        this.session?.close(err as Error);
        this.session = null;
        this.failures++;
        if (this.stopped) break;
        log?.warn({ remote: remote.text, err: (err as Error).message }, 'OVSDB connection attempt failed');
        this.emit('attemptFailed', remote, err as Error);
      }
      await this.sleep(this.backoff());
    }
  }

  private backoff(): number {
    if (this.failures === 0) return 0;
    const min = this.opts.backoffMinMs ?? 1000;
    const max = this.opts.backoffMaxMs ?? 8000;
    return Math.min(max, min * 2 ** (this.failures - 1));
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Connects and starts monitoring; resolves to a promise of the session's end. */
  private async connectOnce(remote: Remote): Promise<Promise<Error>> {
    const stream = await openStream(remote, this.opts.ssl);
    const session = new RpcSession(stream, {
      probeIntervalMs: this.opts.probeIntervalMs ?? 5000,
      requestTimeoutMs: this.opts.requestTimeoutMs ?? 60_000,
    });
    this.session = session;
    this.current = remote;
    const closed = new Promise<Error>((resolve) => session.once('close', resolve));
    session.on('notification', (method, params) => this.onNotification(session, method, params));
    const dbs = (await session.request('list_dbs', [])) as string[];
    if (!dbs.includes(this.opts.database))
      throw new OvncpError('OVNCP_ERR_OVSDB', `${remote.text} does not serve ${this.opts.database}`);
    if (dbs.includes('_Server')) await this.checkServer(session);
    const schema = schemaFromWire(await session.request('get_schema', [this.opts.database]));
    if (this.schema && this.schema.version !== schema.version) this.lastTxnId = null;
    this.schema = schema;
    const method = await this.monitor(session, schema);
    this.failures = 0;
    this.opts.logger?.info({ remote: remote.text, method, schema: schema.version }, 'OVSDB connected');
    this.monitoring = session;
    this.emit('connected', remote, method);
    return closed;
  }

  /** Checks the member now and, where the server can monitor, whenever its _Server row changes. */
  private async checkServer(session: RpcSession): Promise<void> {
    this.serverCache.clear();
    const columns = ['name', 'model', 'connected', 'leader', 'index'];
    try {
      this.held = []; // as for the database monitor (see monitorWith)
      const reply = await session.request('monitor_cond', [
        '_Server',
        SERVER_MONITOR,
        { Database: [{ columns }] },
      ]);
      this.checkServerUpdate(session, reply);
      this.flushHeld(session);
    } catch (err) {
      this.held = null;
      if (!(err instanceof OvsdbRpcError && /unknown method/.test(err.rpcError))) throw err;
      // No monitor_cond: check once with a select (the row as an update2 "initial").
      const [res] = (await session.request('transact', [
        '_Server',
        { op: 'select', table: 'Database', where: [], columns: ['_uuid', ...columns] },
      ])) as { rows: { _uuid: [string, string] }[] }[];
      const rows = Object.fromEntries((res?.rows ?? []).map((r) => [r._uuid[1], { initial: r }]));
      this.checkServerUpdate(session, { Database: rows });
    }
  }

  private serverCache = new DbCache(
    new Map([
      [
        'Database',
        new Map([
          ['name', { kind: 'scalar', keyType: 'string' }],
          ['model', { kind: 'scalar', keyType: 'string' }],
          ['connected', { kind: 'scalar', keyType: 'boolean' }],
          ['leader', { kind: 'scalar', keyType: 'boolean' }],
          ['index', { kind: 'set', keyType: 'integer' }],
        ] as const),
      ],
    ]),
  );

  private checkServerUpdate(session: RpcSession, updates: unknown): void {
    this.serverCache.applyUpdate2(updates as never);
    const row = [...this.serverCache.table('Database').values()].find((r) => r.name === this.opts.database);
    const problem = serverRowProblem(row, this.opts.leaderOnly ?? false, this.serverState);
    if (problem) {
      const err = new OvncpError('OVNCP_ERR_OVSDB', `_Server: ${problem}`);
      session.close(err);
      throw err;
    }
  }

  private monitoredTables(schema: DbSchema): MonitoredTables {
    const out = new Map<string, Map<string, import('./schema.ts').ColumnSchema>>();
    for (const [table, wanted] of Object.entries(this.opts.tables)) {
      const cols = schema.tables.get(table);
      if (!cols) continue;
      const m = new Map<string, import('./schema.ts').ColumnSchema>();
      for (const c of wanted) {
        const col = cols.get(c);
        if (col) m.set(c, col);
      }
      out.set(table, m);
    }
    return out;
  }

  private async monitor(session: RpcSession, schema: DbSchema): Promise<MonitorMethod> {
    const tables = this.monitoredTables(schema);
    const requests: Record<string, { columns: string[] }[]> = {};
    for (const [t, cols] of tables) requests[t] = [{ columns: [...cols.keys()] }];
    for (;;) {
      const method = this.methods[0]!;
      try {
        await this.monitorWith(session, method, requests, tables);
        return method;
      } catch (err) {
        const unknown = err instanceof OvsdbRpcError && /unknown method/.test(err.rpcError);
        if (!unknown || this.methods.length === 1) throw err;
        this.opts.logger?.info({ method }, 'OVSDB server lacks this monitor method; falling back');
        this.methods = this.methods.slice(1);
      }
    }
  }

  private async monitorWith(
    session: RpcSession,
    method: MonitorMethod,
    requests: object,
    tables: MonitoredTables,
  ): Promise<void> {
    const db = this.opts.database;
    const sameShape = sameTables(this.cache.tables, tables);
    // Updates can arrive in the same read as the reply, before our continuation runs: hold them until
    // the reply is applied, or they would land in the cache the reply replaces.
    this.held = [];
    try {
      if (method === 'monitor_cond_since') {
        const since = sameShape ? (this.lastTxnId ?? ZERO_TXN) : ZERO_TXN;
        const reply = (await session.request(method, [db, DB_MONITOR, requests, since])) as [
          boolean,
          string,
          object,
        ];
        const [found, txn, updates] = reply;
        const cache = !found || !sameShape ? new DbCache(tables) : this.cache;
        const prepared = await runInSlices(cache.prepareUpdate2(updates as never));
        this.cache = cache;
        this.lastTxnId = txn;
        // A resumed monitor (found) sends only what changed while we were away: rows, not a full copy.
        const log = found ? this.rowLog() : undefined;
        this.publish(cache.commit(prepared, log), !found, tables, log);
      } else {
        const reply = await session.request(method, [db, DB_MONITOR, requests]);
        const cache = new DbCache(tables);
        const steps =
          method === 'monitor_cond'
            ? cache.prepareUpdate2(reply as never)
            : cache.prepareUpdate1(reply as never);
        const prepared = await runInSlices(steps);
        this.cache = cache;
        this.publish(cache.commit(prepared), true, tables);
      }
    } finally {
      this.flushHeld(session);
    }
  }

  private flushHeld(session: RpcSession): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [m, params] of held) this.onNotification(session, m, params);
  }

  private publish(
    touched: Set<string>,
    initial: boolean,
    tables: MonitoredTables,
    rows: readonly RowChange[] = [],
  ): void {
    this.emit('sync', {
      tables: initial ? new Set(tables.keys()) : touched,
      initial,
      rows: initial ? [] : rows,
    });
  }

  /** A change log for the next apply when the consumer wants rows, else undefined (no cost). */
  private rowLog(): RowChange[] | undefined {
    return this.opts.rowChanges ? [] : undefined;
  }

  private onNotification(session: RpcSession, method: string, params: unknown[]): void {
    if (session !== this.session) return;
    const [id] = params;
    if (this.held && (id === DB_MONITOR || id === SERVER_MONITOR)) {
      this.held.push([method, params]);
      return;
    }
    try {
      if (method === 'monitor_canceled') {
        session.close(new Error('server canceled the monitor (database changed)'));
      } else if (id === SERVER_MONITOR && method === 'update2') {
        this.checkServerUpdate(session, params[1]);
      } else if (id === DB_MONITOR && method === 'update3') {
        this.applyLater(session, String(params[1]), (c) => c.prepareUpdate2(params[2] as never));
      } else if (id === DB_MONITOR && method === 'update2') {
        this.applyLater(session, null, (c) => c.prepareUpdate2(params[1] as never));
      } else if (id === DB_MONITOR && method === 'update') {
        this.applyLater(session, null, (c) => c.prepareUpdate1(params[1] as never));
      }
    } catch (err) {
      session.close(err as Error);
    }
  }

  /**
   * Applies one update after every earlier one: decoded in slices, then applied and published in one
   * turn (at once when nothing is in flight and it is small). Dropped if the session or cache changed
   * meanwhile (a reconnect starts from the server's copy). `txn`: the update3 transaction id.
   */
  private applyLater(
    session: RpcSession,
    txn: string | null,
    prepare: (cache: DbCache) => Generator<void, PreparedUpdate>,
  ): void {
    const job = (): void | Promise<void> => {
      if (session !== this.session) return;
      const cache = this.cache;
      const finish = (prepared: PreparedUpdate) => {
        if (session !== this.session || cache !== this.cache) return;
        if (txn !== null) this.lastTxnId = txn;
        const log = this.rowLog();
        this.publish(cache.commit(prepared, log), false, cache.tables, log);
      };
      const prepared = runInSlices(prepare(cache));
      return prepared instanceof Promise ? prepared.then(finish) : finish(prepared);
    };
    const now = this.inFlight === 0 ? job() : undefined;
    if (this.inFlight > 0 || now instanceof Promise) {
      this.inFlight++;
      const done = (now ?? this.chain.then(job)).finally(() => this.inFlight--);
      this.chain = done.catch((err: Error) => session.close(err));
    }
  }
}

function sameTables(a: MonitoredTables, b: MonitoredTables): boolean {
  if (a.size !== b.size) return false;
  for (const [t, cols] of b) {
    const other = a.get(t);
    if (!other || other.size !== cols.size) return false;
    for (const c of cols.keys()) if (!other.has(c)) return false;
  }
  return true;
}

/**
 * The schema of `database` from the first of `remotes` that answers one `get_schema` (no monitor): how
 * the runtime learns the SB's schema version without following the SB. Throws the last failure.
 */
export async function readSchema(
  remotes: readonly Remote[],
  ssl: SslFiles | undefined,
  database: string,
  timeoutMs = 10_000,
): Promise<DbSchema> {
  let last: Error = new OvncpError('OVNCP_ERR_OVSDB', 'get_schema: no remote given');
  for (const remote of remotes) {
    let session: RpcSession | null = null;
    try {
      session = new RpcSession(await openStream(remote, ssl, timeoutMs), {
        probeIntervalMs: 0,
        requestTimeoutMs: timeoutMs,
      });
      return schemaFromWire(await session.request('get_schema', [database]));
    } catch (err) {
      last = err as Error;
    } finally {
      session?.close(new Error('schema read'));
    }
  }
  throw last;
}
