// The SB tables' persistent map (src/ovn/sb/delta-map.ts) against a plain Map doing the same sets and
// deletes: same entries in the same order, same size and lookups, at every version; every older version
// unchanged after newer ones are made; the flatten into a new base exactly at the bound.

import { describe, expect, it } from 'vitest';
import { DeltaMap, flattenBound, type MapEdit, withEdits } from '../../src/ovn/sb/delta-map.ts';
import { applySbChanges, emptySbDatabase, type LogicalFlow, type SbChange } from '../../src/ovn/sb/types.ts';
import { prng as rng } from '../helpers/prng.ts';

interface Row {
  readonly id: string;
  readonly rev: number;
}

function baseMap(n: number): Map<string, Row> {
  return new Map(Array.from({ length: n }, (_, i) => [`k${i}`, { id: `k${i}`, rev: 0 }]));
}

/**
 * One batch of random edits: replace live keys, delete live keys, delete absent ones, re-add deleted keys
 * (a plain Map moves those last), add fresh keys; some keys are edited twice in one batch.
 */
function randomEdits(
  r: () => number,
  model: Map<string, Row>,
  gone: string[],
  next: { n: number },
  rev: number,
) {
  const keys = [...model.keys()];
  const edits: MapEdit<string, Row>[] = [];
  const count = 1 + Math.floor(r() * (r() < 0.1 ? 400 : 30));
  for (let i = 0; i < count; i++) {
    const p = r();
    const live = keys[Math.floor(r() * keys.length)];
    if (p < 0.3 && live) edits.push([live, { id: live, rev }]);
    else if (p < 0.5 && live) {
      edits.push([live, null]);
      gone.push(live);
    } else if (p < 0.6) edits.push([`never${Math.floor(r() * 50)}`, null]);
    else if (p < 0.8 && gone.length)
      edits.push([gone.splice(Math.floor(r() * gone.length), 1)[0]!, { id: 're', rev }]);
    else {
      const k = `new${next.n++}`;
      edits.push([k, { id: k, rev }]);
      if (r() < 0.3) edits.push([k, r() < 0.5 ? null : { id: k, rev: rev + 0.5 }]);
    }
  }
  return edits;
}

function applyToModel(model: Map<string, Row>, edits: readonly MapEdit<string, Row>[]): void {
  for (const [k, v] of edits) {
    if (v === null) model.delete(k);
    else model.set(k, v);
  }
}

/** The first difference between `got` and `want` (same keys, same order, the same value objects), or ''. */
function firstDiff<V>(got: Iterable<[string, V]>, want: readonly [string, V][]): string {
  let i = 0;
  for (const [k, v] of got) {
    const w = want[i++];
    if (!w || w[0] !== k || w[1] !== v) return `entry ${i - 1}: got ${k}, want ${w?.[0]}`;
  }
  return i === want.length ? '' : `${i} entries, want ${want.length}`;
}

function expectSame(m: ReadonlyMap<string, Row>, want: readonly [string, Row][], probes: readonly string[]) {
  expect(m.size).toBe(want.length);
  expect(firstDiff(m, want)).toBe('');
  expect([...m.keys()].join()).toBe(want.map(([k]) => k).join());
  const values = [...m.values()];
  expect(values.length === want.length && values.every((v, i) => v === want[i]![1])).toBe(true);
  const seen: [string, Row][] = [];
  m.forEach((v, k) => {
    seen.push([k, v]);
  });
  expect(firstDiff(seen, want)).toBe('');
  const byKey = new Map(want);
  for (const k of probes) {
    expect(m.get(k)).toBe(byKey.get(k));
    expect(m.has(k)).toBe(byKey.has(k));
  }
}

