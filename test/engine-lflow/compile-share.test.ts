// What the whole-SB compile shares between flows and datapaths must never mix up two of them: a flow
// index tree shared by tables holding the same flows (IndexShare), the index keys of a whole address
// set or port group shared by the flows naming it (flow-keys.ts), and one compile of a flow placed on
// the datapaths of its group that have its port group. Small SBs built here, no OVN needed.

import { describe, expect, it } from 'vitest';
import { resolveField, writeBits, writeString } from '../../src/engine/lflow/fields.ts';
import { type CFlow, FlowIndex, IndexShare, indexStats } from '../../src/engine/lflow/flow-index.ts';
import { flowKeys } from '../../src/engine/lflow/flow-keys.ts';
import { compileSb } from '../../src/engine/lflow/index.ts';
import { compileMatch, emptyFlow, type Flow, NO_REFS, tokenize } from '../../src/ovn/expr/index.ts';
import { emptySbDatabase, type LogicalFlow, type SbDatabase } from '../../src/ovn/sb/types.ts';

const none = new Map<string, string>();

function lflow(uuid: string, priority: number, match: string, at: Partial<LogicalFlow> = {}): LogicalFlow {
  return {
    uuid,
    logicalDatapath: 'dp',
    logicalDpGroup: null,
    pipeline: 'egress',
    tableId: 0,
    priority,
    match,
    actions: 'next;',
    externalIds: none,
    tags: none,
    ...at,
  };
}

function cflow(uuid: string, priority: number, match: string): CFlow {
  const m = compileMatch(match, NO_REFS, { laterSymbols: true });
  if (!m.ok) throw new Error(m.message);
  const flow = lflow(uuid, priority, match);
  return {
    flow,
    stage: 's',
    evaluate: m.evaluate,
    actions: [],
    keys: flowKeys(tokenize(match), NO_REFS),
    omit: false,
    hopInfo: null,
    rowHash: 0,
  };
}

function toPort(port: string, ip?: string): Flow {
  const f = { ...emptyFlow(), regs: new Uint32Array(16) };
  writeString(f, resolveField('outport')!, port);
  if (ip) {
    f.ethType = 0x0800;
    const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
    writeBits(f, resolveField('ip4.dst')!, BigInt(((a << 24) | (b << 16) | (c << 8) | d) >>> 0));
  }
  return f;
}

const ports = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

describe('flow index trees shared between tables', () => {
  it('shares a tree only between tables holding the same flows in the same order', () => {
    const flows = ports.map((p, i) => cflow(`f${i}`, 100 - i, `outport == "${p}"`));
    // Same length, one flow different: a tree keyed by anything less than the exact list would send
    // `outport == "z"` to a bucket that is not there (or to flow f3 of the other table).
    const other = [...flows];
    other[3] = cflow('z', 97, 'outport == "z"');
    const share = new IndexShare();
    const [a, b, c] = [new FlowIndex(), new FlowIndex(), new FlowIndex()];
    for (const f of flows) a.add(0, f);
    for (const f of other) b.add(0, f);
    for (const f of flows) c.add(0, f);
    for (const ix of [a, b, c]) expect(ix.build(0, share)).toBe(true);
    expect(b.lookup(0, toPort('z'))?.flow.uuid).toBe('z');
    expect(b.lookup(0, toPort('d'))).toBeNull();
    expect(a.lookup(0, toPort('d'))?.flow.uuid).toBe('f3');
    expect(c.lookup(0, toPort('d'))?.flow.uuid).toBe('f3');
    expect(a.lookup(0, toPort('z'))).toBeNull();
    // Built once for a and c: the tree is the same object (the point of sharing).
    const root = (ix: FlowIndex) => (ix as unknown as { built: { root: unknown }[] }).built[0]!.root;
    expect(root(c)).toBe(root(a));
    expect(root(b)).not.toBe(root(a));
    // A change after the build rebuilds that table alone; the other keeps answering from the shared tree.
    c.remove(0, flows[0]!);
    expect(c.lookup(0, toPort('a'))).toBeNull();
    expect(a.lookup(0, toPort('a'))?.flow.uuid).toBe('f0');
  });

  it('builds a big table in several steps, answering as one build', () => {
    const flows = Array.from({ length: 3000 }, (_, i) =>
      cflow(`f${i}`, 3000 - i, `outport == "p${i % 500}"`),
    );
    const [stepped, whole] = [new FlowIndex(), new FlowIndex()];
    for (const f of flows) {
      stepped.add(0, f);
      whole.add(0, f);
    }
    let steps = 0;
    const g = stepped.buildSteps(0);
    while (!g.next().done) steps++;
    expect(steps).toBeGreaterThan(1);
    whole.build(0);
    for (const p of ['p0', 'p7', 'p499', 'nope'])
      expect(stepped.lookup(0, toPort(p))?.flow.uuid).toBe(whole.lookup(0, toPort(p))?.flow.uuid);
  });
});

