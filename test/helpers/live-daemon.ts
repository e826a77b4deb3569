// A real, throwaway OVN loaded with the demo network and an in-process daemon following it (its NB, and
// its SB when asked) with a given paths file, ready before the tests start: the setup the live monitor
// and page tests share. Also the database stop/restart those tests use to prove what a lost NB or SB does.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { createLogger } from '../../src/log.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { type OvnTestbed, startOvn } from './ovn-testbed.ts';

const run = promisify(execFile);

export interface LiveDaemonOptions {
  /** The paths file's text. */
  paths: string;
  /** Follow the SB too (`ovn.sb-db`). */
  sb?: boolean;
  /** More daemon settings (flag names, e.g. `engine: 'auto'`). */
  settings?: Record<string, string | boolean | undefined>;
}

export interface LiveDaemon {
  readonly tb: OvnTestbed;
  readonly d: Daemon;
  /** A temp dir holding paths.yaml; removed by stop(). */
  readonly dir: string;
  /** `http://host:port` of the daemon. */
  readonly base: string;
  /** Stops a database's ovsdb-server (ours: its pid file is in the bed's directory). */
  killDb(db: 'nb' | 'sb', signal?: NodeJS.Signals): void;
  /** Starts that ovsdb-server again on the same database file and socket. */
  restartDb(db: 'nb' | 'sb'): Promise<void>;
  stop(): Promise<void>;
}

/** Polls until f() holds; resolves with the milliseconds it took, throws after timeoutMs. */
export async function until(
  what: string,
  f: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  stepMs = 10,
): Promise<number> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return Date.now() - t0;
}

/** Starts the bed and the daemon, and waits until the daemon answers /-/ready with 200. */
export async function startLiveDaemon(opts: LiveDaemonOptions): Promise<LiveDaemon> {
  const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
  if (!doc.ok) throw new Error(doc.errors.join('\n'));
  const tb = await startOvn();
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-live-daemon-'));
  let d: Daemon | undefined;
  const stop = async () => {
    await d?.stop();
    await tb.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await tb.loadSnapshot(doc.value);
    writeFileSync(join(dir, 'paths.yaml'), opts.paths);
    const settings = resolveSettings(
      {
        'paths.file': join(dir, 'paths.yaml'),
        'ovn.nb-db': tb.nbRemote,
        ...(opts.sb ? { 'ovn.sb-db': tb.sbRemote } : {}),
        'web.listen-address': '127.0.0.1:0',
        ...opts.settings,
      },
      {},
    );
    d = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    await d.start();
    const daemon = d;
    await until('ready', async () => (await daemon.app.inject('/-/ready')).statusCode === 200, 30_000, 20);
  } catch (err) {
    await stop();
    throw err;
  }
  const daemon = d;
  return {
    tb,
    d: daemon,
    dir,
    base: `http://${daemon.address()}`,
    killDb(db, signal = 'SIGTERM') {
      process.kill(Number(readFileSync(join(tb.dir, `${db}.pid`), 'utf8').trim()), signal);
    },
    async restartDb(db) {
      const sock = db === 'nb' ? tb.nbSock : tb.sbSock;
      await run('ovsdb-server', [...tb.daemonFlags(db), `--remote=punix:${sock}`, join(tb.dir, `${db}.db`)]);
    },
    stop,
  };
}
