// A real 3-member clustered NB (ovsdb-tool create-cluster / join-cluster on loopback, temp dir, every
// process stopped by pid): the client follows the cluster through its members, and when the leader it
// is connected to is killed it moves to another member and keeps following changes.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { until, waitForTopology } from './ovsdb-helpers.ts';

const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ovncp-cluster-'));
  readonly clientPorts: number[] = [];
  private readonly pidFiles: string[] = [];

  async start(): Promise<void> {
    const raft = [await freePort(), await freePort(), await freePort()];
    for (let i = 0; i < 3; i++) this.clientPorts.push(await freePort());
    const db = (i: number) => join(this.dir, `nb${i}.db`);
    await run('ovsdb-tool', [
      'create-cluster',
      db(0),
      '/usr/share/ovn/ovn-nb.ovsschema',
      `tcp:127.0.0.1:${raft[0]}`,
    ]);
    for (const i of [1, 2])
      await run('ovsdb-tool', [
        'join-cluster',
        db(i),
        'OVN_Northbound',
        `tcp:127.0.0.1:${raft[i]}`,
        `tcp:127.0.0.1:${raft[0]}`,
      ]);
    for (const i of [0, 1, 2]) {
      const f = (ext: string) => join(this.dir, `nb${i}.${ext}`);
      this.pidFiles.push(f('pid'));
      await run('ovsdb-server', [
        '--detach',
        '--no-chdir',
        `--pidfile=${f('pid')}`,
        `--log-file=${f('log')}`,
        `--unixctl=${f('ctl')}`,
        `--remote=ptcp:${this.clientPorts[i]}:127.0.0.1`,
        db(i),
      ]);
    }
  }

  remote(i: number): string {
    return `tcp:127.0.0.1:${this.clientPorts[i]}`;
  }

  /** Members still running (ovn-nbctl gives up on a refused member instead of trying the next). */
  readonly up = new Set([0, 1, 2]);

  async nbctl(...args: string[]): Promise<string> {
    // During a leader election ovn-nbctl fails at once ("database connection failed"): retry.
    const db = [...this.up].map((i) => this.remote(i)).join(',');
    for (let attempt = 0; ; attempt++) {
      try {
        return (await run('ovn-nbctl', [`--db=${db}`, '--timeout=20', ...args])).stdout;
      } catch (err) {
        if (attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Index of the member that reports itself leader, or -1. */
  async leader(): Promise<number> {
    for (const i of [0, 1, 2]) {
      try {
        const ctl = join(this.dir, `nb${i}.ctl`);
        const { stdout } = await run('ovs-appctl', ['-t', ctl, 'cluster/status', 'OVN_Northbound']);
        if (/Role: leader/.test(stdout)) return i;
      } catch {
        /* stopped member */
      }
    }
    return -1;
  }

  pid(i: number): number {
    return Number(readFileSync(this.pidFiles[i]!, 'utf8'));
  }

  stop(): void {
    for (let i = 0; i < this.pidFiles.length; i++) {
      try {
        process.kill(this.pid(i), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe.skipIf(skipWithoutOvn())('3-member clustered NB', () => {
  const cluster = new Cluster();
  let live: LiveTopology | undefined;
  afterAll(() => {
    live?.stop();
    cluster.stop();
  });

  it('follows the cluster and survives the loss of the leader it reads from', async () => {
    await cluster.start();
    await cluster.nbctl('--may-exist', 'ls-add', 'first');
    const leader = await cluster.leader();
    expect(leader).toBeGreaterThanOrEqual(0);
    // Leader first in the list, so the client reads from the member we are about to kill.
    const order = [leader, ...[0, 1, 2].filter((i) => i !== leader)];
    const store = new TopologyStore();
    live = new LiveTopology({
      remote: order.map((i) => cluster.remote(i)).join(','),
      store,
      logger: pino({ level: 'silent' }),
      backoffMinMs: 200,
    });
    live.start();
    await live.synced();
    expect(live.client.currentRemote()?.text).toBe(cluster.remote(leader));
    expect(store.require().switches.has('first')).toBe(true);

    const seen = waitForTopology(store, (t) => t.switches.has('second'), 2000);
    await cluster.nbctl('--may-exist', 'ls-add', 'second');
    await seen;

    process.kill(cluster.pid(leader), 'SIGKILL');
    cluster.up.delete(leader);
    await until(
      () => live!.client.currentRemote()?.text !== cluster.remote(leader) && live!.client.isConnected(),
    );
    const after = waitForTopology(store, (t) => t.switches.has('third'), 20_000);
    await cluster.nbctl('--may-exist', 'ls-add', 'third');
    const { topology } = await after;
    expect([...topology.switches.keys()].sort()).toEqual(['first', 'second', 'third']);
    expect(await cluster.leader()).not.toBe(leader);
  });
});
