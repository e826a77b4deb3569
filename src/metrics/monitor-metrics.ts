// The path monitor's aggregate metrics, kept in prom-client (few series): check durations by engine,
// check and error counters, configured paths, reload status and sharding.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface MonitorMetrics {
  readonly duration: Histogram<'engine'>;
  readonly checks: Counter<'result'>;
  readonly errors: Counter<'reason'>;
  readonly pathsConfigured: Gauge;
  readonly checksConfigured: Gauge;
  readonly reloadOk: Gauge;
  readonly reloadTime: Gauge;
  readonly shard: Gauge;
  readonly totalShards: Gauge;
}

export function createMonitorMetrics(registry: Registry): MonitorMetrics {
  const registers = [registry];
  return {
    duration: new Histogram({
      name: 'ovncp_path_check_duration_seconds',
      help: 'Time one path check took (trace included), by the engine that answered.',
      labelNames: ['engine'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    checks: new Counter({
      name: 'ovncp_path_checks_total',
      help: 'Path checks run, by result: reachable, blocked or error.',
      labelNames: ['result'],
      registers,
    }),
    errors: new Counter({
      name: 'ovncp_path_check_errors_total',
      help: 'Path checks that could not produce a verdict, by reason (e.g. port_not_found, timeout, internal).',
      labelNames: ['reason'],
      registers,
    }),
    pathsConfigured: new Gauge({
      name: 'ovncp_paths_configured',
      help: 'Paths in the loaded paths file that this shard owns.',
      registers,
    }),
    checksConfigured: new Gauge({
      name: 'ovncp_path_checks_configured',
      help: 'Checks those paths expand to (protocols x ports x group members).',
      registers,
    }),
    reloadOk: new Gauge({
      name: 'ovncp_config_last_reload_successful',
      help: 'Whether the last paths-file (re)load succeeded: 1 yes, 0 no (the previous config stays in use).',
      registers,
    }),
    reloadTime: new Gauge({
      name: 'ovncp_config_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful paths-file (re)load.',
      registers,
    }),
    shard: new Gauge({ name: 'ovncp_shard', help: 'The shard number of this replica (--shard).', registers }),
    totalShards: new Gauge({
      name: 'ovncp_total_shards',
      help: 'The number of shards paths are split into (--total-shards).',
      registers,
    }),
  };
}
