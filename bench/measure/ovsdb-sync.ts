// OVSDB initial sync: our client (the live NB source serve uses) connects to the test bed's NB,
// monitors every table and builds the topology. Reports the time to the first topology, the heap it
// holds (row cache + topology), and whether the synced topology matches the snapshot file's; then how
// long ovn-nbctl changes take to reach a new topology.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { memoryNow, timed } from '../lib/stats.ts';

export interface SyncFigures {
  syncMs: number;
  heapMb: number;
  rows: number;
  /** Baseline: `ovsdb-client dump` of the whole NB (OVS's own client, output discarded). */
  ovsdbClientDumpMs: number;
  /** Ports/ACL-owning port groups/address sets equal in the NB-synced and the file topology. */
  matchesSnapshot: boolean;
  /** ovn-nbctl changes after the sync (BENIGN_CHANGES): update received -> new topology, ms. */
  changeMs: number[];
  /** The incremental rebuild of each of those changes, CPU ms. */
  changeCpuMs: number[];
}

/**
 * NB changes of the generated network that leave every generated path's verdict as it was (new ports
 * and switches, an ACL and a route no path uses, an address nobody holds), so later steps still see the
 * generated network. `i` picks the namespace/node/prefix of the i-th run.
 */
export const BENIGN_CHANGES: readonly ChangeKind[] = [
  {
    name: 'acl-add on a port group',
    args: (i) => [
      '--type=port-group',
      'acl-add',
      `pg_ns${i}`,
      'to-lport',
      '1500',
      `outport == @pg_ns${i} && tcp.dst == ${64000 + i}`,
      'allow-related',
    ],
  },
  // node i % 5: every size has at least 5 node switches (S has exactly 5).
  { name: 'lsp-add', args: (i) => ['lsp-add', `node${i % 5}`, `bench-port-${i}`] },
  {
    name: 'lr-route-add',
    args: (i) => ['lr-route-add', 'ovn_cluster_router', `192.168.${i}.0/24`, '10.128.0.2'],
  },
  {
    name: 'address set add',
    args: (i) => ['add', 'Address_Set', `as_ns${i}`, 'addresses', `"10.252.0.${i}"`],
  },
  { name: 'ls-add', args: (i) => ['ls-add', `bench-ls-${i}`] },
];

const run = promisify(execFile);

const countsOf = (t: Topology) =>
  JSON.stringify([t.ports.size, t.switches.size, t.routers.size, t.portGroups.size, t.addressSets.size]);

