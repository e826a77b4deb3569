// One size of the benchmark, end to end: generate the network, write its snapshot and paths files,
// load it into a throwaway real OVN (one NB transaction, then northd), and run every measuring step.
// A failing step is recorded with its error and the others still run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadTopologyFile } from '../../src/sources/file.ts';
import { type OvnRelease, startOvn } from '../../test/helpers/ovn-testbed.ts';
import { type AnalysisFigures, measureAnalysis } from '../measure/analysis.ts';
import { type ChangeFigures, measureChangeToMetric } from '../measure/change-to-metric.ts';
import { type LflowFigures, measureLflow } from '../measure/lflow.ts';
import { measureRender, type RenderFigures } from '../measure/metrics-render.ts';
import { type ModelFigures, measureModel } from '../measure/model.ts';
import { measureOvnTrace, type OvnTraceFigures, type SampleSizes } from '../measure/ovn-trace.ts';
import { measureSync, type SyncFigures } from '../measure/ovsdb-sync.ts';
import { measureSoak, type SoakFigures } from '../measure/soak.ts';
import { benchChecks, pathsYaml } from './bench-paths.ts';
import type { Step } from './report.ts';
import { timed } from './stats.ts';
import { type Generated, generate } from './topology-generator.ts';

export interface SizeOptions {
  readonly outDir: string;
  readonly sample: SampleSizes;
  readonly modelMinMs: number;
  readonly flips: number;
  readonly soakRounds: number;
  /** Wall-time budget of the soak; it stops after the round that exceeds it (and reports so). */
  readonly soakBudgetMs: number;
  readonly renderSeries: readonly number[];
  /** Steps to run (default all): model, lflow, ovn-trace, analysis, sync, change, change-lflow, soak (render needs soak). */
  readonly steps?: ReadonlySet<string>;
  /** The OVN release of the test bed (NB, SB, ovn-northd); default the host's 23.03. */
  readonly release?: OvnRelease;
  readonly log: (msg: string) => void;
}

export interface SizeResult {
  size: string;
  counts: Generated['counts'] & { paths: number; logicalFlows: number };
  snapshotFile: string;
  nbLoadMs: number;
  model: Step<ModelFigures>;
  ovnTrace: Step<OvnTraceFigures>;
  lflow: Step<LflowFigures>;
  sync: Step<SyncFigures>;
  change: Step<ChangeFigures>;
  /** The same change with the SB followed and checks on lflow (`--engine auto`), northd's share included. */
  changeLflow?: Step<ChangeFigures>;
  soak: Step<Omit<SoakFigures, 'results'>>;
  render: Step<RenderFigures>[];
  /** Optional so result files written before this step still read. */
  analysis?: Step<AnalysisFigures>;
}

async function step<T>(log: (m: string) => void, name: string, f: () => Promise<T>): Promise<Step<T>> {
  log(`  ${name} …`);
  try {
    const [value, ms] = await timed(f);
    log(`  ${name} done in ${(ms / 1000).toFixed(1)} s`);
    return { ok: true, value };
  } catch (err) {
    const error = (err as Error).message.split('\n')[0]!;
    log(`  ${name} FAILED: ${error}`);
    return { ok: false, error };
  }
}

const failed = <T>(s: Step<unknown>): Step<T> => ({ ok: false, error: s.ok ? '' : `needs ${s.error}` });
const skipped = <T>(): Step<T> => ({ ok: false, error: 'skipped (--steps)' });

export async function benchSize(size: string, o: SizeOptions): Promise<SizeResult> {
  const g = generate(size);
  mkdirSync(o.outDir, { recursive: true });
  const snapshotFile = join(o.outDir, `snapshot-${size}.yaml`);
  writeFileSync(snapshotFile, stringify(g.doc));
  const topo = loadTopologyFile(snapshotFile);
  const checks = benchChecks(g.paths, topo);
  o.log(`size ${size}: ${JSON.stringify(g.counts)}, ${checks.length} paths`);
  const tb = await startOvn(o.release ? { release: o.release } : {});
  try {
    const [, nbLoadMs] = await timed(() => tb.loadSnapshot(g.doc));
    const flows = (await tb.sbctl('--bare', '--columns=_uuid', 'list', 'Logical_Flow')).split('\n');
    o.log(`  NB loaded + northd synced in ${(nbLoadMs / 1000).toFixed(1)} s`);
    let modelResults: Awaited<ReturnType<typeof measureModel>>['results'] = [];
    const want = (name: string) => !o.steps || o.steps.has(name);
    const model = await step(o.log, 'model engine', async () => {
      const m = await measureModel(topo, checks, o.modelMinMs);
      modelResults = m.results;
      return m.figures;
    });
    const ovnTrace = !want('ovn-trace')
      ? skipped<OvnTraceFigures>()
      : model.ok
        ? await step(o.log, 'ovn-trace', () =>
            measureOvnTrace(tb.sbRemote, topo, checks, modelResults, o.sample),
          )
        : failed<OvnTraceFigures>(model);
    const lflow = !want('lflow')
      ? skipped<LflowFigures>()
      : model.ok
        ? await step(o.log, 'lflow engine', () => measureLflow(tb.sbRemote, topo, checks, modelResults))
        : failed<LflowFigures>(model);
    const analysis = want('analysis')
      ? await step(o.log, 'analysis (reachers, services)', () => measureAnalysis(topo, g.paths))
      : skipped<AnalysisFigures>();
    const sync = want('sync')
      ? await step(o.log, 'OVSDB initial sync', () => measureSync(tb.nbRemote, topo))
      : skipped<SyncFigures>();
    const pathsFile = join(o.outDir, `paths-${size}.yaml`);
    const change = want('change')
      ? await step(o.log, 'change -> metric', () =>
          measureChangeToMetric(tb.nbRemote, g.paths, pathsFile, pathsYaml(g.paths), o.flips),
        )
      : skipped<ChangeFigures>();
    const changeLflow = want('change-lflow')
      ? await step(o.log, 'change -> metric on lflow (NB + SB)', () =>
          measureChangeToMetric(tb.nbRemote, g.paths, pathsFile, pathsYaml(g.paths), o.flips, tb.sbRemote),
        )
      : skipped<ChangeFigures>();
    let states: SoakFigures['results'] | null = null;
    const soak = want('soak')
      ? await step(o.log, `soak (${o.soakRounds} rounds)`, async () => {
          const { results, ...rest } = await measureSoak(topo, checks, o.soakRounds, o.soakBudgetMs);
          states = results;
          return rest;
        })
      : skipped<Omit<SoakFigures, 'results'>>();
    const render: Step<RenderFigures>[] = [];
    for (const n of o.renderSeries)
      render.push(
        states
          ? await step(o.log, `/metrics render at ${n} series`, () => measureRender([...states!.all()], n))
          : failed(soak),
      );
    return {
      size,
      counts: { ...g.counts, paths: checks.length, logicalFlows: flows.filter(Boolean).length },
      snapshotFile,
      nbLoadMs,
      model,
      ovnTrace,
      lflow,
      sync,
      change,
      changeLflow,
      soak,
      render,
      analysis,
    };
  } finally {
    await tb.stop();
  }
}
