// Live NB figures at the large generated size (default L: 10k ports, 6k ACLs, 1k port groups, 1k address
// sets incl. one of 10k IPs, 1k VIPs): initial sync time and memory, the cost of one rebuild, and the time
// from a change to the new topology (from our own transact on a second session, and from an ovn-nbctl run
// including its start-up). Run: npx tsx --expose-gc bench/ovsdb.bench.ts [SIZE]
// A standalone NB ovsdb-server in a temp dir (no northd: it would spend minutes on 60k logical flows);
// the network goes in as ONE batched transaction.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { TopologyStore } from '../src/daemon/topology-store.ts';
import { buildLenient, nbToSnapshot } from '../src/ovn/topology/from-nb.ts';
import { nbTransaction } from '../src/ovn/topology/nb-transaction.ts';
import { LiveTopology } from '../src/ovsdb/live-topology.ts';
import { RpcSession } from '../src/ovsdb/rpc.ts';
import { generate } from './lib/topology-generator.ts';

const run = promisify(execFile);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function session(sock: string): Promise<RpcSession> {
  return new Promise((resolve, reject) => {
    const s = connect(sock, () =>
      resolve(new RpcSession(s, { probeIntervalMs: 0, requestTimeoutMs: 600_000 })),
    );
    s.once('error', reject);
  });
}

async function startServer(dir: string): Promise<string> {
  const db = join(dir, 'nb.db');
  const sock = join(dir, 'nb.sock');
  await run('ovsdb-tool', ['create', db, '/usr/share/ovn/ovn-nb.ovsschema']);
  await run('ovsdb-server', [
    '--detach',
    '--no-chdir',
    `--pidfile=${join(dir, 'nb.pid')}`,
    `--log-file=${join(dir, 'nb.log')}`,
    `--unixctl=${join(dir, 'nb.ctl')}`,
    `--remote=punix:${sock}`,
    db,
  ]);
  return sock;
}

async function changeLatency(store: TopologyStore, change: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  const seen = new Promise<number>((resolve) =>
    store.once('change', () => resolve(performance.now() - began)),
  );
  await change();
  return seen;
}

async function main(): Promise<void> {
  const size = process.argv[2] ?? 'L';
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-bench-'));
  try {
    const sock = await startServer(dir);
    const g = generate(size);
    console.log(`size ${size}:`, g.counts);
    const rpc = await session(sock);
    let t = performance.now();
    const reply = (await rpc.request('transact', nbTransaction(g.doc))) as { error?: string }[];
    if (reply.some((r) => r?.error)) throw new Error(JSON.stringify(reply.find((r) => r?.error)));
    console.log(`NB loaded in one transaction: ${(performance.now() - t).toFixed(0)} ms`);

    gc();
    const before = process.memoryUsage();
    const store = new TopologyStore();
    const live = new LiveTopology({ remote: `unix:${sock}`, store, logger: pino({ level: 'warn' }) });
    t = performance.now();
    live.start();
    await live.synced();
    const syncMs = performance.now() - t;
    gc();
    const after = process.memoryUsage();
    const topo = store.require();
    console.log(
      `initial sync: ${syncMs.toFixed(0)} ms (${topo.ports.size} ports, ${live.client.cache.rowCount()} rows); ` +
        `heap +${mb(after.heapUsed - before.heapUsed)}, rss ${mb(after.rss)} (was ${mb(before.rss)})`,
    );

    // Wall time on a shared machine says little; CPU time of this process is what a rebuild costs.
    const wall: number[] = [];
    const cpu: number[] = [];
    const docCpu: number[] = [];
    const tables = (name: string) => live.client.cache.table(name);
    for (let i = 0; i < 7; i++) {
      t = performance.now();
      const c = process.cpuUsage();
      const { doc } = nbToSnapshot(tables);
      const d = process.cpuUsage(c);
      docCpu.push((d.user + d.system) / 1000);
      buildLenient(doc, { kind: 'memory', name: 'bench' });
      const e = process.cpuUsage(c);
      cpu.push((e.user + e.system) / 1000);
      wall.push(performance.now() - t);
    }
    console.log(
      `one full rebuild from the cache: median ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU ` +
        `(of which NB rows -> document ${median(docCpu).toFixed(0)} ms)`,
    );

    const txn = (op: object) => () => rpc.request('transact', ['OVN_Northbound', op]);
    const report = (what: string, ms: number[]) =>
      console.log(`${what}: median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`);
    const setChanges: number[] = [];
    const portChanges: number[] = [];
    const port = g.pods[0]!;
    for (let i = 0; i < 8; i++) {
      const row = { name: `bench_${i}`, addresses: `10.250.0.${i}` };
      setChanges.push(await changeLatency(store, txn({ op: 'insert', table: 'Address_Set', row })));
      const addresses = `${port.mac} ${port.ip} 10.251.0.${i}`;
      const where = [['name', '==', port.port]];
      portChanges.push(
        await changeLatency(
          store,
          txn({ op: 'update', table: 'Logical_Switch_Port', where, row: { addresses } }),
        ),
      );
    }
    report('transact -> new topology, address set inserted (fast path)', setChanges);
    report('transact -> new topology, port addresses changed (full rebuild)', portChanges);

    const viaNbctl: number[] = [];
    for (let i = 0; i < 3; i++) {
      viaNbctl.push(
        await changeLatency(store, () => run('ovn-nbctl', [`--db=unix:${sock}`, 'ls-add', `bench-ls-${i}`])),
      );
    }
    console.log(
      `ovn-nbctl ls-add (spawn to new topology, incl. ovn-nbctl reading the NB): median ${median(viaNbctl).toFixed(0)} ms`,
    );
    live.stop();
    rpc.close();
  } finally {
    try {
      process.kill(Number(readFileSync(join(dir, 'nb.pid'), 'utf8')), 'SIGTERM');
    } catch {
      /* not started */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
