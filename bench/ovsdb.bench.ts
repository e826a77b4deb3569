// Live NB figures at the large generated size (default L: 10k ports, 6k ACLs, 1k port groups, 1k address
// sets incl. one of 10k IPs, 1k VIPs): initial sync time and memory, the cost of one full rebuild, and
// the time from ovn-nbctl changes of several kinds to the new topology (update received -> snapshot, and
// ovn-nbctl spawn -> snapshot with ovn-nbctl in daemon mode). Runs per kind: OVSDB_BENCH_RUNS (7).
// Run: npx tsx --expose-gc bench/ovsdb.bench.ts [SIZE]
// A standalone NB ovsdb-server in a temp dir (no northd: it would spend minutes on 60k logical flows);
// the network goes in as ONE batched transaction.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { TopologyStore } from '../src/ovn/topology/store.ts';
import { RpcSession } from '../src/ovsdb/rpc.ts';
import { buildLenient, nbToSnapshot } from '../src/sources/nb/from-nb.ts';
import { LiveTopology } from '../src/sources/nb/live-topology.ts';
import { nbTransaction } from '../src/sources/nb/nb-transaction.ts';
import { startNbServer } from '../test/helpers/ovn-testbed.ts';
import { generate } from './lib/topology-generator.ts';
import { BENIGN_CHANGES, type ChangeKind, measureChanges } from './measure/ovsdb-sync.ts';

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

async function main(): Promise<void> {
  const size = process.argv[2] ?? 'L';
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-bench-'));
  try {
    const sock = await startNbServer(dir);
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
      `one full rebuild from the cache (no memo, as the initial sync): median ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU ` +
        `(of which NB rows -> document ${median(docCpu).toFixed(0)} ms)`,
    );

    // The full rebuilds above leave garbage a daemon would not have; collect it before timing changes.
    gc();
    const port = g.pods[0]!;
    const kinds: ChangeKind[] = [
      ...BENIGN_CHANGES,
      {
        name: 'lsp-set-addresses',
        args: (i) => ['lsp-set-addresses', port.port, `${port.mac} ${port.ip} 10.251.0.${i}`],
      },
      { name: 'pg-set-ports', args: (i) => ['pg-set-ports', `pg_ns${i}`, g.pods[i * 10]!.port] },
    ];
    const runs = Number(process.env.OVSDB_BENCH_RUNS ?? 7);
    // The first changes after the initial sync run cold (code not yet optimised for reuse, heap just
    // grown): reported on their own, then the kinds in steady state.
    const [first] = await measureChanges(
      `unix:${sock}`,
      live,
      store,
      [{ name: 'first', args: (i) => ['ls-add', `bench-first-${i}`] }],
      3,
      dir,
    );
    console.log(
      `first 3 changes after the initial sync (ls-add): update received -> new topology ${first!.receivedToSnapshotMs
        .map((ms) => ms.toFixed(0))
        .join(', ')} ms (rebuild CPU ${first!.rebuildCpuMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`,
    );
    const all: number[] = [];
    for (const f of await measureChanges(`unix:${sock}`, live, store, kinds, runs, dir)) {
      all.push(...f.receivedToSnapshotMs);
      console.log(
        `${f.kind}: update received -> new topology median ${median(f.receivedToSnapshotMs).toFixed(0)} ms, ` +
          `max ${Math.max(...f.receivedToSnapshotMs).toFixed(0)} ms (rebuild median ${median(f.rebuildMs).toFixed(0)} ms wall, ` +
          `${median(f.rebuildCpuMs).toFixed(0)} ms CPU, max ${Math.max(...f.rebuildCpuMs).toFixed(0)} ms CPU); ` +
          `ovn-nbctl spawn -> new topology median ${median(f.spawnToSnapshotMs).toFixed(0)} ms`,
      );
    }
    console.log(
      `all ${all.length} ovn-nbctl changes: update received -> new topology median ${median(all).toFixed(0)} ms, max ${Math.max(...all).toFixed(0)} ms`,
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
