// Helpers for the OVSDB tests: wait for a topology that satisfies a condition, read NB tables the way
// ovn-nbctl shows them, and compare topologies ignoring where and when they were built.

import type { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';

/** Resolves with the first topology (current or next) that satisfies `ok`, and the ms it took. */
export function waitForTopology(
  store: TopologyStore,
  ok: (t: Topology, changed: readonly string[]) => boolean,
  timeoutMs = 5000,
): Promise<{ topology: Topology; changed: readonly string[]; ms: number }> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const cur = store.current();
    if (cur && ok(cur, [])) return resolve({ topology: cur, changed: [], ms: 0 });
    const timer = setTimeout(() => {
      store.off('change', onChange);
      reject(new Error(`no matching topology within ${timeoutMs} ms`));
    }, timeoutMs);
    const onChange = ({ current, changed }: { current: Topology; changed: readonly string[] }) => {
      if (!ok(current, changed)) return;
      clearTimeout(timer);
      store.off('change', onChange);
      resolve({ topology: current, changed, ms: performance.now() - began });
    };
    store.on('change', onChange);
  });
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function plain(x: unknown): unknown {
  if (Array.isArray(x) && x[0] === 'uuid') return x[1];
  if (Array.isArray(x) && x[0] === 'set') return (x[1] as unknown[]).map(plain).sort();
  if (Array.isArray(x) && x[0] === 'map')
    return Object.fromEntries((x[1] as unknown[][]).map(([k, v]) => [k, v]));
  return x;
}

/** `ovn-nbctl --format=json list TABLE` as plain objects (uuids as strings, sets as sorted arrays). */
export async function nbList(
  tb: OvnTestbed,
  table: string,
  columns: string[],
): Promise<Record<string, unknown>[]> {
  const out = JSON.parse(
    await tb.nbctl('--format=json', `--columns=${columns.join(',')}`, 'list', table),
  ) as {
    headings: string[];
    data: unknown[][];
  };
  return out.data.map((row) => Object.fromEntries(out.headings.map((h, i) => [h, plain(row[i])])));
}

/**
 * The topology without its source and build time, for equality checks. Index maps become plain Maps
 * (a live source's index may be a map with edits laid over the previous one) with keys in order, so
 * two topologies compare by content; lists inside keep their order, which must match.
 */
export function content(t: Topology): Omit<Topology, 'source' | 'builtAt'> {
  const { source: _s, builtAt: _b, ...rest } = t;
  const plainMap = (m: ReadonlyMap<string, unknown>) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
  const index = Object.fromEntries(
    Object.entries(t.index).map(([k, m]) => [k, plainMap(m as ReadonlyMap<string, unknown>)]),
  ) as unknown as Topology['index'];
  return { ...rest, index };
}
