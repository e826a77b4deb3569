// The table rows of one size: each of our figures beside its baseline (real ovn-trace, OVS's own
// ovsdb-client, prom-client) and the issue's goal. Goals are stated for size L; other sizes show the
// same comparison for orientation.

import type { ChangeFigures } from '../measure/change-to-metric.ts';
import type { SizeResult } from './bench-size.ts';
import { fmtMs, fmtNum, goal, na, type Row, type Step } from './report.ts';

const val = <T, R>(s: Step<T>, f: (v: T) => R, none: R): R => (s.ok ? f(s.value) : none);
const why = (s: Step<unknown>) => na(s.ok ? 'not measured' : s.error);
/** serve's live heap beside its RSS (RSS holds what V8 has not given back). */
const heapText = (x: ChangeFigures) =>
  x.serveHeapUsedMb != null
    ? ` (V8 heap ${x.serveHeapUsedMb.toFixed(0)} MB used of ${x.serveHeapTotalMb?.toFixed(0) ?? '?'} MB)`
    : '';

function modelRows(r: SizeResult): Row[] {
  const m = r.model;
  const t = r.ovnTrace;
  if (!m.ok) return [{ figure: 'model engine', ours: why(m), baseline: '', goal: '', status: '' }];
  const v = m.value;
  const daemonStart = val(t, (x) => `ovn-trace daemon start ${fmtMs(x.daemonStartMs)}`, why(t));
  const daemonRss = val(t, (x) => `ovn-trace daemon RSS ${x.daemonRssMb?.toFixed(0) ?? '?'} MB`, why(t));
  const daemonRate = val(
    t,
    (x) =>
      `ovn-trace daemon ${fmtNum(1000 / x.daemonP50Ms)}/s by p50 wall` +
      (x.daemonCpuMsPerTrace ? `, ${fmtNum(1000 / x.daemonCpuMsPerTrace)}/s per CPU s` : ''),
    why(t),
  );
  // Per core = per CPU second: the machine is shared, so wall time also counts other processes.
  const cpuPerTrace = 1000 / v.tracesPerCpuSec;
  const ratio = val(t, (x) => (x.daemonCpuMsPerTrace ?? Number.NaN) / cpuPerTrace, Number.NaN);
  const wallRatio = val(t, (x) => x.daemonP50Ms / v.p50Ms, Number.NaN);
  const oneShot = val(t, (x) => x.oneShotP50Ms / v.p50Ms, Number.NaN);
  return [
    {
      figure: 'model compile',
      ours: fmtMs(v.compileMs),
      baseline: daemonStart,
      goal: '≤ 3 s',
      status: goal(v.compileMs <= 3000),
    },
    {
      figure: 'model compiled heap',
      ours: `${v.compileHeapMb.toFixed(0)} MB`,
      baseline: daemonRss,
      goal: '≤ 500 MB',
      status: goal(v.compileHeapMb <= 500),
    },
    {
      figure: `model traces per CPU second, 1 core (${fmtNum(v.traces)} traces)`,
      ours: `${fmtNum(v.tracesPerCpuSec)} (wall ${fmtNum(v.tracesPerSec)}/s)`,
      baseline: daemonRate,
      goal: '≥ 20,000/s',
      status: goal(v.tracesPerCpuSec >= 20_000),
    },
    {
      figure: 'per-trace latency p50 / p99',
      ours: `${fmtMs(v.p50Ms)} / ${fmtMs(v.p99Ms)}`,
      baseline: val(
        t,
        (x) =>
          `daemon ${fmtMs(x.daemonP50Ms)} / ${fmtMs(x.daemonP99Ms)} (n=${x.daemonSample}); one-shot p50 ${fmtMs(x.oneShotP50Ms)} (n=${x.oneShotSample})${x.oneShotError ? `, one-shot stopped: ${x.oneShotError}` : ''}${x.daemonError ? `, daemon: ${x.daemonError}` : ''}`,
        why(t),
      ),
      goal: '',
      status: '',
    },
    {
      figure: 'speed-up per trace vs ovn-trace daemon (CPU per trace)',
      ours: Number.isFinite(ratio)
        ? `${fmtNum(ratio)}×`
        : t.ok
          ? `daemon CPU below /proc's 10 ms tick over ${t.value.daemonSample} traces`
          : why(t),
      baseline: `by p50 wall: ${fmtNum(wallRatio)}× vs daemon, ${fmtNum(oneShot)}× vs one-shot`,
      goal: '≥ 500×',
      status: Number.isFinite(ratio) ? goal(ratio >= 500) : '',
    },
    {
      figure: 'verdicts matching the path expectation',
      ours: `${v.expectationMet}/${r.counts.paths}`,
      baseline: '',
      goal: '',
      status: '',
    },
  ];
}

