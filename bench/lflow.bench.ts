// Offline lflow engine benchmark at L/XL: no live OVN needed. Reads a Southbound database file
// (readSbFile), the NB snapshot and the paths file of the same generated network (the bench's critical
// paths), compiles the SB, and measures traces per CPU second with full hops (engine.traceSync plus the
// API rendering, as the daemon answers) in config order and in the daemon's batch order (grouped by source
// switch, src/monitor/locality.ts), table lookups and leaf scans per trace, compile time and RSS. Prints the
// ovn-trace daemon figures README measured at the same size beside ours (starting ovn-trace at L costs
// ~21 s and 3.1 GB, so they are quoted, not re-measured).
// Run: node --import tsx bench/lflow.bench.ts [--size L] [--dir bench/results/db] (files from bench/make-db.ts) [--ms 5000]
//      [--every N] (every Nth path only) [--cpu-prof FILE] (profile of the timed traces only) [--dump FILE]  (one JSON line per path: the API result, to diff two trees' answers)

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { indexStats } from '../src/engine/lflow/flow-index.ts';
import { compileSb, createLflowEngine } from '../src/engine/lflow/index.ts';
import { toTraceResult } from '../src/engine/result/api.ts';
import type { TraceRequest } from '../src/engine/types.ts';
import { expandPaths } from '../src/monitor/expand.ts';
import { bySourceSwitch } from '../src/monitor/locality.ts';
import { parsePathsText } from '../src/monitor/paths-config.ts';
import { requestFor } from '../src/monitor/runner.ts';
import { loadTopologyFile } from '../src/sources/file.ts';
import { readSbFile } from '../src/sources/sb/db-file.ts';
import { gc, memoryNow, percentile, timedCpu } from './lib/stats.ts';

/** README "Latest figures" (ovn-trace 23.03 daemon, measured by `npm run bench`), per size. */
const OVN_TRACE_README: Record<string, { perSec: number; startS: number; rssMb: number } | undefined> = {
  L: { perSec: 30, startS: 21, rssMb: 3100 },
};

const { values: o } = parseArgs({
  options: {
    size: { type: 'string', default: 'L' },
    dir: { type: 'string', default: join(import.meta.dirname, 'results', 'db') },
    ms: { type: 'string', default: '5000' },
    dump: { type: 'string' },
    every: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
  },
});
const size = o.size!;
const file = (kind: string, ext: string) => join(o.dir!, `${kind}-${size}.${ext}`);

const rss0 = memoryNow().rssMb;
let t = performance.now();
const db = await readSbFile(file('sb', 'db'));
const readMs = performance.now() - t;
const topo = loadTopologyFile(file('snapshot', 'yaml'));
const { readFileSync } = await import('node:fs');
const paths = parsePathsText(file('paths', 'yaml'), readFileSync(file('paths', 'yaml'), 'utf8'));
const every = Number(o.every);
const checks = expandPaths(paths, topo, true).checks.filter((_, i) => i % every === 0);
const requests: TraceRequest[] = checks.map((c) => requestFor(c, topo));
// The order the daemon runs a batch of checks in (at start, after a change): by source switch.
const grouped: TraceRequest[] = bySourceSwitch(checks, (c) => topo.ports.get(c.sourcePort)?.switchName).map(
  (c) => requestFor(c, topo),
);
gc();
t = performance.now();
const sb = compileSb(db);
const compileMs = performance.now() - t;
const engine = createLflowEngine({ sb: () => sb });
const trace = (r: TraceRequest) => toTraceResult(engine.traceSync(r, { network: topo }));

// Warm-up pass (the compile built every table's index already) and the evaluation count.
t = performance.now();
indexStats.scans = 0;
indexStats.lookups = 0;
const dump: string[] = [];
for (const r of requests) {
  const res = trace(r);
  if (o.dump) dump.push(JSON.stringify({ ...res, trace_id: undefined, duration_ms: undefined }));
}
const firstPassMs = performance.now() - t;
const scansPerTrace = indexStats.scans / requests.length;
const lookupsPerTrace = indexStats.lookups / requests.length;
if (o.dump) writeFileSync(o.dump, `${dump.join('\n')}\n`);

const session = o['cpu-prof'] ? new Session() : null;
const post = (method: string) =>
  new Promise<unknown>((ok, fail) => session!.post(method, (e, r) => (e ? fail(e) : ok(r))));
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
}
const lat: number[] = [];
const minMs = Number(o.ms);
const [, wall, cpu] = await timedCpu(() => {
  const s0 = performance.now();
  while (performance.now() - s0 < minMs || lat.length < requests.length) {
    for (const r of requests) {
      const s = performance.now();
      trace(r);
      lat.push(performance.now() - s);
    }
  }
});
if (session) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(o['cpu-prof']!, JSON.stringify(profile));
}
// The same traces in the daemon's batch order: consecutive traces share datapaths (caches stay warm).
let groupedN = 0;
const [, , groupedCpu] = await timedCpu(() => {
  const s0 = performance.now();
  while (performance.now() - s0 < minMs || groupedN < grouped.length) {
    for (const r of grouped) trace(r);
    groupedN += grouped.length;
  }
});
const rss = memoryNow().rssMb;
const { readFileSync: rf } = await import('node:fs');
const load = rf('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const perCpuS = lat.length / (cpu / 1000);
const base = OVN_TRACE_README[size];
const rows: [string, string, string][] = [
  ['logical flows', String(sb.flowCount()), ''],
  ['SB file read', `${(readMs / 1000).toFixed(1)} s`, ''],
  [
    'compile (incl. every flow index)',
    `${(compileMs / 1000).toFixed(1)} s`,
    base ? `daemon start ${base.startS} s` : '',
  ],
  ['first pass (traces, JIT warm-up)', `${(firstPassMs / 1000).toFixed(1)} s`, ''],
  ['paths traced', String(requests.length), ''],
  ['table lookups / trace', lookupsPerTrace.toFixed(0), ''],
  ['leaf scans / trace (one call each)', scansPerTrace.toFixed(0), ''],
  [
    'traces / CPU s (full hops + API)',
    perCpuS.toFixed(0),
    base ? `${base.perSec}/s (README, daemon)` : 'n/a',
  ],
  ['speed-up', base ? `${(perCpuS / base.perSec).toFixed(0)}x` : 'n/a', 'goal >= 300x (10k/CPU s)'],
  [
    "traces / CPU s, grouped by source switch (the daemon's batch order)",
    (groupedN / (groupedCpu / 1000)).toFixed(0),
    base ? `${(groupedN / (groupedCpu / 1000) / base.perSec).toFixed(0)}x` : '',
  ],
  ['traces / wall s', (lat.length / (wall / 1000)).toFixed(0), ''],
  ['p50 / p99', `${percentile(lat, 0.5).toFixed(3)} / ${percentile(lat, 0.99).toFixed(3)} ms`, ''],
  [
    'RSS (start -> end)',
    `${rss0.toFixed(0)} -> ${rss.toFixed(0)} MB`,
    base ? `${base.rssMb} MB (README)` : '',
  ],
  ['load average', load, ''],
];
console.log(`| lflow, size ${size} | ours | ovn-trace 23.03 |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
