// Change -> metric: a real `serve` process follows the test bed's NB (live source) and monitors the
// generated paths with the model engine. We add, then delete, a high-priority drop ACL on one
// namespace's port group with ovn-nbctl, and poll /metrics until the first same-namespace path of that
// namespace flips (1 -> 0, then back to 1). Times are measured from ovn-nbctl's exit (the change is
// committed) and from its spawn; the poll resolution is one /metrics scrape, reported beside them.
// On a shared, loaded machine wall times mostly measure waiting for a CPU, so the CPU time `serve` used
// per flip (change handling plus the scrapes the poll asked for) is reported too.
// With `sbRemote` the daemon also follows the SB and checks on lflow (`--engine auto`): the flip then
// waits for ovn-northd; northd's share is the time from the commit to the SB update our daemon applied
// (ovncp_sb_last_update_timestamp_seconds on the flipped scrape), and the SB apply time is reported.
// With the SB, each flip starts once the daemon is quiet again (no check left from the last one): an
// isolated change; the checks it made the daemon run (re-runs included) are counted, a figure the
// machine's load cannot move.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '../../test/helpers/cli.ts';
import { cpuMsOfPid, median, rssOfPid, sleep, timed } from '../lib/stats.ts';
import type { GeneratedPath } from '../lib/topology-generator.ts';

const run = promisify(execFile);

export interface ChangeFigures {
  paths: number;
  readyMs: number;
  /** Per flip: ms from ovn-nbctl exit to the flipped series on /metrics. */
  afterCommitMs: number[];
  /** Per flip: ms from ovn-nbctl spawn. */
  afterSpawnMs: number[];
  scrapeMs: number;
  /** Per flip: CPU ms serve used from ovn-nbctl spawn to the flipped scrape (scrapes included). */
  serveCpuMs?: number[];
  /** Per flip: scrapes made before the flipped one. */
  staleScrapes?: number[];
  /** Per flip: checks the daemon ran for it (ovncp_path_checks_total, quiet to quiet): re-runs included. */
  checksRun?: number[];
  /** lflow run: per flip, ms from ovn-nbctl exit to the SB update applied (ovn-northd's share). */
  northdMs?: number[];
  /** Per flip: ms from ovn-nbctl exit to the new topology in the daemon's store (NB update + rebuild). */
  nbMs?: number[];
  /** lflow run: per flip, ms the last SB update took to reach the compiled flows and followers. */
  sbApplyMs?: number[];
  /** With OVNCP_BENCH_SERVE_LOG (lflow run): every SB update batch applied during the flips (ms). */
  sbBatchApplyMs?: number[];
  /** With OVNCP_BENCH_SERVE_LOG (lflow run): where "ours" went, per flip (see flipPhases). */
  phases?: FlipPhases;
  series: number;
  serveRssMb: number | null;
  /** serve's V8 heap at the end (its own nodejs_heap_size_* series): live objects vs what V8 holds. */
  serveHeapUsedMb?: number | null;
  serveHeapTotalMb?: number | null;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  return res.text();
}

function reachableOf(text: string, path: string): string | null {
  const at = text.indexOf(`\novncp_path_reachable{path="${path}",`);
  if (at < 0) return null;
  const end = text.indexOf('\n', at + 1);
  return (
    text
      .slice(at + 1, end)
      .split(' ')
      .at(-1) ?? null
  );
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fetch(`${url}/-/ready`)).ok) return;
    await sleep(100);
  }
  throw new Error(`serve was not ready within ${timeoutMs} ms`);
}

/** Sum of a counter's series. */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

/**
 * Waits until the daemon has no check left to run from the last flip (the checks counter moves by less
 * than 10 over a second: the paths' own 1 h schedules run ~3 checks a second at 10k paths), so each
 * flip is an isolated change; returns the counter then.
 */
async function quiet(url: string): Promise<number> {
  let last = counterSum(await scrape(url), 'ovncp_path_checks_total');
  for (;;) {
    await sleep(1000);
    const now = counterSum(await scrape(url), 'ovncp_path_checks_total');
    if (now - last < 10) return now;
    last = now;
  }
}

