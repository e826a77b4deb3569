// A throwaway, real OVN for tests: NB and SB ovsdb-server on unix sockets (NB also on a loopback TCP
// port), ovn-northd, and optionally an ovn-trace daemon, all in a temp dir. Every process is stopped by
// pid in stop(), and again at process exit if a test forgot to, so nothing outlives the test run.
// `release` picks the OVN: 23.03 is the host's packages; 25.03 and 26.03 run the same daemons as
// `chroot DIR …` from Debian chroots (ovn-chroot.ts), their files under DIR/tmp, which the host uses
// by path: every path the host sees is DIR + the path the chrooted tool sees.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { type NbTransactionOptions, nbTransaction } from '../../src/sources/nb/nb-transaction.ts';
import {
  chrootDir,
  ensureChroot,
  type OvnRelease,
  ovnVersionIn,
  readyVersion,
  releaseAvailable,
} from './ovn-chroot.ts';

export type { OvnRelease } from './ovn-chroot.ts';

const run = promisify(execFile);

const SCHEMA_DIR = '/usr/share/ovn';
const BINARIES = [
  'ovsdb-server',
  'ovsdb-tool',
  'ovn-northd',
  'ovn-nbctl',
  'ovn-sbctl',
  'ovn-trace',
  'ovs-appctl',
];

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True when every OVN binary the test bed needs is installed. */
export function ovnAvailable(): boolean {
  return BINARIES.every(which) && existsSync(join(SCHEMA_DIR, 'ovn-nb.ovsschema'));
}

/**
 * For `describe.skipIf(skipWithoutOvn())`: skips locally without OVN, but under CI a missing OVN is a
 * failure, never a silent skip.
 */
export function skipWithoutOvn(): boolean {
  if (ovnAvailable()) return false;
  if (process.env.CI)
    throw new Error(`OVN is not installed (need: ${BINARIES.join(', ')}); CI must install it`);
  return true;
}

/**
 * For `describe.skipIf(skipWithoutRelease('25.03'))`: like skipWithoutOvn for a chroot release, which
 * runs when its cached chroot exists or when root can build it (scripts/test.sh builds it first).
 */
export function skipWithoutRelease(release: OvnRelease): boolean {
  if (release === '23.03') return skipWithoutOvn();
  if (releaseAvailable(release, ovnAvailable)) return false;
  if (process.env.CI)
    throw new Error(`OVN ${release}: no chroot at ${chrootDir(release)} and not root to build it`);
  return true;
}

const live = new Set<OvnTestbed>();
process.on('exit', () => {
  for (const tb of live) tb.killNow();
});

export interface TraceOptions {
  /** ovn-trace output format flag. */
  readonly format?: 'detailed' | 'summary' | 'minimal' | 'all';
  /** Conntrack states for successive ct_next steps, e.g. ['new']. */
  readonly ct?: string;
}

export interface OvnTestbedOptions {
  /** Extra ovsdb-server options for the SB (e.g. a pssl: remote and its files); northd keeps the socket. */
  readonly sbServerArgs?: readonly string[];
  /** The OVN release to run (default '23.03', the host's own packages). */
  readonly release?: OvnRelease;
}

/** What an NB schema file declares: its version and each table's columns. */
export interface NbSchemaInfo {
  readonly version: string;
  readonly tables: ReadonlyMap<string, ReadonlySet<string>>;
}

export class OvnTestbed {
  readonly release: OvnRelease;
  /** The chroot the OVN tools run in, or null for the host's own. */
  readonly root: string | null;
  /** The bed's temp dir as the host sees it. */
  readonly dir: string;
  readonly nbSock: string;
  readonly sbSock: string;
  nbTcpPort = 0;
  /** The SB's TCP/SSL listening port, when sbServerArgs opened one. */
  sbListenPort = 0;
  /** `ovn-northd --version` of the bed, e.g. "25.03.0" (set by start()). */
  ovnVersion = '';
  private readonly pidFiles: string[] = [];
  private stopped = false;

  /** For a chroot release the chroot must exist: startOvn() builds it first. */
  constructor(private readonly opts: OvnTestbedOptions = {}) {
    this.release = opts.release ?? '23.03';
    this.root = this.release === '23.03' ? null : chrootDir(this.release);
    if (this.root && readyVersion(this.root) === null)
      throw new Error(`OVN ${this.release} chroot ${this.root} is not built (use startOvn)`);
    const tmp = this.root ? join(this.root, 'tmp') : tmpdir();
    mkdirSync(tmp, { recursive: true });
    this.dir = mkdtempSync(join(tmp, 'ovncp-ovn-'));
    this.nbSock = join(this.dir, 'nb.sock');
    this.sbSock = join(this.dir, 'sb.sock');
  }

  /** A host path under the bed as the bed's own tools see it (the same path on the host release). */
  inner(hostPath: string): string {
    return this.root && hostPath.startsWith(`${this.root}/`) ? hostPath.slice(this.root.length) : hostPath;
  }

