// OVSDB initial sync: our client (the live NB source serve uses) connects to the test bed's NB,
// monitors every table and builds the topology. Reports the time to the first topology, the heap it
// holds (row cache + topology), and whether the synced topology matches the snapshot file's.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { TopologyStore } from '../../src/daemon/topology-store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { LiveTopology } from '../../src/ovsdb/live-topology.ts';
import { memoryNow, timed } from '../lib/stats.ts';

export interface SyncFigures {
  syncMs: number;
  heapMb: number;
  rows: number;
  /** Baseline: `ovsdb-client dump` of the whole NB (OVS's own client, output discarded). */
  ovsdbClientDumpMs: number;
  /** Ports/ACL-owning port groups/address sets equal in the NB-synced and the file topology. */
  matchesSnapshot: boolean;
}

const run = promisify(execFile);

const countsOf = (t: Topology) =>
  JSON.stringify([t.ports.size, t.switches.size, t.routers.size, t.portGroups.size, t.addressSets.size]);

export async function measureSync(nbRemote: string, fromFile: Topology): Promise<SyncFigures> {
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
    return {
      syncMs,
      heapMb,
      rows: live.client.cache.rowCount(),
      ovsdbClientDumpMs: dumpMs,
      matchesSnapshot: countsOf(store.require()) === countsOf(fromFile),
    };
  } finally {
    live.stop();
  }
}
