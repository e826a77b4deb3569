// Memory over an hour-equivalent of scheduled checks: every check of the size runs once per round
// through the monitor's own scheduler (concurrency queue), runner and results store with the model
// engine, and the path metrics are rendered twice per round (a 15 s scrape against a 30 s interval).
// 120 rounds = one hour of `interval: 30s`. RSS and heap are read after a full GC; growth is measured
// from the end of the warm-up (round 10) to the last round. A time budget may stop it earlier.

import { createModelEngine } from '../../src/engine/model/index.ts';
import { PathMetrics } from '../../src/monitor/path-metrics.ts';
import { ResultsStore } from '../../src/monitor/results.ts';
import { runCheck } from '../../src/monitor/runner.ts';
import { Scheduler } from '../../src/monitor/scheduler.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { BenchCheck } from '../lib/bench-paths.ts';
import { memoryNow } from '../lib/stats.ts';

export interface SoakFigures {
  rounds: number;
  /** True when the time budget ended the run before the rounds asked for. */
  stoppedByBudget: boolean;
  checksRun: number;
  wallMs: number;
  /** [round, rssMb, heapMb] samples. */
  samples: [number, number, number][];
  rssGrowthMb: number;
  heapGrowthMb: number;
  results: ResultsStore;
}

const WARM_ROUNDS = 10;

export async function measureSoak(
  topo: Topology,
  checks: readonly BenchCheck[],
  rounds = 120,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<SoakFigures> {
  const store = new TopologyStore();
  store.set(topo);
  const engine = createModelEngine();
  const results = new ResultsStore();
  results.replace(checks.map((c) => c.check));
  const metrics = new PathMetrics();
  const scheduler = new Scheduler({
    concurrency: 8,
    keysOf: () => [],
    run: async (key, trigger) => {
      const state = results.get(key)!;
      const outcome = await runCheck(state.check, {
        topology: store.current(),
        engine: () => engine,
        timeoutMs: 10_000,
        trigger,
      });
      results.record(key, outcome);
      metrics.update(state);
    },
  });
  const samples: [number, number, number][] = [];
  const t0 = performance.now();
  let done = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const c of checks) scheduler.enqueue(c.check.key, round === 1 ? 'initial' : 'schedule');
    await scheduler.idle();
    await metrics.render();
    await metrics.render();
    done = round;
    // Past the time budget the run stops early (large sizes): the rounds done are reported.
    const over = performance.now() - t0 > budgetMs && round > WARM_ROUNDS;
    if (round === WARM_ROUNDS || round === rounds || round % 30 === 0 || over) {
      const m = memoryNow();
      samples.push([round, m.rssMb, m.heapMb]);
    }
    if (over) break;
  }
  const wallMs = performance.now() - t0;
  scheduler.stop();
  const warm = samples.find((s) => s[0] >= Math.min(WARM_ROUNDS, rounds))!;
  const last = samples.at(-1)!;
  return {
    rounds: done,
    stoppedByBudget: done < rounds,
    checksRun: done * checks.length,
    wallMs,
    samples,
    rssGrowthMb: last[1] - warm[1],
    heapGrowthMb: last[2] - warm[2],
    results,
  };
}
