// Tells the ovn-trace engine when the Southbound DB changes, so a daemon that read the old SB is
// replaced. One `ovsdb-client monitor` per table that shapes a trace (logical flows, and the address
// sets and port groups flows refer to by name), each printing only changes (`!initial`): any line on
// stdout means "changed". A monitor that dies is restarted after a pause.

import type { ResultPromise } from 'execa';
import { run } from './children.ts';

const WATCHED: ReadonlyArray<readonly [string, string]> = [
  ['Logical_Flow', '_uuid,!initial'],
  ['Address_Set', 'addresses,!initial'],
  ['Port_Group', 'ports,!initial'],
];
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
const DEBOUNCE_MS = 100;

export interface SbWatchOptions {
  readonly sbDb: string;
  readonly dbOptions?: readonly string[];
  readonly onChange: () => void;
}

export class SbWatch {
  private readonly procs = new Set<ResultPromise>();
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SbWatchOptions) {
    for (const [table, cols] of WATCHED) this.spawn(table, cols);
  }

  private changed(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.opts.onChange();
    }, DEBOUNCE_MS);
  }

  private spawn(table: string, cols: string, delayMs = RESTART_DELAY_MS): void {
    if (this.closed) return;
    const started = Date.now();
    const argv = [
      ...(this.opts.dbOptions ?? []),
      '--format=json',
      'monitor',
      this.opts.sbDb,
      'OVN_Southbound',
      table,
      cols,
    ];
    const p = run('ovsdb-client', argv, {
      buffer: false,
      reject: false,
      stdin: 'ignore',
      stderr: 'ignore',
    });
    this.procs.add(p);
    p.stdout?.on('data', () => this.changed());
    void p.then(() => {
      this.procs.delete(p);
      if (this.closed) return;
      // A monitor that ran a while may have missed a change; one that dies at once (SB down, no
      // ovsdb-client) says nothing about the SB and is retried with a growing pause.
      const ranLong = Date.now() - started > 5000;
      if (ranLong) this.changed();
      const next = ranLong ? RESTART_DELAY_MS : Math.min(delayMs * 2, MAX_RESTART_DELAY_MS);
      setTimeout(() => this.spawn(table, cols, next), next).unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const all = [...this.procs];
    for (const p of all) p.kill('SIGTERM');
    await Promise.allSettled(all);
  }
}