describe('DeltaMap', () => {
  it('matches a plain Map through 200 random versions, and every old version stays as it was', () => {
    const r = rng(15);
    const start = baseMap(1500);
    const model = new Map(start);
    const gone: string[] = [];
    const next = { n: 0 };
    let current: ReadonlyMap<string, Row> = start;
    const versions: { map: ReadonlyMap<string, Row>; want: [string, Row][] }[] = [];
    let overlays = 0;
    let flattens = 0;
    for (let step = 1; step <= 200; step++) {
      const edits = randomEdits(r, model, gone, next, step);
      const before = current;
      current = withEdits(current, edits);
      applyToModel(model, edits);
      if (current instanceof DeltaMap) overlays++;
      else if (before instanceof DeltaMap) flattens++;
      const want = [...model];
      const probes = [...edits.map(([k]) => k), 'k0', 'k1', `new${next.n}`, 'never1'];
      expectSame(current, want, probes);
      versions.push({ map: current, want });
    }
    // Both paths ran: versions kept as a delta, and flattens into a new base.
    expect(overlays).toBeGreaterThan(100);
    expect(flattens).toBeGreaterThan(3);
    for (const v of versions) expectSame(v.map, v.want, ['k0', 'k1499', 'new0', 'never2']);
  });

  it('branches: two versions made from one do not see each other', () => {
    const base = DeltaMap.over(baseMap(2000));
    const a = base.with([
      ['k1', null],
      ['x', { id: 'a', rev: 1 }],
    ]);
    const b = base.with([
      ['k1', { id: 'b', rev: 1 }],
      ['k2', null],
    ]);
    const a2 = a.with([['k1', { id: 'a2', rev: 2 }]]);
    expect([a.get('k1'), a.get('x'), a.get('k2')?.rev, a.size]).toEqual([
      undefined,
      { id: 'a', rev: 1 },
      0,
      2000,
    ]);
    expect([b.get('k1'), b.get('x'), b.get('k2'), b.size]).toEqual([
      { id: 'b', rev: 1 },
      undefined,
      undefined,
      1999,
    ]);
    expect(base.get('k1')).toEqual({ id: 'k1', rev: 0 });
    // Re-added after a delete: last, as in a plain Map; the replaced k1 of `b` keeps its place.
    expect([...a2.keys()].slice(-2)).toEqual(['x', 'k1']);
    expect([...b.keys()].slice(0, 3)).toEqual(['k0', 'k1', 'k3']);
  });

  it('flattens into a plain base exactly when the delta passes the bound', () => {
    for (const n of [5000, 100_000]) {
      const bound = flattenBound(n);
      expect(bound).toBe(Math.max(1024, Math.ceil(4 * Math.sqrt(n))));
      let m: ReadonlyMap<string, Row> = baseMap(n);
      for (let i = 0; i < bound; i++) {
        m = withEdits(m, [[`k${i}`, { id: `k${i}`, rev: 1 }]]);
        expect(m).toBeInstanceOf(DeltaMap);
        expect((m as DeltaMap<string, Row>).deltaSize).toBe(i + 1);
      }
      const last = withEdits(m, [[`k${bound}`, { id: `k${bound}`, rev: 1 }]]);
      expect(last).not.toBeInstanceOf(DeltaMap);
      expect(last).toBeInstanceOf(Map);
      expect([...last.values()].filter((v) => v.rev === 1)).toHaveLength(bound + 1);
      expect([...last.keys()]).toEqual([...baseMap(n).keys()]);
      // One batch bigger than the bound is copied at once, never kept as a huge delta.
      const big = Array.from(
        { length: bound + 1 },
        (_, i): MapEdit<string, Row> => [`z${i}`, { id: 'z', rev: 2 }],
      );
      expect(withEdits(baseMap(n), big)).not.toBeInstanceOf(DeltaMap);
    }
  });

  it('copies a small table whole (a plain Map, the input untouched)', () => {
    const small = baseMap(10);
    const out = withEdits(small, [
      ['k3', null],
      ['k3', { id: 'k3', rev: 1 }],
    ]);
    expect(out).not.toBeInstanceOf(DeltaMap);
    expect([...out.keys()].at(-1)).toBe('k3');
    expect(small.get('k3')?.rev).toBe(0);
  });
});

describe('applySbChanges', () => {
  const flow = (uuid: string, priority: number): LogicalFlow => ({
    uuid,
    logicalDatapath: 'dp',
    logicalDpGroup: null,
    pipeline: 'ingress',
    tableId: 0,
    priority,
    match: '1',
    actions: 'next;',
    externalIds: new Map(),
    tags: new Map(),
  });

  it('leaves the old database as it was, shares untouched tables, and keeps a plain Map’s order', () => {
    const base = emptySbDatabase('20.27.0');
    const flows = new Map(Array.from({ length: 5000 }, (_, i) => [`f${i}`, flow(`f${i}`, 1)]));
    let db = { ...base, Logical_Flow: flows };
    const model = new Map(flows);
    const history: { db: typeof db; want: [string, LogicalFlow][] }[] = [];
    for (let step = 0; step < 50; step++) {
      const changes: SbChange[] = [
        {
          table: 'Logical_Flow',
          uuid: `f${step}`,
          old: flows.get(`f${step}`)!,
          new: flow(`f${step}`, step + 2),
        },
        { table: 'Logical_Flow', uuid: `f${step + 100}`, old: flows.get(`f${step + 100}`)!, new: null },
        { table: 'Logical_Flow', uuid: `n${step}`, old: null, new: flow(`n${step}`, 3) },
      ];
      if (step > 0)
        changes.push({ table: 'Logical_Flow', uuid: `f${step + 99}`, old: null, new: flow('back', 4) });
      const next = applySbChanges(db, changes);
      for (const c of changes) {
        if (c.new) model.set(c.uuid, c.new as LogicalFlow);
        else model.delete(c.uuid);
      }
      expect(next.Datapath_Binding).toBe(db.Datapath_Binding);
      expect(firstDiff(next.Logical_Flow, [...model])).toBe('');
      db = next as typeof db;
      history.push({ db, want: [...model] });
    }
    for (const h of history) expect(firstDiff(h.db.Logical_Flow, h.want)).toBe('');
    expect(flows.size).toBe(5000);
    expect(flows.get('f0')!.priority).toBe(1);
  });
});
