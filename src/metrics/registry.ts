// The Prometheus registry of one daemon: process metrics, build info, and whatever the monitor,
// OVSDB client and engines register. A fresh registry per daemon keeps tests independent.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { VERSION } from '../version.ts';

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client exports these gauges with a `_total` suffix, which `promtool check metrics` rejects
  // (only counters may end in _total); the per-type nodejs_active_handles/_requests/_resources stay.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
  const build = new Gauge({
    name: 'ovncp_build_info',
    help: 'Build information of ovncp-monitor; the value is always 1.',
    labelNames: ['version', 'nodejs_version'],
    registers: [registry],
  });
  build.set({ version: VERSION, nodejs_version: process.version }, 1);
  return registry;
}