/** Two switches (tunnel keys 1, 2) in one datapath group, a port on each, and the given flows. */
function twoSwitches(flows: readonly LogicalFlow[], sets: Record<string, string[]>): SbDatabase {
  const db = emptySbDatabase();
  const put = <T extends { uuid: string }>(table: ReadonlyMap<string, T>, row: T) =>
    (table as Map<string, T>).set(row.uuid, row);
  for (const [uuid, key] of [
    ['ls1', 1],
    ['ls2', 2],
  ] as const)
    put(db.Datapath_Binding, {
      uuid,
      tunnelKey: key,
      externalIds: new Map([['name', uuid]]),
      loadBalancers: [],
    });
  put(db.Logical_DP_Group, { uuid: 'g', datapaths: ['ls1', 'ls2'] });
  for (const [port, dp, key] of [
    ['p1', 'ls1', 1],
    ['p2', 'ls2', 1],
  ] as const)
    put(db.Port_Binding, {
      uuid: port,
      logicalPort: port,
      datapath: dp,
      tunnelKey: key,
      type: '',
      options: none,
      mac: [],
      portSecurity: [],
      parentPort: '',
      tag: null,
      chassis: null,
      up: null,
      natAddresses: [],
      externalIds: none,
    });
  // pg_both has ports on both switches; pg_one only on ls1 (northd writes `<key>_<name>` per switch).
  for (const [name, members] of [
    ['1_pg_both', ['p1']],
    ['2_pg_both', ['p2']],
    ['1_pg_one', ['p1']],
  ] as const)
    put(db.Port_Group, { uuid: name, name, ports: members });
  for (const [name, addresses] of Object.entries(sets))
    put(db.Address_Set, { uuid: `as-${name}`, name, addresses });
  for (const f of flows) put(db.Logical_Flow, f);
  return db;
}

