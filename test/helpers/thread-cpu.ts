// CPU time of this process's main thread, for tests that bound how long one turn of the event loop
// runs: process.cpuUsage() also counts V8's GC helper threads and workers (it can exceed wall time),
// which hold nothing up. Linux /proc, 10 ms ticks (USER_HZ 100).

import { readFileSync } from 'node:fs';

/** User + system CPU ms of the main thread (utime, stime: fields 14 and 15 of proc(5)). */
export function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