  /** The host path of a path the bed's tools see (the inverse of inner()). */
  outer(innerPath: string): string {
    return this.root ? join(this.root, innerPath) : innerPath;
  }

  /** The argv that runs one of the release's tools: `chroot DIR bin …` for a chroot release. */
  command(bin: string, args: readonly string[]): [string, string[]] {
    return this.root ? ['chroot', [this.root, bin, ...args]] : [bin, [...args]];
  }

  /** Runs one of the release's tools; paths in args must be inner() paths. */
  async exec(bin: string, args: readonly string[], maxBuffer = 256 << 20): Promise<string> {
    const [file, argv] = this.command(bin, args);
    const { stdout } = await run(file, argv, { maxBuffer });
    return stdout;
  }

  /** The NB schema this release ships (generators gate features on column presence). */
  nbSchema(): NbSchemaInfo {
    const file = join(this.root ?? '/', SCHEMA_DIR, 'ovn-nb.ovsschema');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      version: string;
      tables: Record<string, { columns: Record<string, unknown> }>;
    };
    const tables = new Map<string, ReadonlySet<string>>();
    for (const [name, t] of Object.entries(doc.tables)) tables.set(name, new Set(Object.keys(t.columns)));
    return { version: doc.version, tables };
  }

  get nbRemote(): string {
    return `unix:${this.nbSock}`;
  }
  get sbRemote(): string {
    return `unix:${this.sbSock}`;
  }
  get nbTcpRemote(): string {
    return `tcp:127.0.0.1:${this.nbTcpPort}`;
  }
  /** The remotes as the bed's own tools see them. */
  get innerNbRemote(): string {
    return `unix:${this.inner(this.nbSock)}`;
  }
  get innerSbRemote(): string {
    return `unix:${this.inner(this.sbSock)}`;
  }
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, OVN_NB_DB: this.nbRemote, OVN_SB_DB: this.sbRemote };
  }

  /**
   * The flags every OVN daemon needs here so that nothing touches /var/run, as inner() paths: for a
   * daemon started with exec()/command() (on the host release they are plain host paths).
   */
  daemonFlags(name: string): string[] {
    const pid = join(this.dir, `${name}.pid`);
    this.pidFiles.push(pid);
    return [
      '--detach',
      '--no-chdir',
      `--pidfile=${this.inner(pid)}`,
      `--log-file=${this.inner(join(this.dir, `${name}.log`))}`,
      `--unixctl=${this.inner(join(this.dir, `${name}.ctl`))}`,
    ];
  }

  async start(): Promise<this> {
    live.add(this);
    this.ovnVersion = await ovnVersionIn(this.root);
    const at = (f: string) => this.inner(join(this.dir, f));
    for (const db of ['nb', 'sb'])
      await this.exec('ovsdb-tool', ['create', at(`${db}.db`), join(SCHEMA_DIR, `ovn-${db}.ovsschema`)]);
    await this.exec('ovsdb-server', [
      ...this.daemonFlags('nb'),
      `--remote=punix:${at('nb.sock')}`,
      '--remote=ptcp:0:127.0.0.1',
      at('nb.db'),
    ]);
    await this.exec('ovsdb-server', [
      ...this.daemonFlags('sb'),
      `--remote=punix:${at('sb.sock')}`,
      ...(this.opts.sbServerArgs ?? []),
      at('sb.db'),
    ]);
    await this.exec('ovn-northd', [
      ...this.daemonFlags('northd'),
      `--ovnnb-db=${this.innerNbRemote}`,
      `--ovnsb-db=${this.innerSbRemote}`,
    ]);
    this.nbTcpPort = this.readListenPort('nb');
    if (this.opts.sbServerArgs?.some((a) => /^--remote=p(tcp|ssl):/.test(a)))
      this.sbListenPort = this.readListenPort('sb');
    await this.nbctl('--wait=sb', 'sync');
    return this;
  }

  private readListenPort(name: string): number {
    const log = readFileSync(join(this.dir, `${name}.log`), 'utf8');
    const m = /listening on port (\d+)/.exec(log);
    if (!m) throw new Error(`${name} ovsdb-server did not report its TCP port`);
    return Number(m[1]);
  }

  /** The release's own ovn-nbctl (the host's 23.03 one also works on newer NBs, but lacks new options). */
  async nbctl(...args: string[]): Promise<string> {
    return this.exec('ovn-nbctl', [`--db=${this.innerNbRemote}`, ...args]);
  }

  async sbctl(...args: string[]): Promise<string> {
    return this.exec('ovn-sbctl', [`--db=${this.innerSbRemote}`, ...args]);
  }

  /** Waits until ovn-northd has brought the SB up to date with the NB. */
  /** Bounded: a northd that died (see loadSnapshot) fails the test instead of hanging it. */
  async sync(): Promise<void> {
    await this.nbctl('--timeout=60', '--wait=sb', 'sync');
  }

  /**
   * Builds a snapshot document in the NB with ONE OVSDB transaction (by default replacing every
   * switch, router, port group, address set and load balancer already there), then waits for northd.
   * On the chroot releases a replacement first deletes and syncs, then inserts: ovn-northd 26.03.1
   * aborts (assertion in ods_assign_array_index) when one transaction deletes datapaths and adds new ones.
   */
  async loadSnapshot(doc: SnapshotDoc, opts: NbTransactionOptions = { replace: true }): Promise<void> {
    if (this.root && opts.replace) {
      await this.transact(nbTransaction({}, { replace: true }));
      await this.sync();
      await this.transact(nbTransaction(doc, { ...opts, replace: false }));
    } else await this.transact(nbTransaction(doc, opts));
    await this.sync();
  }

  private async transact(params: unknown[]): Promise<void> {
    const reply = (await jsonRpcOnce(this.nbSock, 'transact', params)) as {
      result?: { error?: string; details?: string }[];
      error?: unknown;
    };
    const failed = reply.error ?? reply.result?.find((r) => r?.error);
    if (failed) throw new Error(`loadSnapshot: NB transaction failed: ${JSON.stringify(failed)}`);
  }

  /** One-shot real ovn-trace of the bed's release. */
  async trace(datapath: string, microflow: string, opts: TraceOptions = {}): Promise<string> {
    const args = [`--db=${this.innerSbRemote}`, `--${opts.format ?? 'detailed'}`];
    if (opts.ct) args.push(`--ct=${opts.ct}`);
    return this.exec('ovn-trace', [...args, '--', datapath, microflow], 64 << 20);
  }

  /** Starts a detached ovn-trace daemon; returns its unixctl socket path (as the host sees it). */
  async startTraceDaemon(ct = 'new'): Promise<string> {
    const flags = this.daemonFlags(`trace-${this.pidFiles.length}`);
    await this.exec('ovn-trace', [`--db=${this.innerSbRemote}`, `--ct=${ct}`, ...flags]);
    const ctl = flags.find((f) => f.startsWith('--unixctl='))!.slice('--unixctl='.length);
    return this.outer(ctl);
  }

  /**
   * The live processes this bed started. A pid file outlives a daemon that was killed or crashed, and
   * its number may since belong to a process of another test (they run in parallel): a pid counts only
   * while its command line still names this bed's directory (every daemon's --pidfile is in it).
   */
  private pids(): number[] {
    return this.pidFiles.map((f) => this.daemonPid(f)).filter((pid) => pid !== null);
  }

  /** The pid in a pid file of this bed while that process is this bed's daemon (see pids), else null. */
  daemonPid(pidFile: string): number | null {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.inner(this.dir))) return pid;
    } catch {
      /* never started, or gone */
    }
    return null;
  }

  /** Synchronous kill of everything, for process exit. */
  killNow(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pids = this.pids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 3000;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.killNow();
    live.delete(this);
  }

  /** Pids of the processes this bed started (for tests that prove cleanup). */
  startedPids(): number[] {
    return this.pids();
  }
}

