// The live initial Southbound sync of the lflow engine, end to end and by phase: LiveSb (the daemon's SB
// follower) connects to a real ovsdb-server, the monitor reply is read and decoded into the client's
// cache, the rows are converted to SB values, the compiled SB is built (matches, actions, placement) and
// its flow indexes are built, all in slices of the event loop as the daemon does it. "Ready" is the
// moment the engine answers traces at full speed: the first traces after it are timed against a second
// pass over the same requests to show that no lazy build is left for them to pay.
// Also: our CPU time per phase, ovsdb-server's CPU time, RSS, and the longest event-loop turn.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { CompiledSb, type CompileSbOptions } from '../../src/engine/lflow/compile.ts';
import { indexStats } from '../../src/engine/lflow/flow-index.ts';
import { createLflowEngine } from '../../src/engine/lflow/index.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import type { SbDatabase } from '../../src/ovn/sb/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { runInSlices } from '../../src/sources/sb/in-slices.ts';
import { LiveSb } from '../../src/sources/sb/live-sb.ts';
import { memoryNow } from '../lib/stats.ts';

export interface SyncPhase {
  readonly name: string;
  /** Wall ms from the previous phase's end. */
  readonly wallMs: number;
  /** CPU ms of this process over the phase. */
  readonly cpuMs: number;
}

export interface SbSyncFigures {
  readonly phases: readonly SyncPhase[];
  readonly totalWallMs: number;
  readonly totalCpuMs: number;
  /** ovsdb-server CPU ms from connect to ready (its build and send of the reply). */
  readonly serverCpuMs: number | null;
  readonly flows: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  /** The longest event-loop delay seen during the sync (wall ms, a 10 ms-resolution probe). */
  readonly longestTurnMs: number;
  /** The longest compile slice (wall ms, CompiledSb steps between two turns). */
  readonly longestSliceMs: number;
  /** The first pass of traces after ready, then the same requests again (wall ms). */
  readonly firstTracesMs: number;
  readonly againTracesMs: number;
  readonly traces: number;
  /** Flow-index trees the first traces had to build (0: the sync left nothing lazy for them). */
  readonly firstTracesBuilds: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** utime + stime of a process in ms (Linux /proc), null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Times phases: each mark closes the phase running since the previous mark. */
function phaseClock() {
  const phases: SyncPhase[] = [];
  const t0 = performance.now();
  const c0 = cpuNow();
  let [t, c] = [t0, c0];
  return {
    phases,
    mark(name: string): void {
      const [nt, nc] = [performance.now(), cpuNow()];
      phases.push({ name, wallMs: nt - t, cpuMs: nc - c });
      [t, c] = [nt, nc];
    },
    total: () => ({ wallMs: t - t0, cpuMs: c - c0 }),
  };
}

/**
 * One live initial sync from `remote` (a fresh process state is best: run it once per process);
 * `traces` are run after ready on `topo` to show the engine is at full speed.
 */
export async function measureSbSync(
  remote: string,
  opts: {
    serverPid?: number;
    topo?: Topology;
    traces?: readonly TraceRequest[];
    compile?: CompileSbOptions;
  } = {},
): Promise<SbSyncFigures> {
  const clock = phaseClock();
  const server0 = opts.serverPid ? processCpuMs(opts.serverPid) : null;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const live = new LiveSb({ remote, logger: pino({ level: 'warn' }), probeIntervalMs: 0 });
  let compiled: CompiledSb | null = null;
  let longestSlice = 0;
  const onSlice = (ms: number) => {
    longestSlice = Math.max(longestSlice, ms);
  };
  live.client.once('sync', () => clock.mark('connect, monitor reply read and decoded'));
  live.follow({
    reset: async (db: SbDatabase) => {
      clock.mark('rows converted to SB values');
      const sb = new CompiledSb(db, opts.compile);
      await runInSlices(sb.loadFlows(), undefined, onSlice);
      clock.mark('flows compiled and placed');
      await runInSlices(sb.indexSteps(), undefined, onSlice);
      clock.mark('flow indexes built');
      compiled = sb;
    },
    apply: () => undefined,
  });
  live.start();
  await live.synced();
  clock.mark('ready (every follower has it)');
  delay.disable();
  clearInterval(rssTimer);
  const server1 = opts.serverPid ? processCpuMs(opts.serverPid) : null;
  live.stop();
  const sb = compiled as CompiledSb | null;
  if (!sb) throw new Error('the initial sync did not reach the compiled SB');
  let firstTracesMs = 0;
  let againTracesMs = 0;
  let firstTracesBuilds = 0;
  const reqs = opts.traces ?? [];
  if (opts.topo && reqs.length > 0) {
    const engine = createLflowEngine({ sb: () => sb });
    const pass = () => {
      const t = performance.now();
      for (const r of reqs) engine.traceSync(r, { network: opts.topo! });
      return performance.now() - t;
    };
    const builds = indexStats.builds;
    firstTracesMs = pass();
    firstTracesBuilds = indexStats.builds - builds;
    againTracesMs = pass();
  }
  const total = clock.total();
  return {
    phases: clock.phases,
    totalWallMs: total.wallMs,
    totalCpuMs: total.cpuMs,
    serverCpuMs: server0 !== null && server1 !== null ? server1 - server0 : null,
    flows: sb.flowCount(),
    rssMb: memoryNow().rssMb,
    peakRssMb: peakRss / 2 ** 20,
    longestTurnMs: delay.max / 1e6,
    longestSliceMs: longestSlice,
    firstTracesMs,
    againTracesMs,
    traces: reqs.length,
    firstTracesBuilds,
  };
}
