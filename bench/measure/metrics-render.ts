// /metrics render time for the per-check path families at a given number of series: our pre-rendered
// PathMetrics (what serve appends to /metrics) against the baseline, prom-client rendering one gauge
// with the same number of 5-label series (DESIGN.md §6). Check states are real outcomes from a model
// run, repeated under new keys until the series count is reached.

import { Gauge, Registry } from 'prom-client';
import { PathMetrics } from '../../src/monitor/path-metrics.ts';
import type { CheckState } from '../../src/monitor/results.ts';
import { median, timedCpu } from '../lib/stats.ts';

export interface RenderFigures {
  series: number;
  oursMs: number;
  oursCpuMs: number;
  promClientMs: number;
  promClientCpuMs: number;
}

const seriesIn = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;

function pathMetricsWith(states: readonly CheckState[], targetSeries: number): PathMetrics {
  const probe = new PathMetrics();
  for (const s of states) probe.update(s);
  const perCheck = seriesIn(probe.renderSync()) / states.length;
  const n = Math.ceil(targetSeries / perCheck);
  const pm = new PathMetrics();
  for (let i = 0; i < n; i++) {
    const s = states[i % states.length]!;
    const copy = Math.floor(i / states.length);
    const name = copy === 0 ? s.check.path.name : `${s.check.path.name}-x${copy}`;
    pm.update({
      ...s,
      check: { ...s.check, key: `${s.check.key}|${copy}`, path: { ...s.check.path, name } },
    });
  }
  return pm;
}

/** The baseline: prom-client rendering one 5-label gauge with `series` series. */
export function promClientWith(series: number): Registry {
  const registry = new Registry();
  const g = new Gauge({
    name: 'ovncp_path_reachable',
    help: 'baseline',
    labelNames: ['path', 'source_port', 'destination', 'protocol', 'port'],
    registers: [registry],
  });
  for (let i = 0; i < series; i++)
    g.set(
      {
        path: `p${i}`,
        source_port: `ns${i % 1000}_pod${i % 10}`,
        destination: `d${i}`,
        protocol: 'tcp',
        port: '8080',
      },
      i % 2,
    );
  return registry;
}

async function repeat(n: number, f: () => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const [, w, c] = await timedCpu(f);
    wall.push(w);
    cpu.push(c);
  }
  return { wall, cpu };
}

export async function measureRender(states: readonly CheckState[], series: number): Promise<RenderFigures> {
  const pm = pathMetricsWith(states, series);
  // String(): render() gives a string or a Buffer depending on the PathMetrics version.
  const text = String(await pm.render());
  const ours = await repeat(7, () => pm.render());
  const registry = promClientWith(series);
  const base = await repeat(5, () => registry.metrics());
  return {
    series: seriesIn(text),
    oursMs: median(ours.wall),
    oursCpuMs: median(ours.cpu),
    promClientMs: median(base.wall),
    promClientCpuMs: median(base.cpu),
  };
}
