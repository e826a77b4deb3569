// Incremental updates of a compiled SB against a real OVN: after each NB change northd rewrites the SB;
// the row changes between two reads (diffSbDatabases) applied to the compiled SB must give the same
// traces as compiling the new SB from scratch, and flows that did not change keep their compiled form.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompiledSb, compileSb, createLflowEngine } from '../../src/engine/lflow/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { DeltaMap } from '../../src/ovn/sb/delta-map.ts';
import { diffSbDatabases } from '../../src/ovn/sb/diff.ts';
import type { SbDatabase } from '../../src/ovn/sb/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const DOC: SnapshotDoc = {
  address_sets: [{ name: 'blocked', addresses: ['10.0.0.9'] }],
  switches: [
    {
      name: 'sw',
      ports: [
        { name: 'p1', addresses: ['0a:00:00:00:00:01 10.0.0.1'] },
        { name: 'p2', addresses: ['0a:00:00:00:00:02 10.0.0.2'] },
      ],
    },
  ],
};
const topo = buildTopology(DOC, { kind: 'memory', name: 'apply' });
const SSH: TraceRequest = {
  source_port: 'p1',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  destination_port_num: 22,
};

describe.skipIf(skipWithoutOvn())('CompiledSb.apply on real SB changes', () => {
  let tb: OvnTestbed;
  let db: SbDatabase;
  let live: CompiledSb;
  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot(DOC);
    db = await readSbOnce(tb.sbRemote, undefined);
    live = compileSb(db);
  }, 60_000);
  afterAll(async () => tb?.stop());

  /** Reads the SB after a change, applies the difference; returns the changes and a fresh compile. */
  async function step(): Promise<{ changes: number; fresh: CompiledSb; flowChanges: number }> {
    await tb.sync();
    const next = await readSbOnce(tb.sbRemote, undefined);
    const changes = diffSbDatabases(db, next);
    live.apply(changes);
    db = next;
    return {
      changes: changes.length,
      fresh: compileSb(next),
      flowChanges: changes.filter((c) => c.table === 'Logical_Flow').length,
    };
  }

  const verdict = async (sb: CompiledSb, req: TraceRequest = SSH) => {
    const r = toTraceResult(await createLflowEngine({ sb: () => sb }).trace(req, { network: topo }));
    return { reaches: r.reaches_destination, stage: r.dropped_at?.stage ?? null, ports: r.output_ports };
  };

  it('follows an ACL added, an address set edited and the ACL removed, like a fresh compile', async () => {
    expect(await verdict(live)).toEqual({ reaches: true, stage: null, ports: ['p2'] });
    const untouched = [...db.Logical_Flow.values()].find(
      (f) => f.externalIds.get('stage-name') === 'ls_in_l2_lkup',
    );
    const before = live.compiledFlow(untouched!.uuid);

    await tb.nbctl('acl-add', 'sw', 'to-lport', '1001', 'tcp.dst == 22 || ip4.src == $blocked', 'drop');
    const added = await step();
    expect(added.flowChanges).toBeGreaterThan(0);
    expect(added.flowChanges).toBeLessThan(db.Logical_Flow.size / 2);
    expect(await verdict(live)).toEqual({ reaches: false, stage: 'ls_out_acl', ports: [] });
    expect(await verdict(added.fresh)).toEqual(await verdict(live));
    expect(live.compiledFlow(untouched!.uuid)).toEqual(before);
    expect(live.compiledFlow(untouched!.uuid)[0]).toBe(before[0]);

    const http: TraceRequest = { ...SSH, destination_port_num: 80, source_ip: '10.0.0.7' };
    expect((await verdict(live, http)).reaches).toBe(true);
    await tb.nbctl('set', 'Address_Set', 'blocked', 'addresses="10.0.0.7"');
    const edited = await step();
    expect(edited.flowChanges).toBe(0);
    expect(edited.changes).toBeGreaterThan(0);
    expect(await verdict(live, http)).toEqual({ reaches: false, stage: 'ls_out_acl', ports: [] });
    expect(await verdict(edited.fresh, http)).toEqual(await verdict(live, http));

    await tb.nbctl('acl-del', 'sw');
    const removed = await step();
    expect(await verdict(live)).toEqual({ reaches: true, stage: null, ports: ['p2'] });
    expect(await verdict(removed.fresh)).toEqual(await verdict(live));
    expect(live.flowCount()).toBe(removed.fresh.flowCount());
  }, 60_000);

  it('applies the same way when the flow table is big enough to be versioned as a delta', async () => {
    // 1,100 flows that never match (`0`) push Logical_Flow past the size copied whole, so apply()'s own
    // applySbChanges (no `after`: what-if, offline) makes DeltaMap versions; the previous database must
    // stay as it was.
    // The padding is the same rows in every read (built from no row of it: a read's first flow can
    // change with the ACL, and then all 1,100 rows would differ and the apply flatten, as it should).
    const pad = (d: SbDatabase): SbDatabase => {
      const flows = new Map(d.Logical_Flow);
      const dp = [...d.Datapath_Binding.keys()].sort()[0]!;
      for (let i = 0; i < 1100; i++) {
        const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        flows.set(uuid, {
          uuid,
          logicalDatapath: dp,
          logicalDpGroup: null,
          pipeline: 'ingress',
          tableId: 0,
          priority: 0,
          match: '0',
          actions: 'next;',
          externalIds: new Map(),
          tags: new Map(),
        });
      }
      return { ...d, Logical_Flow: flows };
    };
    await tb.sync();
    let base = pad(await readSbOnce(tb.sbRemote, undefined));
    const big = compileSb(base);
    const first = base;
    const firstKeys = [...first.Logical_Flow.keys()];
    for (const [nbctl, reaches] of [
      [['acl-add', 'sw', 'to-lport', '1001', 'tcp.dst == 22', 'drop'], false],
      [['acl-del', 'sw'], true],
    ] as const) {
      await tb.nbctl(...nbctl);
      await tb.sync();
      const next = pad(await readSbOnce(tb.sbRemote, undefined));
      big.apply(diffSbDatabases(base, next));
      expect(big.db.Logical_Flow).toBeInstanceOf(DeltaMap);
      expect(new Set(big.db.Logical_Flow.keys())).toEqual(new Set(next.Logical_Flow.keys()));
      expect((await verdict(big)).reaches).toBe(reaches);
      expect(await verdict(big)).toEqual(await verdict(compileSb(next)));
      base = next;
    }
    expect(await verdict(big)).toEqual({ reaches: true, stage: null, ports: ['p2'] });
    expect([...first.Logical_Flow.keys()]).toEqual(firstKeys);
  }, 60_000);

  it('says when there is no SB yet', async () => {
    await expect(createLflowEngine({ sb: () => null }).trace(SSH, { network: topo })).rejects.toThrow(
      /no Southbound database loaded yet/,
    );
  });
});
