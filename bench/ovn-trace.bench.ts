// Per-trace latency of the three ways to answer a trace, on the same generated network and packets:
// the model engine (in-process), ovn-trace one process per trace, and the long-lived ovn-trace daemon
// (JSON-RPC over its unixctl socket), plus the daemon's start time. Also counts verdict agreement.
// Run: [ONE_SHOTS=10] [VIPS=1] npx tsx bench/ovn-trace.bench.ts [SIZE=S] [TRACES=100]
// (sizes: bench/lib/topology-generator.ts; VIPS=1 includes load-balancer paths, traced once per backend).
// Needs OVN installed; uses a throwaway NB+SB+northd (test bed) that is stopped at the end.

import { createModelEngine } from '../src/engine/model/index.ts';
import { createOvnTraceEngine } from '../src/engine/ovn-trace/engine.ts';
import { toTraceResult } from '../src/engine/result/api.ts';
import { deliveryOf, sameDelivery } from '../src/engine/result/outcome.ts';
import type { TraceEngine, TraceRequest, TraceResult } from '../src/engine/types.ts';
import { buildTopology } from '../src/ovn/topology/build.ts';
import type { Topology } from '../src/ovn/topology/types.ts';
import { startOvn } from '../test/helpers/ovn-testbed.ts';
import { pathRequest } from './lib/path-requests.ts';
import { generate } from './lib/topology-generator.ts';

/** DESIGN.md §6, measured earlier on this kind of machine (1k ports, 5k ACLs, 15k logical flows). */
const BASELINE = { oneShotMs: 2000, daemonMs: 3, daemonStartMs: 2000 };

/** One-shot runs are slow on big networks: how many to time (env ONE_SHOTS, default 10). */
const ONE_SHOTS = Number(process.env.ONE_SHOTS ?? 10);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

function requests(t: Topology, size: string, n: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (const p of generate(size).paths) {
    // A VIP costs one extra one-shot run per backend (`--lb-dst`): slow on big networks, so opt-in.
    if (p.kind === 'vip' && !process.env.VIPS) continue;
    const req = pathRequest(t, p);
    if (req) out.push(req);
    if (out.length >= n) break;
  }
  return out;
}

async function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

async function main(): Promise<void> {
  const size = process.argv[2] ?? 'S';
  const n = Number(process.argv[3] ?? 100);
  const g = generate(size);
  const topology = buildTopology(g.doc, { kind: 'memory', name: `generated ${size}` });
  const tb = await startOvn();
  try {
    const [, loadMs] = await time(() => tb.loadSnapshot(g.doc));
    const lflows = (await tb.sbctl('--bare', '--columns=_uuid', 'list', 'Logical_Flow'))
      .split('\n')
      .filter(Boolean).length;
    const reqs = requests(topology, size, n);
    console.log(
      `size ${size}: ${JSON.stringify(g.counts)}, ${lflows} logical flows (NB load + northd ${fmt(loadMs)} ms), ${reqs.length} traces`,
    );

    const api = async (e: TraceEngine, r: TraceRequest) =>
      toTraceResult(await e.trace(r, { network: topology }));
    const model = createModelEngine();
    await api(model, reqs[0]!); // compile once, outside the timing
    const modelMs: number[] = [];
    const modelResults: TraceResult[] = [];
    for (const r of reqs) {
      const [res, ms] = await time(() => api(model, r));
      modelResults.push(res);
      modelMs.push(ms);
    }

    const oneShot = createOvnTraceEngine({
      sbDb: tb.sbRemote,
      mode: 'one-shot',
      timeoutMs: 600_000,
    });
    const oneShotMs: number[] = [];
    for (const r of reqs.filter((_, i) => !modelResults[i]!.backends).slice(0, ONE_SHOTS))
      oneShotMs.push((await time(() => api(oneShot, r)))[1]);
    await oneShot.close();

    const daemon = createOvnTraceEngine({
      sbDb: tb.sbRemote,
      mode: 'daemon',
      watchSb: false,
      timeoutMs: 600_000,
    });
    const [, startMs] = await time(() => daemon.ready());
    const daemonMs: number[] = [];
    let agree = 0;
    let vipTraces = 0;
    for (const [i, r] of reqs.entries()) {
      const [res, ms] = await time(() => api(daemon, r));
      if (res.backends) vipTraces++;
      else daemonMs.push(ms);
      if (sameDelivery(deliveryOf(res), deliveryOf(modelResults[i]!))) agree++;
      else if (process.env.SHOW_DIFFS)
        console.log(
          'disagree',
          JSON.stringify(r),
          deliveryOf(res),
          res.dropped_at?.stage,
          deliveryOf(modelResults[i]!),
          modelResults[i]!.dropped_at?.description,
        );
    }
    const stats = { ...daemon.stats };
    await daemon.close();

    console.log('\n| engine | per trace p50 (ms) | p90 (ms) | traces | baseline (DESIGN.md §6, 15k flows) |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| model (in-process) | ${fmt(pct(modelMs, 0.5))} | ${fmt(pct(modelMs, 0.9))} | ${modelMs.length} | – |`,
    );
    console.log(
      `| ovn-trace one-shot | ${fmt(pct(oneShotMs, 0.5))} | ${fmt(pct(oneShotMs, 0.9))} | ${oneShotMs.length} | ~${BASELINE.oneShotMs} |`,
    );
    console.log(
      `| ovn-trace daemon (JSON-RPC) | ${fmt(pct(daemonMs, 0.5))} | ${fmt(pct(daemonMs, 0.9))} | ${daemonMs.length} | ~${BASELINE.daemonMs} |`,
    );
    console.log(
      `\ndaemon start ${fmt(startMs)} ms (baseline ~${BASELINE.daemonStartMs}); VIP traces (one-shot per backend, not in the daemon row): ${vipTraces}`,
    );
    console.log(
      `daemon stats ${JSON.stringify(stats)}; verdicts agree with the model on ${agree}/${reqs.length}`,
    );
  } finally {
    await tb.stop();
  }
}

await main();