function gauge(text: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** serve's heap in MB from its prom-client default metrics. */
function heapOf(text: string): { serveHeapUsedMb: number | null; serveHeapTotalMb: number | null } {
  const mb = (name: string) => {
    const v = gauge(text, name);
    return v === null ? null : v / 2 ** 20;
  };
  return {
    serveHeapUsedMb: mb('nodejs_heap_size_used_bytes'),
    serveHeapTotalMb: mb('nodejs_heap_size_total_bytes'),
  };
}

interface Flip {
  afterCommit: number;
  afterSpawn: number;
  cpu: number | null;
  stale: number;
  /** From the flipped scrape: the SB update's time minus the commit's (ms), and its apply time. */
  northd: number | null;
  sbApply: number | null;
  nb: number | null;
  /** Epoch ms of the commit and of the flipped scrape (to place the flip in serve's log). */
  committedAt: number;
  flippedAt: number;
}

/** Per flip, from serve's debug log: the steps between northd's SB update and the flipped scrape (ms). */
export interface FlipPhases {
  /** The SB update from northd to the path's new verdict recorded. */
  verdict: number[];
  /**
   * Of that, the wait for the never-stale gate to let waiting checks through ('SB fresh': the passive
   * settle time); flips whose verdict came without such a line (the nb_cfg mode) are left out.
   */
  gate: number[];
  /** The verdict recorded to the scrape that showed it (the scrape's render, interleaved with re-runs). */
  scrape: number[];
}

type LogLine = { msg?: string; time?: number; path?: string; apply_ms?: number; whole?: boolean };

/** Splits each flip by serve's debug log; flips missing a step are left out. */
export function flipPhases(
  log: string,
  flips: readonly Flip[],
  path: string,
): FlipPhases & { applies: number[] } {
  const lines: LogLine[] = [];
  for (const l of log.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(l) as LogLine);
    } catch {
      // a partial last line
    }
  }
  const out = {
    gate: [] as number[],
    verdict: [] as number[],
    scrape: [] as number[],
    applies: [] as number[],
  };
  for (const f of flips) {
    const within = lines.filter(
      (l) => l.time !== undefined && l.time >= f.committedAt && l.time <= f.flippedAt,
    );
    const sb = within.find((l) => l.msg === 'SB update from northd')?.time;
    const verdict = within.find((l) => l.msg === 'path verdict changed' && l.path === path)?.time;
    for (const l of within) if (l.msg === 'SB batch applied' && !l.whole) out.applies.push(l.apply_ms ?? 0);
    if (sb === undefined || verdict === undefined || verdict < sb) continue;
    const fresh = within.find((l) => l.msg === 'SB fresh' && l.time! >= sb && l.time! <= verdict)?.time;
    if (fresh !== undefined) out.gate.push(fresh - sb);
    out.verdict.push(verdict - sb);
    out.scrape.push(f.flippedAt - verdict);
  }
  return out;
}

/** Runs one ovn-nbctl change and polls /metrics until `path` shows `want`. */
async function flip(
  url: string,
  pid: number | undefined,
  nbctl: string[],
  path: string,
  want: string,
): Promise<Flip> {
  const cpu0 = pid ? await cpuMsOfPid(pid) : null;
  const spawned = performance.now();
  await run('ovn-nbctl', nbctl);
  const committed = performance.now();
  const committedWall = Date.now();
  if (process.env.OVNCP_BENCH_SERVE_LOG)
    process.stderr.write(`  flip to ${want}: committed at ${new Date(committedWall).toISOString()}\n`);
  for (let stale = 0; ; stale++) {
    const text = await scrape(url);
    if (reachableOf(text, path) === want) {
      const [c, s] = [performance.now() - committed, performance.now() - spawned];
      const cpu1 = pid ? await cpuMsOfPid(pid) : null;
      const sbAt = gauge(text, 'ovncp_sb_last_update_timestamp_seconds');
      const apply = gauge(text, 'ovncp_sb_apply_duration_seconds');
      const nbAt = gauge(text, 'ovncp_topology_last_update_timestamp_seconds');
      if (process.env.OVNCP_BENCH_SERVE_LOG)
        process.stderr.write(`  flipped scrape at ${new Date().toISOString()} after ${stale} stale\n`);
      return {
        afterCommit: c,
        afterSpawn: s,
        cpu: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null,
        stale,
        northd: sbAt !== null ? sbAt * 1000 - committedWall : null,
        sbApply: apply !== null ? apply * 1000 : null,
        nb: nbAt !== null ? nbAt * 1000 - committedWall : null,
        committedAt: committedWall,
        flippedAt: Date.now(),
      };
    }
    if (performance.now() - committed > 60_000) throw new Error(`${path} did not become ${want} in 60 s`);
  }
}