export async function measureSync(
  nbRemote: string,
  fromFile: Topology,
  changeRuns = 3,
): Promise<SyncFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-bench-nbctl-'));
  const before = memoryNow().heapMb;
  const store = new TopologyStore();
  const live = new LiveTopology({ remote: nbRemote, store, logger: pino({ level: 'warn' }) });
  try {
    const [, syncMs] = await timed(async () => {
      live.start();
      await live.synced();
    });
    const heapMb = memoryNow().heapMb - before;
    const [, dumpMs] = await timed(() =>
      run('ovsdb-client', ['dump', nbRemote, 'OVN_Northbound'], { maxBuffer: 1 << 30 }),
    );
    const matchesSnapshot = countsOf(store.require()) === countsOf(fromFile);
    const rows = live.client.cache.rowCount();
    const changes = await measureChanges(nbRemote, live, store, BENIGN_CHANGES, changeRuns, dir);
    return {
      syncMs,
      heapMb,
      rows,
      ovsdbClientDumpMs: dumpMs,
      matchesSnapshot,
      changeMs: changes.flatMap((c) => c.receivedToSnapshotMs),
      changeCpuMs: changes.flatMap((c) => c.rebuildCpuMs),
    };
  } finally {
    live.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One kind of NB change, as ovn-nbctl arguments for its i-th run. */
export interface ChangeKind {
  readonly name: string;
  readonly args: (i: number) => string[];
}

export interface ChangeFigures {
  readonly kind: string;
  /** Update received by our client -> new topology in the store (debounce + rebuild), ms. */
  readonly receivedToSnapshotMs: number[];
  /** The rebuild alone (rows -> topology), wall and CPU ms. */
  readonly rebuildMs: number[];
  readonly rebuildCpuMs: number[];
  /** ovn-nbctl spawned (daemon mode) -> new topology in the store, ms. */
  readonly spawnToSnapshotMs: number[];
}

/**
 * Time from ovn-nbctl changes to the new topology. ovn-nbctl runs against its own daemon
 * (`ovn-nbctl --detach`, as ovn-kubernetes does), so a command does not re-read a 10k-port NB first.
 */
let daemons = 0;

export async function measureChanges(
  nbRemote: string,
  live: LiveTopology,
  store: TopologyStore,
  kinds: readonly ChangeKind[],
  runs: number,
  dir: string,
): Promise<ChangeFigures[]> {
  // A daemon of our own per call, under its own names (the last one may still be exiting).
  const me = `nbctl-${++daemons}`;
  const { stdout } = await run('ovn-nbctl', [
    `--db=${nbRemote}`,
    '--detach',
    `--pidfile=${dir}/${me}.pid`,
    `--log-file=${dir}/${me}.log`,
    `--unixctl=${dir}/${me}.ctl`,
  ]);
  const env = { ...process.env, OVN_NB_DAEMON: stdout.trim() };
  const out: ChangeFigures[] = [];
  try {
    for (const kind of kinds) {
      const f: ChangeFigures = {
        kind: kind.name,
        receivedToSnapshotMs: [],
        rebuildMs: [],
        rebuildCpuMs: [],
        spawnToSnapshotMs: [],
      };
      for (let i = 0; i < runs; i++) {
        const t = await timeOneChange(live, store, () => run('ovn-nbctl', kind.args(i), { env }));
        f.receivedToSnapshotMs.push(t.received);
        f.spawnToSnapshotMs.push(t.spawned);
        f.rebuildMs.push(live.lastRebuildMs);
        f.rebuildCpuMs.push(live.lastRebuildCpuMs);
      }
      out.push(f);
    }
  } finally {
    await run('ovn-appctl', ['-t', env.OVN_NB_DAEMON, 'exit']).catch(() => {});
  }
  return out;
}

/**
 * Resolves once the NB has sent nothing for `quietMs`: ovn-northd writes back to the NB after a change
 * (port `up`, IPAM addresses), and such an echo must not be taken for the next change's update.
 */
async function settled(live: LiveTopology, quietMs = 300, maxMs = 30_000): Promise<void> {
  let last = performance.now();
  const onSync = () => {
    last = performance.now();
  };
  live.client.on('sync', onSync);
  try {
    const began = performance.now();
    while (performance.now() - last < quietMs && performance.now() - began < maxMs)
      await new Promise((r) => setTimeout(r, 25));
  } finally {
    live.client.off('sync', onSync);
  }
}

/** Times one change: from the first update after the command starts to the next new topology. */
async function timeOneChange(
  live: LiveTopology,
  store: TopologyStore,
  change: () => Promise<unknown>,
): Promise<{ received: number; spawned: number }> {
  await settled(live);
  const began = performance.now();
  let received = Number.NaN;
  let done = Number.NaN;
  let resolveSeen!: () => void;
  const seen = new Promise<void>((r) => (resolveSeen = r));
  const onSync = () => {
    if (Number.isNaN(received)) received = performance.now();
  };
  // Only a topology built after our update arrived counts (a rebuild already pending does not).
  const onChange = () => {
    if (Number.isNaN(received) || !Number.isNaN(done)) return;
    done = performance.now();
    resolveSeen();
  };
  live.client.on('sync', onSync);
  store.on('change', onChange);
  try {
    await change();
    await seen;
    return { received: done - received, spawned: done - began };
  } finally {
    live.client.off('sync', onSync);
    store.off('change', onChange);
  }
}
