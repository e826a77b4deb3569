// The lflow engine's live initial SB sync at L/XL, end to end (bench/measure/sb-sync.ts): a real
// ovsdb-server serves a copy of a Southbound database file (the bench's pre-built L/XL ones, or
// bench/make-db.ts output) and a fresh node process syncs it with LiveSb and compiles it, once per run
// (a daemon starts cold, so every run is a new process). Prints each run's phases, wall and CPU, the
// ovsdb-server's CPU, RSS, the longest event-loop delay, and the first traces after ready.
// Run: node --import tsx bench/sb-sync.bench.ts [--size L] [--dir bench/results/db] [--runs 3] [--traces 2000]
//      (files from bench/make-db.ts: sb-SIZE.db, and snapshot-/paths-SIZE.yaml for the traces; needs ovsdb-server)

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TraceRequest } from '../src/engine/types.ts';
import { expandPaths } from '../src/monitor/expand.ts';
import { parsePathsText } from '../src/monitor/paths-config.ts';
import { requestFor } from '../src/monitor/runner.ts';
import { loadTopologyFile } from '../src/sources/file.ts';
import { measureSbSync, type SbSyncFigures } from './measure/sb-sync.ts';

const { values: o } = parseArgs({
  options: {
    size: { type: 'string', default: 'L' },
    dir: { type: 'string', default: join(import.meta.dirname, 'results', 'db') },
    runs: { type: 'string', default: '3' },
    traces: { type: 'string', default: '2000' },
    /** Internal: one run in this process against this remote, figures as JSON on stdout. */
    one: { type: 'string' },
    'server-pid': { type: 'string' },
  },
});
const file = (kind: string, ext: string) => join(o.dir!, `${kind}-${o.size}.${ext}`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The first `n` critical paths of the size as trace requests (none when the files are missing). */
function traceInputs(n: number) {
  if (n === 0 || !existsSync(file('snapshot', 'yaml')) || !existsSync(file('paths', 'yaml'))) return {};
  const topo = loadTopologyFile(file('snapshot', 'yaml'));
  const paths = parsePathsText(file('paths', 'yaml'), readFileSync(file('paths', 'yaml'), 'utf8'));
  const checks = expandPaths(paths, topo, true).checks;
  const step = Math.max(1, Math.floor(checks.length / n));
  const traces: TraceRequest[] = checks.filter((_, i) => i % step === 0).map((c) => requestFor(c, topo));
  return { topo, traces: traces.slice(0, n) };
}

async function one(remote: string): Promise<void> {
  const inputs = traceInputs(Number(o.traces));
  const serverPid = o['server-pid'] ? Number(o['server-pid']) : undefined;
  const f = await measureSbSync(remote, { ...inputs, ...(serverPid ? { serverPid } : {}) });
  process.stdout.write(`${JSON.stringify(f)}\n`);
}

/** ovsdb-server on a copy of the size's SB file, on a unix socket; resolves once it listens. */
async function serve(dir: string) {
  const db = join(dir, 'sb.db');
  copyFileSync(file('sb', 'db'), db);
  const sock = join(dir, 'sb.sock');
  const child = spawn(
    'ovsdb-server',
    [`--remote=punix:${sock}`, `--unixctl=${join(dir, 'sb.ctl')}`, '--no-chdir', db],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 600 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(sock)) throw new Error('ovsdb-server did not start');
  return { remote: `unix:${sock}`, child };
}

function print(i: number, f: SbSyncFigures, load: string): void {
  console.log(`\nrun ${i + 1} (load average before: ${load}, after: ${loadavg()})`);
  console.log('| phase | wall | CPU (ours) |\n|---|---|---|');
  for (const p of f.phases) console.log(`| ${p.name} | ${s(p.wallMs)} | ${s(p.cpuMs)} |`);
  console.log(`| **initial sync, total** | **${s(f.totalWallMs)}** | **${s(f.totalCpuMs)}** |`);
  console.log(
    `flows ${f.flows}; ovsdb-server CPU ${f.serverCpuMs === null ? 'n/a' : s(f.serverCpuMs)}; RSS ${f.rssMb.toFixed(0)} MB (peak ${f.peakRssMb.toFixed(0)} MB); ` +
      `longest event-loop delay ${f.longestTurnMs.toFixed(0)} ms, longest compile slice ${f.longestSliceMs.toFixed(0)} ms`,
  );
  if (f.traces > 0)
    console.log(
      `first ${f.traces} traces after ready ${f.firstTracesMs.toFixed(0)} ms (index trees they built: ${f.firstTracesBuilds}), the same again ${f.againTracesMs.toFixed(0)} ms`,
    );
}

async function main(): Promise<void> {
  if (o.one) return one(o.one);
  console.log(`live initial SB sync, size ${o.size} (${file('sb', 'db')}), node ${process.version}`);
  const totals: number[] = [];
  for (let i = 0; i < Number(o.runs); i++) {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sync-'));
    const { remote, child } = await serve(dir);
    try {
      const load = loadavg();
      const out = execFileSync(
        process.execPath,
        [
          ...process.execArgv,
          process.argv[1]!,
          `--one=${remote}`,
          `--server-pid=${child.pid}`,
          `--size=${o.size}`,
          `--dir=${o.dir}`,
          `--traces=${o.traces}`,
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const f = JSON.parse(out.trim().split('\n').at(-1)!) as SbSyncFigures;
      print(i, f, load);
      totals.push(f.totalWallMs);
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`\ninitial sync wall per run: ${totals.map(s).join(', ')}`);
}

await main();
