// Change -> metric: a real `serve` process follows the test bed's NB (live source) and monitors the
// generated paths with the model engine. We add, then delete, a high-priority drop ACL on one
// namespace's port group with ovn-nbctl, and poll /metrics until the first same-namespace path of that
// namespace flips (1 -> 0, then back to 1). Times are measured from ovn-nbctl's exit (the change is
// committed) and from its spawn; the poll resolution is one /metrics scrape, reported beside them.
// On a shared, loaded machine wall times mostly measure waiting for a CPU, so the CPU time `serve` used
// per flip (change handling plus the scrapes the poll asked for) is reported too.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
  series: number;
  serveRssMb: number | null;
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

/** Runs one ovn-nbctl change and polls /metrics until `path` shows `want`: [ms after commit, after spawn, CPU, stale]. */
async function flip(
  url: string,
  pid: number | undefined,
  nbctl: string[],
  path: string,
  want: string,
): Promise<[number, number, number | null, number]> {
  const cpu0 = pid ? await cpuMsOfPid(pid) : null;
  const spawned = performance.now();
  await run('ovn-nbctl', nbctl);
  const committed = performance.now();
  for (let stale = 0; ; stale++) {
    if (reachableOf(await scrape(url), path) === want) {
      const [c, s] = [performance.now() - committed, performance.now() - spawned];
      const cpu1 = pid ? await cpuMsOfPid(pid) : null;
      return [c, s, cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null, stale];
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
): Promise<ChangeFigures> {
  writeFileSync(pathsFile, pathsText);
  const target = paths.find((p) => p.kind === 'same-namespace')!;
  const pg = `pg_${target.source_port.split('_')[0]}`;
  const match = `outport == @${pg} && ip4`;
  const t0 = performance.now();
  const srv = await serve([`--ovn.nb-db=${nbRemote}`, `--paths.file=${pathsFile}`, '--engine=model']);
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
    const db = `--db=${nbRemote}`;
    for (let i = 0; i < flips; i++) {
      const add = [db, '--type=port-group', 'acl-add', pg, 'to-lport', '2000', match, 'drop'];
      const del = [db, '--type=port-group', 'acl-del', pg, 'to-lport', '2000', match];
      for (const [cmd, want] of [
        [add, '0'],
        [del, '1'],
      ] as const) {
        const [c, s, cpu, stale] = await flip(srv.url, srv.proc.pid, cmd, target.name, want);
        afterCommitMs.push(c);
        afterSpawnMs.push(s);
        if (cpu !== null) serveCpuMs.push(cpu);
        staleScrapes.push(stale);
      }
    }
    return {
      paths: paths.length,
      readyMs,
      afterCommitMs,
      afterSpawnMs,
      scrapeMs: median(scrapes),
      ...(serveCpuMs.length > 0 ? { serveCpuMs } : {}),
      staleScrapes,
      series: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
      serveRssMb: srv.proc.pid ? await rssOfPid(srv.proc.pid) : null,
    };
  } finally {
    await srv.stop();
  }
}