function agreementRows(r: SizeResult): Row[] {
  const t = r.ovnTrace;
  if (!t.ok) return [{ figure: 'verdict agreement', ours: why(t), baseline: '', goal: '100 %', status: '' }];
  const a = t.value.agreement;
  if (a.traced === 0)
    return [
      {
        figure: 'verdict agreement',
        ours: na('ovn-trace answered nothing'),
        baseline: '',
        goal: '100 %',
        status: '',
      },
    ];
  return [
    {
      figure: `verdict agreement model vs ovn-trace (sample: ${t.value.oneShotSample} one-shot + ${t.value.daemonSample} daemon + ${t.value.vipSample} VIP)`,
      ours: `${a.agree}/${a.traced}`,
      baseline: t.value.vipSample
        ? `VIP via ovn-trace (--lb-dst per backend) p50 ${fmtMs(t.value.vipP50Ms)}`
        : '',
      goal: '100 %',
      status: goal(a.agree === a.traced),
    },
  ];
}

function liveRows(r: SizeResult): Row[] {
  const s = r.sync;
  const c = r.change;
  const worst = (xs: number[]) => Math.max(...xs);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [
    {
      figure: 'OVSDB initial sync (our client, live source)',
      ours: val(
        s,
        (x) => `${fmtMs(x.syncMs)}, ${x.heapMb.toFixed(0)} MB heap, ${fmtNum(x.rows)} rows`,
        why(s),
      ),
      baseline: val(s, (x) => `ovsdb-client dump ${fmtMs(x.ovsdbClientDumpMs)}`, ''),
      goal: '',
      status: val(s, (x) => (x.matchesSnapshot ? 'same topology as the file' : 'DIFFERS from the file'), ''),
    },
    {
      figure: `ovn-nbctl change -> new topology (live source)${val(s, (x) => ` (${x.changeMs.length} changes, 5 kinds)`, '')}`,
      ours: val(
        s,
        (x) =>
          `median ${fmtMs(med(x.changeMs))}, max ${fmtMs(worst(x.changeMs))} from update received (rebuild CPU median ${fmtMs(med(x.changeCpuMs))})`,
        why(s),
      ),
      baseline: '',
      goal: '≤ 100 ms',
      status: val(s, (x) => goal(med(x.changeMs) <= 100), ''),
    },
    {
      figure: `ovn-nbctl ACL change -> flipped ovncp_path_reachable on /metrics${val(c, (x) => ` (${fmtNum(x.paths)} paths, ${x.afterCommitMs.length} flips)`, '')}`,
      ours: val(
        c,
        (x) =>
          `median ${fmtMs(med(x.afterCommitMs))}, max ${fmtMs(worst(x.afterCommitMs))} after commit (${fmtMs(med(x.afterSpawnMs))} from spawn)${x.serveCpuMs?.length ? `; serve CPU per flip median ${fmtMs(med(x.serveCpuMs))} incl. scrapes` : ''}`,
        why(c),
      ),
      baseline: val(c, (x) => `one scrape ${fmtMs(x.scrapeMs)} (${fmtNum(x.series)} series)`, ''),
      goal: '≤ 1 s',
      status: val(c, (x) => goal(worst(x.afterCommitMs) <= 1000), ''),
    },
    ...lflowChangeRows(r.changeLflow, med, worst),
    {
      figure: 'serve: start to ready / RSS',
      ours: val(
        c,
        (x) => `${fmtMs(x.readyMs)} / ${x.serveRssMb?.toFixed(0) ?? '?'} MB${heapText(x)}`,
        why(c),
      ),
      baseline: '',
      goal: '',
      status: '',
    },
  ];
}

