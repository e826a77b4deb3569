// Metrics of the live OVSDB sources (the Northbound topology, the Southbound flows): connection state,
// reconnects and updates, one series per database (`db="nb"` / `db="sb"`), plus the NB topology's
// builds. Gauges that mirror state are computed at scrape time from the source, so they cannot drift.
// Both sources register on the same registry: the labelled metrics are made once per registry.

import { Counter, Gauge, type Registry } from 'prom-client';

/** Which OVN database a source follows: the `db` label. */
export type OvsdbLabel = 'nb' | 'sb';

export interface LiveStatus {
  connected(): boolean;
  /** Epoch ms of the last topology swap, 0 before the first. */
  lastUpdate(): number;
}

/** Per-database series of the shared metrics. */
export interface OvsdbDbMetrics {
  readonly reconnects: Counter.Internal;
  readonly connectFailures: Counter.Internal;
  readonly updates: Counter.Internal;
  /** Replaces the connection-info series of this database (null: disconnected, no series). */
  setConnection(info: { remote: string; method: string; schema_version: string } | null): void;
}

export interface OvsdbMetrics extends OvsdbDbMetrics {
  readonly buildErrors: Counter;
  readonly buildSeconds: Gauge;
  readonly rowsLeftOut: Gauge;
}

interface Shared {
  readonly status: Map<OvsdbLabel, LiveStatus>;
  readonly reconnects: Counter<'db'>;
  readonly connectFailures: Counter<'db'>;
  readonly updates: Counter<'db'>;
  readonly connectionInfo: Gauge<'db' | 'remote' | 'method' | 'schema_version'>;
}

const shared = new WeakMap<Registry, Shared>();

function sharedOf(registry: Registry): Shared {
  const known = shared.get(registry);
  if (known) return known;
  const registers = [registry];
  const status = new Map<OvsdbLabel, LiveStatus>();
  new Gauge({
    name: 'ovncp_ovsdb_connected',
    help: '1 while connected to the OVN database (db: nb = Northbound, sb = Southbound) and its _Server checks pass, else 0.',
    labelNames: ['db'],
    registers,
    collect() {
      for (const [db, s] of status) this.set({ db }, s.connected() ? 1 : 0);
    },
  });
  const made: Shared = {
    status,
    reconnects: new Counter({
      name: 'ovncp_ovsdb_reconnects_total',
      help: 'Connections to the database made after the first one (after a loss or a failed attempt).',
      labelNames: ['db'],
      registers,
    }),
    connectFailures: new Counter({
      name: 'ovncp_ovsdb_connect_failures_total',
      help: 'Connection attempts to a database member that failed (refused, timed out, _Server check failed).',
      labelNames: ['db'],
      registers,
    }),
    updates: new Counter({
      name: 'ovncp_ovsdb_updates_total',
      help: 'Monitor replies and update notifications applied from the database.',
      labelNames: ['db'],
      registers,
    }),
    connectionInfo: new Gauge({
      name: 'ovncp_ovsdb_connection_info',
      help: 'The database member in use, monitor method and schema version; the value is always 1.',
      labelNames: ['db', 'remote', 'method', 'schema_version'],
      registers,
    }),
  };
  shared.set(registry, made);
  return made;
}

/** The connection metrics of one database on this registry (series appear at once, at 0). */
export function createDbMetrics(registry: Registry, db: OvsdbLabel, status: LiveStatus): OvsdbDbMetrics {
  const s = sharedOf(registry);
  s.status.set(db, status);
  let info: Record<string, string> | null = null;
  for (const c of [s.reconnects, s.connectFailures, s.updates]) c.inc({ db }, 0);
  return {
    reconnects: s.reconnects.labels({ db }),
    connectFailures: s.connectFailures.labels({ db }),
    updates: s.updates.labels({ db }),
    setConnection(next) {
      if (info) s.connectionInfo.remove(info);
      info = next ? { db, ...next } : null;
      if (info) s.connectionInfo.set(info, 1);
    },
  };
}

/** The Northbound source's metrics: its connection series plus the topology builds. */
export function createOvsdbMetrics(registry: Registry, status: LiveStatus): OvsdbMetrics {
  const registers = [registry];
  // ovncp_topology_last_update_timestamp_seconds is the daemon's (every topology source has one).
  return {
    ...createDbMetrics(registry, 'nb', status),
    buildErrors: new Counter({
      name: 'ovncp_topology_build_errors_total',
      help: 'Topology rebuilds from Northbound rows that failed (the previous topology kept serving).',
      registers,
    }),
    buildSeconds: new Gauge({
      name: 'ovncp_topology_build_duration_seconds',
      help: 'Time the last topology rebuild from Northbound rows took.',
      registers,
    }),
    rowsLeftOut: new Gauge({
      name: 'ovncp_topology_rows_left_out',
      help: 'Northbound rows or entries left out of the last topology because the model cannot take them (see log).',
      registers,
    }),
  };
}
