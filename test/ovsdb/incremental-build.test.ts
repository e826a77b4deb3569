// The live source's incremental rebuild (BuildMemo + index update) against a plain full build, without
// OVN: random edits of a generated network (ports re-addressed, added, removed, IPs shared by two ports,
// group members moved, router MACs changed, a bad row appearing and going) must give a topology equal
// to a full build of the same document, indexes and list order included, and keep every object whose
// document entry did not change.

import { describe, expect, it } from 'vitest';
import { generate } from '../../bench/lib/topology-generator.ts';
import { BuildMemo, buildTopology } from '../../src/ovn/topology/build.ts';
import { OverlayMap } from '../../src/ovn/topology/overlay-map.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { buildLenient } from '../../src/sources/nb/from-nb.ts';
import { prng } from '../helpers/prng.ts';
import { content } from './ovsdb-helpers.ts';

type Sw = NonNullable<SnapshotDoc['switches']>[number];
type Port = NonNullable<Sw['ports']>[number];
const src = { kind: 'memory' as const, name: 'incremental' };
const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');

/** The document with one switch replaced (other entries stay the same objects). */
function withSwitch(doc: SnapshotDoc, si: number, f: (s: Sw) => Sw | null): SnapshotDoc {
  const switches = doc.switches!.map((s, i) => (i === si ? f(s) : s)).filter((s): s is Sw => s !== null);
  return { ...doc, switches };
}

/** The document without a port, in its switch and in every port group. */
function withoutPort(doc: SnapshotDoc, name: string): SnapshotDoc {
  const si = doc.switches!.findIndex((s) => s.ports?.some((p) => p.name === name));
  const port_groups = doc.port_groups!.map((g) =>
    g.ports?.includes(name) ? { ...g, ports: g.ports.filter((p) => p !== name) } : g,
  );
  return withSwitch({ ...doc, port_groups }, si, (s) => ({
    ...s,
    ports: s.ports!.filter((p) => p.name !== name),
  }));
}

function edits(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let n = 0;
  const anyPort = (doc: SnapshotDoc) => {
    const si = Math.floor(rand() * doc.switches!.length);
    const ports = doc.switches![si]!.ports ?? [];
    return { si, p: ports.length ? pick(ports) : null };
  };
  return [
    // Re-address a port, sometimes onto an IP another port holds (a two-port list in portsByIp).
    (doc: SnapshotDoc) => {
      const { si, p } = anyPort(doc);
      if (!p || p.type === 'router') return doc;
      const other = anyPort(doc).p?.addresses?.[0]?.split(' ')[1];
      const ip = rand() < 0.3 && other ? other : `10.250.${n % 250}.${++n % 250}`;
      const mac = p.addresses![0]!.split(' ')[0];
      return withSwitch(doc, si, (s) => ({
        ...s,
        ports: s.ports!.map((q) => (q === p ? { ...q, addresses: [`${mac} ${ip}`] } : q)),
      }));
    },
    (doc: SnapshotDoc) => {
      const si = Math.floor(rand() * doc.switches!.length);
      const port: Port = {
        name: `new-${++n}`,
        addresses: [`0a:00:00:00:${hex2(n >> 8)}:${hex2(n)} 10.251.0.${n % 250}`],
      };
      return withSwitch(doc, si, (s) => ({
        ...s,
        ports: [...(s.ports ?? []), port].sort((a, b) => (a.name < b.name ? -1 : 1)),
      }));
    },
    (doc: SnapshotDoc) => {
      const { p } = anyPort(doc);
      return p && p.type !== 'router' ? withoutPort(doc, p.name) : doc;
    },
    // Move a member from one port group to another.
    (doc: SnapshotDoc) => {
      const [a, b] = [pick(doc.port_groups!), pick(doc.port_groups!)];
      const m = a.ports?.[0];
      if (!m || a === b) return doc;
      const port_groups = doc.port_groups!.map((g) =>
        g === a
          ? { ...g, ports: g.ports!.slice(1) }
          : g === b
            ? { ...g, ports: [...(g.ports ?? []), m].sort() }
            : g,
      );
      return { ...doc, port_groups };
    },
    (doc: SnapshotDoc) => {
      const routers = doc.routers!.map((r) => ({
        ...r,
        ports: r.ports!.map((p, i) =>
          i === 0 ? { ...p, mac: `00:00:00:aa:${hex2(n >> 8)}:${hex2(++n)}` } : p,
        ),
      }));
      return { ...doc, routers };
    },
  ];
}

