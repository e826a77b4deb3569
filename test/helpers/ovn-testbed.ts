// A throwaway, real OVN for tests: NB and SB ovsdb-server on unix sockets (NB also on a loopback TCP
// port), ovn-northd, and optionally an ovn-trace daemon, all in a temp dir. Every process is stopped by
// pid in stop(), and again at process exit if a test forgot to, so nothing outlives the test run.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { type NbTransactionOptions, nbTransaction } from '../../src/sources/nb/nb-transaction.ts';

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
}

export class OvnTestbed {
  readonly dir: string;
  readonly nbSock: string;
  readonly sbSock: string;
  nbTcpPort = 0;
  /** The SB's TCP/SSL listening port, when sbServerArgs opened one. */
  sbListenPort = 0;
  private readonly pidFiles: string[] = [];
  private stopped = false;

  constructor(private readonly opts: OvnTestbedOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'ovncp-ovn-'));
    this.nbSock = join(this.dir, 'nb.sock');
    this.sbSock = join(this.dir, 'sb.sock');
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
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, OVN_NB_DB: this.nbRemote, OVN_SB_DB: this.sbRemote };
  }

  /** The flags every OVN daemon needs here so that nothing touches /var/run. */
  daemonFlags(name: string): string[] {
    const pid = join(this.dir, `${name}.pid`);
    this.pidFiles.push(pid);
    return [
      '--detach',
      '--no-chdir',
      `--pidfile=${pid}`,
      `--log-file=${join(this.dir, `${name}.log`)}`,
      `--unixctl=${join(this.dir, `${name}.ctl`)}`,
    ];
  }

  async start(): Promise<this> {
    live.add(this);
    for (const db of ['nb', 'sb']) {
      await run('ovsdb-tool', [
        'create',
        join(this.dir, `${db}.db`),
        join(SCHEMA_DIR, `ovn-${db}.ovsschema`),
      ]);
    }
    await run('ovsdb-server', [
      ...this.daemonFlags('nb'),
      `--remote=punix:${this.nbSock}`,
      '--remote=ptcp:0:127.0.0.1',
      join(this.dir, 'nb.db'),
    ]);
    await run('ovsdb-server', [
      ...this.daemonFlags('sb'),
      `--remote=punix:${this.sbSock}`,
      ...(this.opts.sbServerArgs ?? []),
      join(this.dir, 'sb.db'),
    ]);
    await run('ovn-northd', [
      ...this.daemonFlags('northd'),
      `--ovnnb-db=${this.nbRemote}`,
      `--ovnsb-db=${this.sbRemote}`,
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

  async nbctl(...args: string[]): Promise<string> {
    const { stdout } = await run('ovn-nbctl', [`--db=${this.nbRemote}`, ...args], { maxBuffer: 256 << 20 });
    return stdout;
  }

  async sbctl(...args: string[]): Promise<string> {
    const { stdout } = await run('ovn-sbctl', [`--db=${this.sbRemote}`, ...args], { maxBuffer: 256 << 20 });
    return stdout;
  }

  /** Waits until ovn-northd has brought the SB up to date with the NB. */
  async sync(): Promise<void> {
    await this.nbctl('--wait=sb', 'sync');
  }

  /**
   * Builds a snapshot document in the NB with ONE OVSDB transaction (by default replacing every
   * switch, router, port group, address set and load balancer already there), then waits for northd.
   */
  async loadSnapshot(doc: SnapshotDoc, opts: NbTransactionOptions = { replace: true }): Promise<void> {
    const reply = (await jsonRpcOnce(this.nbSock, 'transact', nbTransaction(doc, opts))) as {
      result?: { error?: string; details?: string }[];
      error?: unknown;
    };
    const failed = reply.error ?? reply.result?.find((r) => r?.error);
    if (failed) throw new Error(`loadSnapshot: NB transaction failed: ${JSON.stringify(failed)}`);
    await this.sync();
  }

  /** One-shot real ovn-trace. */
  async trace(datapath: string, microflow: string, opts: TraceOptions = {}): Promise<string> {
    const args = [`--db=${this.sbRemote}`, `--${opts.format ?? 'detailed'}`];
    if (opts.ct) args.push(`--ct=${opts.ct}`);
    const { stdout } = await run('ovn-trace', [...args, '--', datapath, microflow], { maxBuffer: 64 << 20 });
    return stdout;
  }

  /** Starts a detached ovn-trace daemon; returns its unixctl socket path. */
  async startTraceDaemon(ct = 'new'): Promise<string> {
    const flags = this.daemonFlags(`trace-${this.pidFiles.length}`);
    await run('ovn-trace', [`--db=${this.sbRemote}`, `--ct=${ct}`, ...flags]);
    const ctl = flags.find((f) => f.startsWith('--unixctl='))!.slice('--unixctl='.length);
    return ctl;
  }

  private pids(): number[] {
    const out: number[] = [];
    for (const f of this.pidFiles) {
      try {
        const pid = Number(readFileSync(f, 'utf8').trim());
        if (pid > 0) out.push(pid);
      } catch {
        /* never started */
      }
    }
    return out;
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

export async function startOvn(opts: OvnTestbedOptions = {}): Promise<OvnTestbed> {
  const tb = new OvnTestbed(opts);
  try {
    return await tb.start();
  } catch (err) {
    await tb.stop();
    throw err;
  }
}
