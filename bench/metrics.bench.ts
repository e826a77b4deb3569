// /metrics render cost of the path monitor's per-check families at 10k and 100k series: total wall time
// and the longest event-loop stall while rendering, ours (pre-rendered lines, sliced with setImmediate)
// beside the baseline (prom-client rendering one gauge with as many 5-label series, DESIGN.md §6).
// Run: npx tsx bench/metrics.bench.ts [series...]   (default 10000 100000)

import type { Check } from '../src/monitor/expand.ts';
import { PathMetrics } from '../src/monitor/path-metrics.ts';
import type { PathSpec } from '../src/monitor/paths-config.ts';
import type { CheckState } from '../src/monitor/results.ts';
import { promClientWith } from './measure/metrics-render.ts';

/** A check state as the monitor holds it after a run; every 10th is blocked (an extra info series). */
function state(i: number): CheckState {
  const path: PathSpec = {
    name: `p${i}-same-ns`,
    description: null,
    source: { kind: 'port', name: `ns${i % 1000}_pod${i % 10}` },
    destination: { kind: 'port', name: `ns${i % 1000}_pod${(i + 1) % 10}` },
    protocols: ['tcp'],
    ports: [8080],
    overrides: {},
    expect: 'reachable',
    schedule: { kind: 'interval', ms: 30_000 },
    engine: 'auto',
    labels: { team: `t${i % 20}` },
    line: 1,
  };
  const check: Check = {
    key: `${path.name}|k`,
    path,
    sourcePort: path.source.name,
    destination: path.destination.name,
    destinationKind: 'port',
    protocol: 'tcp',
    port: 8080,
  };
  const blocked = i % 10 === 0;
  const at = Date.now();
  return {
    check,
    runs: 1,
    lastChange: at,
    last: {
      at,
      durationMs: 1,
      trigger: 'schedule',
      engine: 'model',
      reachable: !blocked,
      error: null,
      blockedBy: blocked ? 'ns-default-deny' : null,
      blockedOwner: blocked ? { kind: 'NetpolNamespace', name: 'ns', namespace: 'ns' } : null,
      allowedBy: null,
      hopType: blocked ? 'acl' : null,
      summary: '',
      visited: null,
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const countSeries = (t: string) => t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;

/** Longest gap between ticks of a 1 ms timer while `f` runs: how long the event loop was held. */
async function withStall(f: () => Promise<unknown>): Promise<{ ms: number; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await f();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2)); // let the ticker see the last stall
  clearInterval(tick);
  return { ms, stallMs: stall };
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<{ ms: number; stallMs: number }> {
  const all: { ms: number; stallMs: number }[] = [];
  for (let i = 0; i < runs; i++) all.push(await withStall(f));
  return { ms: median(all.map((x) => x.ms)), stallMs: median(all.map((x) => x.stallMs)) };
}

async function bench(series: number): Promise<string> {
  // Seven families per check, of which a reachable check fills six: size by series, not checks.
  const checks = Math.ceil(series / 6);
  const pm = new PathMetrics();
  for (let i = 0; i < checks; i++) pm.update(state(i));
  const got = countSeries(await pm.render());
  // Every check ran since the last scrape (its check time moved): every part of that family is copied
  // again; then nothing changed (every part kept).
  const runs: { ms: number; stallMs: number }[] = [];
  for (let r = 2; r < 9; r++) {
    for (let i = 0; i < checks; i++) {
      const s = state(i);
      pm.update({ ...s, last: { ...s.last!, at: r * 1000 } });
    }
    runs.push(await withStall(() => pm.renderChunks()));
  }
  const ran = { ms: median(runs.map((x) => x.ms)), stallMs: median(runs.map((x) => x.stallMs)) };
  const ours = await timed(7, () => pm.renderChunks());
  const registry = promClientWith(got);
  const base = await timed(3, () => registry.metrics());
  const f = (x: number) => `${x.toFixed(1)} ms`;
  return `| ${got.toLocaleString('en-US')} | ${f(ran.ms)} | ${f(ran.stallMs)} | ${f(ours.ms)} | ${f(base.ms)} | ${f(base.stallMs)} |`;
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
console.log(
  '| series | ours: render after every check ran | its longest stall | ours: render, nothing changed | prom-client: render | prom-client: longest stall |',
);
console.log('|---|---|---|---|---|---|');
for (const n of sizes.length > 0 ? sizes : [10_000, 100_000]) console.log(await bench(n));