/** The change -> metric figures with the SB followed and checks on lflow (absent in older results). */
function lflowChangeRows(
  c: SizeResult['changeLflow'],
  med: (xs: number[]) => number,
  worst: (xs: number[]) => number,
): Row[] {
  if (!c) return [];
  return [
    {
      figure: `ovn-nbctl ACL change -> flipped gauge, checks on lflow (NB + SB)${val(c, (x) => ` (${fmtNum(x.paths)} paths, ${x.afterCommitMs.length} flips)`, '')}`,
      ours: val(
        c,
        (x) =>
          `median ${fmtMs(med(x.afterCommitMs))}, max ${fmtMs(worst(x.afterCommitMs))} after commit; northd's share median ${x.northdMs?.length ? fmtMs(med(x.northdMs)) : '?'}; ours (after the SB update) median ${x.northdMs?.length === x.afterCommitMs.length ? fmtMs(med(x.afterCommitMs.map((t, i) => t - x.northdMs![i]!))) : '?'}; NB topology in the store median ${x.nbMs?.length ? fmtMs(med(x.nbMs)) : '?'}; SB update applied median ${x.sbApplyMs?.length ? fmtMs(med(x.sbApplyMs)) : '?'}${x.sbBatchApplyMs?.length ? ` (every SB batch in the log: median ${fmtMs(med(x.sbBatchApplyMs))}, max ${fmtMs(worst(x.sbBatchApplyMs))}, ${x.sbBatchApplyMs.length} batches)` : ''}${x.phases?.verdict.length ? `; from serve's log, SB update -> verdict recorded median ${fmtMs(med(x.phases.verdict))}${x.phases.gate.length ? ` (the never-stale gate opened after ${fmtMs(med(x.phases.gate))})` : ''}, verdict -> flipped scrape ${fmtMs(med(x.phases.scrape))}` : ''}${x.checksRun?.length ? `; checks run per flip median ${fmtNum(med(x.checksRun))}` : ''}${x.serveCpuMs?.length ? `; serve CPU to the flipped scrape median ${fmtMs(med(x.serveCpuMs))}` : ''}; ready in ${fmtMs(x.readyMs)}, RSS ${x.serveRssMb?.toFixed(0) ?? '?'} MB${heapText(x)}`,
        why(c),
      ),
      baseline: '',
      goal: '≤ 2 s incl. northd; SB apply ≤ 100 ms',
      status: val(
        c,
        (x) => goal(med(x.afterCommitMs) <= 2000 && (!x.sbApplyMs?.length || med(x.sbApplyMs) <= 100)),
        '',
      ),
    },
  ];
}

function renderRows(r: SizeResult): Row[] {
  return r.render.map((s) => ({
    figure: `path metrics render${val(s, (x) => ` at ${fmtNum(x.series)} series`, '')}`,
    ours: val(s, (x) => `${fmtMs(x.oursMs)} wall, ${fmtMs(x.oursCpuMs)} CPU`, why(s)),
    baseline: val(s, (x) => `prom-client ${fmtMs(x.promClientMs)} wall, ${fmtMs(x.promClientCpuMs)} CPU`, ''),
    goal: '≤ 100 ms at 100k',
    status: val(s, (x) => (x.series >= 100_000 ? goal(x.oursMs <= 100) : ''), ''),
  }));
}

function soakRows(r: SizeResult): Row[] {
  const s = r.soak;
  return [
    {
      figure: val(
        s,
        (x) =>
          `RSS over ${x.rounds} rounds${x.stoppedByBudget ? ' (time budget hit: less than an hour-equivalent)' : ' (1 h at 30 s)'} of every check (${fmtNum(x.checksRun)} checks, ${fmtMs(x.wallMs)})`,
        'RSS over scheduled rounds',
      ),
      ours: val(
        s,
        (x) => x.samples.map(([round, rss]) => `r${round} ${rss.toFixed(0)} MB`).join(', '),
        why(s),
      ),
      baseline: val(
        s,
        (x) =>
          `growth after warm-up: RSS ${x.rssGrowthMb.toFixed(1)} MB, heap ${x.heapGrowthMb.toFixed(1)} MB`,
        '',
      ),
      goal: 'no growth (≤ 5 % of RSS)',
      status: val(s, (x) => goal(x.rssGrowthMb <= 0.05 * x.samples[0]![1]), ''),
    },
  ];
}

