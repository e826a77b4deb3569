// Small measuring helpers shared by the benchmark steps: percentiles, wall/CPU timing, forced GC and
// memory readings. GC is enabled at run time so `npm run bench` needs no node flags.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** Full GC, twice (the second pass collects what the first one's finalizers released). */
export function gc(): void {
  gcFn();
  gcFn();
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export const median = (xs: readonly number[]) => percentile(xs, 0.5);

export async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

export const mb = (bytes: number) => bytes / 2 ** 20;

/** Heap and RSS in MB after a full GC. */
export function memoryNow(): { heapMb: number; rssMb: number } {
  gc();
  const m = process.memoryUsage();
  return { heapMb: mb(m.heapUsed + m.external), rssMb: mb(m.rss) };
}

/** RSS of another process in MB (Linux /proc), null when it is gone. */
export async function rssOfPid(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU milliseconds (user + system) this process spent in `f`, beside the wall time. */
export async function timedCpu<T>(f: () => Promise<T> | T): Promise<[T, number, number]> {
  const c = process.cpuUsage();
  const t0 = performance.now();
  const v = await f();
  const wall = performance.now() - t0;
  const d = process.cpuUsage(c);
  return [v, wall, (d.user + d.system) / 1000];
}

/** CPU milliseconds (user + system) another process has used so far (Linux /proc, 10 ms ticks). */
export async function cpuMsOfPid(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, i.e. 11 and 12 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
