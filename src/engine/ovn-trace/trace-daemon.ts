// One long-lived `ovn-trace --detach` process and its unixctl connection. ovn-trace reads the SB once
// at start and never again, and its `--ct` list is consumed across traces (measured on 23.03: the index
// is not reset per trace), so an instance is started with a large budget of `--ct=new` states and is
// replaced when the SB changes or the budget runs low. Daemonized processes are not our children: we
// track them by pid file and kill them by pid on close (and at process exit); a watchdog child kills
// the daemon if this process dies without cleaning up (SIGKILL, crash), so no orphan outlives us.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvncpError } from '../../errors.ts';
import { run } from './children.ts';
import type { Microflow } from './microflow.ts';
import { innerPath, innerRemote, type OvnTools, ovnTraceArgv, toolTempRoot } from './ovn-tools.ts';
import { UnixctlClient } from './unixctl-client.ts';

/** `--ct=new` states an instance starts with (an argv of ~180 KB; ovn-trace keeps them in an array). */
export const DAEMON_CT_STATES = 20_000;

export interface DaemonInstanceOptions {
  readonly sbDb: string;
  readonly dbOptions?: readonly string[];
  readonly ctStates?: number;
  readonly startTimeoutMs?: number;
  /** Which ovn-trace to run (default: the host's); its temp dir goes where that tool can reach it. */
  readonly tools?: OvnTools;
}

const DIR_PREFIX = 'ovncp-trace-';
const live = new Set<TraceDaemonInstance>();
let swept = false;

/**
 * Once per process: removes temp dirs of daemons that are gone (killed from outside, or owned by a
 * process that died before the watchdog existed). A dir younger than a minute may be starting up.
 */
function sweepStaleDirs(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < 60_000) continue;
      const pid = readPid(dir);
      if (pid === null || !alive(pid)) rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not ours to read, or already gone */
    }
  }
}
process.on('exit', () => {
  for (const d of live) d.killNow();
});

/**
 * True while the process runs. A daemonized ovn-trace is re-parented to PID 1, so once it exits it may
 * stay a zombie until PID 1 reaps it; a zombie counts as gone (we cannot reap it, and it holds nothing).
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** One running ovn-trace daemon. */
export class TraceDaemonInstance {
  /** ct states not yet consumed. */
  ctLeft: number;
  inflight = 0;
  /** When the daemon had read the SB (ms epoch). */
  readonly startedAt = Date.now();
  private tail: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly pid: number,
    readonly dir: string,
    private readonly client: UnixctlClient,
    ctStates: number,
    private readonly watchdog: ChildProcess,
  ) {
    this.ctLeft = ctStates;
  }

  static async start(opts: DaemonInstanceOptions): Promise<TraceDaemonInstance> {
    sweepStaleDirs();
    const tools = opts.tools ?? {};
    const dir = mkdtempSync(join(toolTempRoot(tools), DIR_PREFIX));
    const ct = opts.ctStates ?? DAEMON_CT_STATES;
    const at = (f: string) => innerPath(tools, join(dir, f));
    const [file, argv] = ovnTraceArgv(tools, [
      `--db=${innerRemote(tools, opts.sbDb)}`,
      ...(opts.dbOptions ?? []),
      ...Array.from({ length: ct }, () => '--ct=new'),
      '--detach',
      '--no-chdir',
      `--pidfile=${at('ovn-trace.pid')}`,
      `--log-file=${at('ovn-trace.log')}`,
      `--unixctl=${at('ovn-trace.ctl')}`,
    ]);
    // --detach returns once the daemon has read the SB and listens on its unixctl socket.
    const r = await run(file, argv, {
      timeout: opts.startTimeoutMs ?? 120_000,
      forceKillAfterDelay: 2000,
      reject: false,
      stdin: 'ignore',
    });
    const pid = readPid(dir);
    if (r.failed || pid === null) {
      if (pid !== null) killPid(pid);
      rmSync(dir, { recursive: true, force: true });
      const why = r.timedOut
        ? 'timed out'
        : String(r.stderr || r.message)
            .split('\n')
            .slice(-3)
            .join(' ');
      throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', `ovn-trace daemon did not start: ${why}`);
    }
    try {
      const client = await UnixctlClient.connect(join(dir, 'ovn-trace.ctl'));
      const inst = new TraceDaemonInstance(pid, dir, client, ct, spawnWatchdog(pid, dir));
      live.add(inst);
      return inst;
    } catch (err) {
      killPid(pid);
      rmSync(dir, { recursive: true, force: true });
      throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', `ovn-trace daemon socket: ${String(err)}`);
    }
  }

  get usable(): boolean {
    return !this.client.closed && alive(this.pid);
  }

  /**
   * Traces one microflow with `--detailed`. The unixctl `trace` command has no `--` and refuses any
   * argument starting with '-', so a datapath name like that is left out (ovn-trace then takes the
   * datapath from the microflow's inport).
   */
  async trace(flow: Microflow, timeoutMs: number): Promise<string> {
    // One request at a time: the daemon answers in order anyway, and the timeout must measure the
    // daemon's work, not the queue (a burst of path checks would otherwise "time out" a healthy daemon).
    this.inflight++;
    const run = this.tail.then(() => this.send(flow, timeoutMs));
    this.tail = run.catch(() => {});
    try {
      return await run;
    } finally {
      this.inflight--;
    }
  }

  private async send(flow: Microflow, timeoutMs: number): Promise<string> {
    const params = flow.datapath.startsWith('-')
      ? ['--detailed', flow.match]
      : ['--detailed', flow.datapath, flow.match];
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new OvncpError('OVNCP_ERR_TIMEOUT', `ovn-trace did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      const { result, error } = await Promise.race([this.client.call('trace', params), timeout]);
      if (error !== null)
        throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', `ovn-trace daemon: ${String(error).trim()}`);
      return typeof result === 'string' ? result : String(result);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the daemon: SIGTERM, then SIGKILL after a grace period; removes its temp dir. */
  async stop(graceMs = 2000): Promise<void> {
    this.client.close();
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + graceMs;
    while (alive(this.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.killNow();
  }

  killNow(): void {
    killPid(this.pid);
    if (this.watchdog.pid) killPid(this.watchdog.pid);
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

/**
 * A `sh` child that waits on a pipe from us: when this process is gone, however it died, the pipe
 * reaches EOF and the shell kills the daemon and removes its dir. It ignores the signals a terminal or
 * a supervisor sends to the whole group, and it never keeps this process alive.
 */
function spawnWatchdog(pid: number, dir: string): ChildProcess {
  const script = 'trap "" HUP INT TERM; read _; kill -9 "$0" 2>/dev/null; rm -rf "$1"';
  const w = spawn('sh', ['-c', script, String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  w.on('error', () => {}); // no sh: cleanup then relies on close() and the exit hook
  w.unref();
  (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return w;
}

function readPid(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'ovn-trace.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