describe('one compile of a flow placed on its datapaths', () => {
  it("places a port-group flow only on the switches that have the group's ports", () => {
    const inGroup = { logicalDatapath: null, logicalDpGroup: 'g' };
    const sb = compileSb(
      twoSwitches(
        [lflow('both', 100, 'outport == @pg_both', inGroup), lflow('one', 90, 'outport == @pg_one', inGroup)],
        {},
      ),
    );
    expect(sb.compiledFlow('both')).toHaveLength(2);
    expect(sb.compiledFlow('both')[0]).toBe(sb.compiledFlow('both')[1]);
    expect(sb.compiledFlow('one')).toHaveLength(1);
    const ls2 = sb.datapathsByName.get('ls2')!;
    expect(ls2.egress.lookup(0, toPort('p2'))?.flow.uuid).toBe('both');
    expect(ls2.egress.lookup(0, toPort('p1'))?.flow.uuid).toBe('both');
    expect(sb.datapathsByName.get('ls1')!.egress.lookup(0, toPort('p1'))?.flow.uuid).toBe('both');
  });

  it('after a change to a flow of a datapath group, the tables it unbuilt share one rebuilt tree', () => {
    const inGroup = { logicalDatapath: null, logicalDpGroup: 'g' };
    // Enough flows that the table is a tree, every one on both switches through the group.
    const flows = ports.map((p, i) => lflow(`g${i}`, 100 - i, `outport == "${p}" && ip4`, inGroup));
    const db = twoSwitches(flows, {});
    const sb = compileSb(db);
    const [ls1, ls2] = ['ls1', 'ls2'].map((n) => sb.datapathsByName.get(n)!);
    const root = (ix: FlowIndex) => (ix as unknown as { built: { root: unknown }[] }).built[0]!.root;
    const old = db.Logical_Flow.get('g3')!;
    sb.apply([{ table: 'Logical_Flow', uuid: 'g3', old, new: { ...old, match: 'outport == "z" && ip4' } }]);
    const builds = indexStats.builds;
    // Rebuilt on their next lookups, once between the two switches, and answering the new flows.
    expect(ls1!.egress.lookup(0, toPort('z', '10.0.0.1'))?.flow.uuid).toBe('g3');
    expect(ls2!.egress.lookup(0, toPort('d', '10.0.0.1'))).toBeNull();
    expect(ls2!.egress.lookup(0, toPort('e', '10.0.0.1'))?.flow.uuid).toBe('g4');
    expect(indexStats.builds - builds).toBe(1);
    expect(root(ls2!.egress)).toBe(root(ls1!.egress));
  });

  it('rebuildSteps builds what an apply unbuilt ahead of the lookups, and stops when another apply comes', () => {
    const inGroup = { logicalDatapath: null, logicalDpGroup: 'g' };
    const flows = ports.map((p, i) => lflow(`g${i}`, 100 - i, `outport == "${p}" && ip4`, inGroup));
    const db = twoSwitches(flows, {});
    const sb = compileSb(db);
    const [ls1, ls2] = ['ls1', 'ls2'].map((n) => sb.datapathsByName.get(n)!);
    const change = (uuid: string, match: string) => {
      const old = sb.db.Logical_Flow.get(uuid)!;
      sb.apply([{ table: 'Logical_Flow', uuid, old, new: { ...old, match } }]);
    };
    change('g3', 'outport == "z" && ip4');
    let builds = indexStats.builds;
    for (const _ of sb.rebuildSteps());
    expect(indexStats.builds - builds).toBe(1); // one tree, shared by the two switches
    builds = indexStats.builds;
    expect(ls1!.egress.lookup(0, toPort('z', '10.0.0.1'))?.flow.uuid).toBe('g3');
    expect(ls2!.egress.lookup(0, toPort('e', '10.0.0.1'))?.flow.uuid).toBe('g4');
    expect(indexStats.builds - builds).toBe(0); // nothing left for the lookups to build
    // Overtaken: the steps of an older apply stop, the newer ones build.
    change('g4', 'outport == "y" && ip4');
    const stale = sb.rebuildSteps();
    change('g5', 'outport == "x" && ip4');
    builds = indexStats.builds;
    for (const _ of stale);
    expect(indexStats.builds - builds).toBe(0);
    for (const _ of sb.rebuildSteps());
    expect(indexStats.builds - builds).toBe(1);
    expect(ls2!.egress.lookup(0, toPort('x', '10.0.0.1'))?.flow.uuid).toBe('g5');
  });

  it('keys two flows naming one address set each by its own field, and follows the set when it changes', () => {
    // Enough flows that the table is a tree (small tables are scanned, which would hide a wrong key).
    const flows = [
      lflow('dst', 200, 'ip4 && ip4.dst == $as'),
      lflow('src', 190, 'ip4 && ip4.src == $as'),
      // The table splits on ip4.dst, so the `dst` flow is found through its keys only.
      ...ports.map((_, i) => lflow(`o${i}`, 100, `ip4.dst == 10.1.0.${i}`)),
    ];
    const db = twoSwitches(
      flows.map((f) => ({ ...f, logicalDatapath: 'ls1' })),
      { as: ['10.0.0.1', '10.0.0.2'] },
    );
    const sb = compileSb(db);
    const ls1 = sb.datapathsByName.get('ls1')!;
    expect(ls1.egress.lookup(0, toPort('x', '10.0.0.2'))?.flow.uuid).toBe('dst');
    expect(ls1.egress.lookup(0, toPort('x', '10.0.0.9'))).toBeNull();
    const [dst] = sb.compiledFlow('dst');
    const [src] = sb.compiledFlow('src');
    // Each by its own field, beside eth.type (the `ip4` both test).
    expect([...dst!.keys.keys()]).toEqual(['ip4.dst', 'eth.type']);
    expect([...src!.keys.keys()]).toEqual(['ip4.src', 'eth.type']);
    const old = db.Address_Set.get('as-as')!;
    sb.apply([{ table: 'Address_Set', uuid: old.uuid, old, new: { ...old, addresses: ['10.0.0.9'] } }]);
    expect(ls1.egress.lookup(0, toPort('x', '10.0.0.9'))?.flow.uuid).toBe('dst');
    expect(ls1.egress.lookup(0, toPort('x', '10.0.0.2'))).toBeNull();
  });
});