export async function measureChangeToMetric(
  nbRemote: string,
  paths: readonly GeneratedPath[],
  pathsFile: string,
  pathsText: string,
  flips = 3,
  sbRemote?: string,
): Promise<ChangeFigures> {
  writeFileSync(pathsFile, pathsText);
  const target = paths.find((p) => p.kind === 'same-namespace')!;
  const pg = `pg_${target.source_port.split('_')[0]}`;
  const match = `outport == @${pg} && ip4`;
  const t0 = performance.now();
  const engine = sbRemote ? ['--engine=auto', `--ovn.sb-db=${sbRemote}`] : ['--engine=model'];
  // OVNCP_BENCH_SERVE_LOG=FILE: serve logs at debug level into FILE (the timeline of each flip).
  const logFile = process.env.OVNCP_BENCH_SERVE_LOG;
  if (logFile) engine.push('--log.level=debug');
  // OVNCP_BENCH_SERVE_ARGS: more serve flags, e.g. --ovn.bump-nb-cfg (the exact never-stale mode).
  engine.push(...(process.env.OVNCP_BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean));
  // With the SB, the initial SB sync and compile run before the daemon logs its address: wait longer.
  // OVNCP_BENCH_SERVE_PROF=DIR: a V8 CPU profile of serve, written to DIR when it stops.
  const prof = process.env.OVNCP_BENCH_SERVE_PROF;
  const preload = join(import.meta.dirname, '../lib/cpu-profile.cjs');
  const srv = await serve(
    [`--ovn.nb-db=${nbRemote}`, `--paths.file=${pathsFile}`, ...engine],
    prof ? { NODE_OPTIONS: `--require ${preload}`, OVNCP_CPU_PROFILE_DIR: prof } : {},
    sbRemote ? 600_000 : 30_000,
  );
  try {
    await waitReady(srv.url, 600_000);
    const readyMs = performance.now() - t0;
    const text = await scrape(srv.url);
    if (reachableOf(text, target.name) !== '1') throw new Error(`${target.name} is not reachable at start`);
    const scrapes: number[] = [];
    for (let i = 0; i < 5; i++) scrapes.push((await timed(() => scrape(srv.url)))[1]);
    const afterCommitMs: number[] = [];
    const afterSpawnMs: number[] = [];
    const serveCpuMs: number[] = [];
    const staleScrapes: number[] = [];
    const northdMs: number[] = [];
    const sbApplyMs: number[] = [];
    const checksRun: number[] = [];
    const nbMs: number[] = [];
    const done: Flip[] = [];
    const db = `--db=${nbRemote}`;
    // Only for the lflow run (the model run's flips take milliseconds; CI's smoke run keeps its time).
    let ran = sbRemote ? await quiet(srv.url) : 0;
    for (let i = 0; i < flips; i++) {
      const add = [db, '--type=port-group', 'acl-add', pg, 'to-lport', '2000', match, 'drop'];
      const del = [db, '--type=port-group', 'acl-del', pg, 'to-lport', '2000', match];
      for (const [cmd, want] of [
        [add, '0'],
        [del, '1'],
      ] as const) {
        const f = await flip(srv.url, srv.proc.pid, cmd, target.name, want);
        done.push(f);
        afterCommitMs.push(f.afterCommit);
        afterSpawnMs.push(f.afterSpawn);
        if (f.cpu !== null) serveCpuMs.push(f.cpu);
        staleScrapes.push(f.stale);
        if (sbRemote && f.northd !== null) northdMs.push(f.northd);
        if (sbRemote && f.sbApply !== null) sbApplyMs.push(f.sbApply);
        if (f.nb !== null) nbMs.push(f.nb);
        if (sbRemote) {
          const after = await quiet(srv.url);
          checksRun.push(after - ran);
          ran = after;
        }
      }
    }
    const split = logFile && sbRemote ? flipPhases(srv.logs(), done, target.name) : null;
    return {
      paths: paths.length,
      readyMs,
      afterCommitMs,
      afterSpawnMs,
      scrapeMs: median(scrapes),
      ...(serveCpuMs.length > 0 ? { serveCpuMs } : {}),
      staleScrapes,
      ...(sbRemote ? { checksRun } : {}),
      nbMs,
      ...(sbRemote ? { northdMs, sbApplyMs } : {}),
      ...(split
        ? {
            sbBatchApplyMs: split.applies,
            phases: { gate: split.gate, verdict: split.verdict, scrape: split.scrape },
          }
        : {}),
      series: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
      serveRssMb: srv.proc.pid ? await rssOfPid(srv.proc.pid) : null,
      ...heapOf(await scrape(srv.url)),
    };
  } finally {
    await srv.stop();
    if (logFile) writeFileSync(logFile, srv.logs());
  }
}