/** Objects of entries present in both documents are shared; `next` must equal a full build. */
function check(prevDoc: SnapshotDoc, doc: SnapshotDoc, prev: Topology, next: Topology): void {
  expect(content(next)).toEqual(content(buildTopology(doc, src)));
  const prevSwitches = new Set(prevDoc.switches);
  for (const [i, s] of doc.switches!.entries()) {
    if (prevSwitches.has(s)) expect(next.switches.get(s.name)).toBe(prev.switches.get(s.name));
    for (const p of s.ports ?? []) {
      const old = prevDoc.switches!.find((x) => x.name === s.name)?.ports?.includes(p);
      if (old) expect(next.ports.get(p.name), `switch ${i} port ${p.name}`).toBe(prev.ports.get(p.name));
    }
  }
  const prevGroups = new Set(prevDoc.port_groups);
  for (const g of doc.port_groups!) {
    if (prevGroups.has(g)) expect(next.portGroups.get(g.name)).toBe(prev.portGroups.get(g.name));
  }
}

describe('incremental rebuild (BuildMemo)', () => {
  it('equals a full build after each of 150 random edits, sharing unchanged objects', () => {
    const rand = prng(7);
    const ops = edits(rand);
    let doc = generate('S').doc;
    const memo = new BuildMemo();
    let t = buildTopology(doc, src, memo);
    for (let i = 0; i < 150; i++) {
      const next = ops[Math.floor(rand() * ops.length)]!(doc);
      const nt = buildTopology(next, src, memo);
      check(doc, next, t, nt);
      [doc, t] = [next, nt];
    }
    // Shared IPs did come up (the list-order path of the index update ran).
    expect([...t.index.portsByIp.values()].some((l) => l.length > 1)).toBe(true);
  });

  it('leaves a bad row out and keeps the other objects, then takes the row back when fixed', () => {
    const memo = new BuildMemo();
    const doc = generate('S').doc;
    const good = buildLenient(doc, src, memo).topology;
    const bad = withSwitch(doc, 1, (s) => ({
      ...s,
      ports: s.ports!.map((p, i) => (i === 0 ? { ...p, addresses: ['not-a-mac 10.0.0.1'] } : p)),
    }));
    const badPort = bad.switches![1]!.ports![0]!.name;
    const r = buildLenient(bad, src, memo);
    expect(r.warnings.join('\n')).toContain('bad MAC "not-a-mac"');
    // The bad address entry goes (the port stays); the rest of the network keeps its objects.
    expect(r.topology.ports.get(badPort)!.addresses).toEqual([]);
    expect(r.topology.switches.get(doc.switches![0]!.name)).toBe(good.switches.get(doc.switches![0]!.name));
    expect(r.topology.switches.get(doc.switches![1]!.name)).not.toBe(
      good.switches.get(doc.switches![1]!.name),
    );
    for (const [name, g] of r.topology.portGroups) expect(g).toBe(good.portGroups.get(name));
    for (const [name, p] of r.topology.ports) if (name !== badPort) expect(p).toBe(good.ports.get(name));
    expect(content(r.topology)).toEqual(content(buildLenient(bad, src).topology));
    // The document given was not changed by the pruning.
    expect(bad.switches![1]!.ports![0]!.name).toBe(badPort);
    const back = buildLenient(doc, src, memo);
    expect(back.warnings).toEqual([]);
    expect(back.topology.ports.get(badPort)).toBe(good.ports.get(badPort));
    expect(content(back.topology)).toEqual(content(good));
  });
});

describe('OverlayMap', () => {
  it('reads like the map it stands for, and leaves the base alone', () => {
    const base = new Map(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    const m1 = OverlayMap.patch(
      base,
      new Map<string, number | undefined>([
        ['k1', undefined],
        ['k2', -2],
        ['new', 9],
      ]),
    );
    const want = new Map(base);
    want.delete('k1');
    want.set('k2', -2);
    want.set('new', 9);
    expect(m1.size).toBe(want.size);
    expect(new Map(m1)).toEqual(want);
    expect([m1.has('k1'), m1.get('k1'), m1.get('k2'), m1.has('new')]).toEqual([false, undefined, -2, true]);
    expect(base.get('k1')).toBe(1);
    // Edits carry over; re-adding a deleted key and deleting a new one both work.
    const m2 = OverlayMap.patch(
      m1,
      new Map<string, number | undefined>([
        ['k1', 1],
        ['new', undefined],
      ]),
    );
    want.set('k1', 1);
    want.delete('new');
    expect(new Map(m2)).toEqual(want);
    expect(m2.size).toBe(want.size);
    expect(m1.get('new')).toBe(9);
    // Past the fold threshold the result is a plain Map again.
    const many = new Map<string, number | undefined>(Array.from({ length: 400 }, (_, i) => [`x${i}`, i]));
    const m3 = OverlayMap.patch(m2, many);
    expect(m3).toBeInstanceOf(Map);
    expect(m3.size).toBe(want.size + 400);
  });
});
