// The baseline: real ovn-trace on the same SB the test bed's northd built from the generated NB, for a
// sample of the same requests the model traced. One-shot = one ovn-trace process per trace (it reads
// the whole SB each time); daemon = our long-lived ovn-trace daemon answering over its unixctl socket.
// Verdict agreement with the model is counted on every traced sample request.

import { pino } from 'pino';
import { createOvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { deliveryOf, sameDelivery } from '../../src/engine/result/outcome.ts';
import type { TraceEngine, TraceRequest, TraceResult } from '../../src/engine/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { BenchCheck } from '../lib/bench-paths.ts';
import { cpuMsOfPid, percentile, rssOfPid, timed } from '../lib/stats.ts';

export interface SampleSizes {
  oneShot: number;
  daemon: number;
  /** VIP paths in the daemon sample: ovn-trace answers each backend with a one-shot run (--lb-dst). */
  vip: number;
}

export interface OvnTraceFigures {
  oneShotSample: number;
  oneShotP50Ms: number;
  /** Why the one-shot sample stopped early, if it did. */
  oneShotError: string | null;
  daemonStartMs: number;
  daemonRssMb: number | null;
  daemonSample: number;
  daemonP50Ms: number;
  daemonP99Ms: number;
  /** CPU ms the ovn-trace daemon process spent per trace of the sample (its own work, no IPC wait). */
  daemonCpuMsPerTrace: number | null;
  /** Why the daemon part stopped, if it did (e.g. the daemon did not start). */
  daemonError: string | null;
  vipSample: number;
  vipP50Ms: number;
  agreement: { traced: number; agree: number; disagreements: string[] };
}

/** `n` indices spread evenly over the checks that pass `keep`. */
function spread(checks: readonly BenchCheck[], n: number, keep: (c: BenchCheck) => boolean): number[] {
  const idx = checks.flatMap((c, i) => (keep(c) ? [i] : []));
  if (n >= idx.length) return idx;
  return Array.from({ length: n }, (_, k) => idx[Math.floor((k * idx.length) / n)]!);
}

function describe(c: BenchCheck, ours: TraceResult, theirs: TraceResult): string {
  const v = (r: TraceResult) => `${r.reaches_destination ? 'reached' : 'dropped'} [${r.output_ports}]`;
  return `${c.check.path.name}: model ${v(ours)}, ovn-trace ${v(theirs)} (${theirs.dropped_at?.stage ?? ''})`;
}

export async function measureOvnTrace(
  sbDb: string,
  topo: Topology,
  checks: readonly BenchCheck[],
  model: readonly TraceResult[],
  n: SampleSizes,
): Promise<OvnTraceFigures> {
  const notVip = (c: BenchCheck) => c.kind !== 'vip';
  const agreement = { traced: 0, agree: 0, disagreements: [] as string[] };
  const compare = (i: number, r: TraceResult) => {
    agreement.traced++;
    if (sameDelivery(deliveryOf(r), deliveryOf(model[i]!))) agreement.agree++;
    else agreement.disagreements.push(describe(checks[i]!, model[i]!, r));
  };
  const common = { sbDb, timeoutMs: 600_000 };
  const api = async (e: TraceEngine, r: TraceRequest) => toTraceResult(await e.trace(r, { network: topo }));

  const oneShot = createOvnTraceEngine({ ...common, mode: 'one-shot' });
  const oneShotMs: number[] = [];
  let oneShotError: string | null = null;
  try {
    for (const i of spread(checks, n.oneShot, notVip)) {
      const [r, ms] = await timed(() => api(oneShot, checks[i]!.request));
      oneShotMs.push(ms);
      compare(i, r);
    }
  } catch (err) {
    // A one-shot run past the timeout (a loaded machine at L): say so and still measure the daemon.
    oneShotError = (err as Error).message.split('\n')[0]!;
  } finally {
    await oneShot.close();
  }

  // The engine only logs why a daemon did not start: keep the last error line to report it.
  let lastLog = '';
  const logger = pino({ level: 'error' }, { write: (line: string) => void (lastLog = line) });
  const daemon = createOvnTraceEngine({ ...common, mode: 'daemon', watchSb: false, logger });
  const daemonMs: number[] = [];
  const vipMs: number[] = [];
  let startMs = Number.NaN;
  let daemonRssMb: number | null = null;
  let daemonCpuMsPerTrace: number | null = null;
  let daemonError: string | null = null;
  try {
    [, startMs] = await timed(() => daemon.ready());
    const pid = daemon.daemonPid();
    daemonRssMb = pid === null ? null : await rssOfPid(pid);
    const cpu0 = pid === null ? null : await cpuMsOfPid(pid);
    for (const i of spread(checks, n.daemon, notVip)) {
      const [r, ms] = await timed(() => api(daemon, checks[i]!.request));
      daemonMs.push(ms);
      compare(i, r);
    }
    const cpu1 = pid === null || daemon.daemonPid() !== pid ? null : await cpuMsOfPid(pid);
    // /proc counts CPU in 10 ms ticks: a small sample (size S: 10 traces of ~2 ms) may see none, which
    // is below the resolution, not zero (it made the speed-up read 0×).
    daemonCpuMsPerTrace =
      cpu0 === null || cpu1 === null || daemonMs.length === 0 || cpu1 === cpu0
        ? null
        : (cpu1 - cpu0) / daemonMs.length;
    for (const i of spread(checks, n.vip, (c) => c.kind === 'vip')) {
      const [r, ms] = await timed(() => api(daemon, checks[i]!.request));
      vipMs.push(ms);
      compare(i, r);
    }
  } catch (err) {
    const logged = lastLog ? (JSON.parse(lastLog) as { err?: { message?: string } }).err?.message : '';
    daemonError = `${(err as Error).message.split('\n')[0]}${logged ? ` (${logged.split('\n')[0]})` : ''}`;
  } finally {
    await daemon.close();
  }
  return {
    oneShotSample: oneShotMs.length,
    oneShotP50Ms: percentile(oneShotMs, 0.5),
    oneShotError,
    daemonStartMs: startMs,
    daemonRssMb,
    daemonSample: daemonMs.length,
    daemonP50Ms: percentile(daemonMs, 0.5),
    daemonP99Ms: percentile(daemonMs, 0.99),
    daemonCpuMsPerTrace,
    daemonError,
    vipSample: vipMs.length,
    vipP50Ms: percentile(vipMs, 0.5),
    agreement,
  };
}
