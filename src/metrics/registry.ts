// The Prometheus registry of one daemon: process metrics, build info, and whatever the monitor,
// OVSDB client and engines register. A fresh registry per daemon keeps tests independent.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { VERSION } from '../version.ts';

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const build = new Gauge({
    name: 'ovncp_build_info',
    help: 'Build information of ovncp-monitor; the value is always 1.',
    labelNames: ['version', 'nodejs_version'],
    registers: [registry],
  });
  build.set({ version: VERSION, nodejs_version: process.version }, 1);
  return registry;
}