/**
 * One JSON-RPC 1.0 call on a unix socket (an OVSDB server, or an OVS daemon's unixctl socket): sends one
 * request and resolves with the whole reply object. No argv size limit, unlike `ovsdb-client transact`.
 */
export function jsonRpcOnce(
  socket: string,
  method: string,
  params: unknown[],
): Promise<{ id?: unknown; result?: unknown; error?: unknown }> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', reject);
    conn.on('close', () => reject(new Error(`${method} on ${socket}: the connection closed before a reply`)));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      try {
        const msg = JSON.parse(buf) as { id?: unknown; result?: unknown; error?: unknown };
        if (msg.id !== 1) return;
        conn.destroy();
        resolve(msg);
      } catch {
        /* reply not complete yet */
      }
    });
    conn.write(JSON.stringify({ id: 1, method, params }));
  });
}

/**
 * A lone NB ovsdb-server (no SB, no northd) on `DIR/nb.sock`, with any extra server options (e.g. a
 * pssl: remote and its key files). Its pid file is `DIR/nb.pid`; the caller stops it.
 */
export async function startNbServer(dir: string, extra: readonly string[] = []): Promise<string> {
  const db = join(dir, 'nb.db');
  const sock = join(dir, 'nb.sock');
  await run('ovsdb-tool', ['create', db, join(SCHEMA_DIR, 'ovn-nb.ovsschema')]);
  await run('ovsdb-server', [
    '--detach',
    '--no-chdir',
    `--pidfile=${join(dir, 'nb.pid')}`,
    `--log-file=${join(dir, 'nb.log')}`,
    `--unixctl=${join(dir, 'nb.ctl')}`,
    `--remote=punix:${sock}`,
    ...extra,
    db,
  ]);
  return sock;
}

/** Starts a bed; for a chroot release, builds (or waits for) its chroot first. */
export async function startOvn(opts: OvnTestbedOptions = {}): Promise<OvnTestbed> {
  if (opts.release && opts.release !== '23.03') await ensureChroot(opts.release);
  const tb = new OvnTestbed(opts);
  try {
    return await tb.start();
  } catch (err) {
    await tb.stop();
    throw err;
  }
}