/** The lflow engine beside the ovn-trace daemon (the engine it replaces) and the issue's goals at L. */
function lflowRows(r: SizeResult): Row[] {
  const l = r.lflow;
  const t = r.ovnTrace;
  if (!l?.ok)
    return [{ figure: 'lflow engine', ours: l ? why(l) : na('not run'), baseline: '', goal: '', status: '' }];
  const v = l.value;
  const daemonRate = val(
    t,
    (x) =>
      x.daemonCpuMsPerTrace
        ? `ovn-trace daemon ${fmtNum(1000 / x.daemonCpuMsPerTrace)}/s per CPU s`
        : `ovn-trace daemon CPU below /proc's 10 ms tick over its ${x.daemonSample} traces; ${fmtNum(1000 / x.daemonP50Ms)}/s by p50 wall`,
    why(t),
  );
  return [
    {
      figure: `lflow initial SB read (${fmtNum(v.logicalFlows)} logical flows) + compile`,
      ours: `${fmtMs(v.sbReadMs)} + ${fmtMs(v.compileMs)}`,
      baseline: val(t, (x) => `ovn-trace daemon start ${fmtMs(x.daemonStartMs)}`, why(t)),
      goal: '≤ 10 s',
      status: goal(v.sbReadMs + v.compileMs <= 10_000),
    },
    {
      figure: 'lflow RSS (process) / compiled heap',
      ours: `${v.rssMb.toFixed(0)} MB / ${v.compileHeapMb.toFixed(0)} MB`,
      baseline: val(t, (x) => `ovn-trace daemon RSS ${x.daemonRssMb?.toFixed(0) ?? '?'} MB`, why(t)),
      goal: '≤ 1 GB',
      status: goal(v.rssMb <= 1024),
    },
    {
      figure: `lflow traces per CPU second, 1 core (${fmtNum(v.traces)} traces)`,
      ours: `${fmtNum(v.tracesPerCpuSec)} (wall ${fmtNum(v.tracesPerSec)}/s; p50 ${fmtMs(v.p50Ms)}, p99 ${fmtMs(v.p99Ms)})`,
      baseline: daemonRate,
      goal: '≥ 10,000/s',
      status: goal(v.tracesPerCpuSec >= 10_000),
    },
    {
      figure: 'lflow apply of one changed logical flow (median / max)',
      ours: `${fmtMs(v.applyP50Ms)} / ${fmtMs(v.applyMaxMs)}`,
      baseline: 'ovn-trace: a new daemon (start above)',
      goal: '≤ 100 ms median',
      status: goal(v.applyP50Ms <= 100),
    },
    {
      figure: 'lflow verdicts equal to the model (critical paths)',
      ours: `${fmtNum(v.agreeWithModel)} / ${fmtNum(r.counts.paths)}; ${v.flowProblems} flows unreadable`,
      baseline: '',
      goal: '',
      status: '',
    },
  ];
}

/** Reachers (who can reach one destination on one service) against the 5 s goal at L. */
function analysisRows(r: SizeResult): Row[] {
  const a = r.analysis;
  if (!a) return [];
  if (!a.ok) return [{ figure: 'reachers', ours: why(a), baseline: '', goal: '', status: '' }];
  const v = a.value;
  return [
    {
      figure: `reachers, one destination and one service (${fmtNum(v.reachersPorts)} ports in ${fmtNum(v.reachersClasses)} groups; worst of ${v.samples})`,
      ours: `${fmtMs(v.reachersMaxMs)} (p50 ${fmtMs(v.reachersP50Ms)})`,
      baseline: `every port traced once: ${fmtMs(v.everyPortMs)}`,
      goal: r.size === 'L' ? '≤ 5 s' : '',
      status: r.size === 'L' ? goal(v.reachersMaxMs <= 5000) : '',
    },
    {
      figure: `exact allowed services, one pair (up to ${fmtNum(v.servicesTraces)} traces)`,
      ours: `${fmtMs(v.servicesMaxMs)} (p50 ${fmtMs(v.servicesP50Ms)})`,
      baseline: '',
      goal: '',
      status: '',
    },
  ];
}

export function rowsOf(r: SizeResult): Row[] {
  const c = r.counts;
  const topo: Row = {
    figure: 'topology',
    ours: `${fmtNum(c.ports)} ports, ${c.switches} switches, ${fmtNum(c.acls)} ACLs, ${fmtNum(c.portGroups)} PGs, ${fmtNum(c.addressSets)} address sets, ${fmtNum(c.vips)} VIPs, ${fmtNum(c.logicalFlows)} logical flows`,
    baseline: `NB load (1 transaction) + northd ${fmtMs(r.nbLoadMs)}`,
    goal: '',
    status: '',
  };
  return [
    topo,
    ...modelRows(r),
    ...lflowRows(r),
    ...agreementRows(r),
    ...liveRows(r),
    ...renderRows(r),
    ...soakRows(r),
    ...analysisRows(r),
  ];
}
