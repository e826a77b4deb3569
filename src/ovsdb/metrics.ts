// Metrics of the live Northbound source: connection state, reconnects, updates and topology builds.
// Gauges that mirror state are computed at scrape time from the source, so they cannot drift.

import { Counter, Gauge, type Registry } from 'prom-client';

export interface LiveStatus {
  connected(): boolean;
  /** Epoch ms of the last topology swap, 0 before the first. */
  lastUpdate(): number;
}

export interface OvsdbMetrics {
  readonly reconnects: Counter;
  readonly connectFailures: Counter;
  readonly updates: Counter;
  readonly buildErrors: Counter;
  readonly buildSeconds: Gauge;
  readonly rowsLeftOut: Gauge;
  readonly connectionInfo: Gauge<'remote' | 'method' | 'schema_version'>;
}

export function createOvsdbMetrics(registry: Registry, status: LiveStatus): OvsdbMetrics {
  const registers = [registry];
  new Gauge({
    name: 'ovncp_ovsdb_connected',
    help: '1 while connected to the OVN Northbound database (and its _Server checks pass), else 0.',
    registers,
    collect() {
      this.set(status.connected() ? 1 : 0);
    },
  });
  // ovncp_topology_last_update_timestamp_seconds is the daemon's (every topology source has one).
  return {
    reconnects: new Counter({
      name: 'ovncp_ovsdb_reconnects_total',
      help: 'Connections to the Northbound database made after the first one (after a loss or a failed attempt).',
      registers,
    }),
    connectFailures: new Counter({
      name: 'ovncp_ovsdb_connect_failures_total',
      help: 'Connection attempts to a Northbound member that failed (refused, timed out, _Server check failed).',
      registers,
    }),
    updates: new Counter({
      name: 'ovncp_ovsdb_updates_total',
      help: 'Monitor replies and update notifications applied from the Northbound database.',
      registers,
    }),
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
    connectionInfo: new Gauge({
      name: 'ovncp_ovsdb_connection_info',
      help: 'The Northbound member in use, monitor method and schema version; the value is always 1.',
      labelNames: ['remote', 'method', 'schema_version'],
      registers,
    }),
  };
}
