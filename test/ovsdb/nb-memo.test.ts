// The NB row memo (NbMemo) belongs to whoever passes it: with the same memo, entries of unchanged rows
// are the same objects from one call to the next; a fresh memo (or none) makes every entry afresh, so a
// full rebuild used as a reference in tests shares nothing with the live source it checks.

import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/ovsdb/datum.ts';
import { NbMemo, nbToSnapshot } from '../../src/sources/nb/from-nb.ts';

const SW = '11111111-1111-1111-1111-111111111111';
const P1 = '22222222-2222-2222-2222-222222222222';
const P2 = '33333333-3333-3333-3333-333333333333';

/** NB tables as the client's cache gives them: uuid -> row, rows replaced (never edited) on change. */
function nb(rows: Record<string, Record<string, Row>>) {
  const maps = new Map(Object.entries(rows).map(([t, r]) => [t, new Map(Object.entries(r))]));
  return (t: string): ReadonlyMap<string, Row> => maps.get(t) ?? new Map();
}

const port1: Row = { name: 'p1', addresses: ['00:00:00:00:00:01 10.0.0.1'] };
const port2: Row = { name: 'p2', addresses: ['00:00:00:00:00:02 10.0.0.2'] };
const sw: Row = { name: 'ls1', ports: [P1, P2] };
const tables = nb({ Logical_Switch: { [SW]: sw }, Logical_Switch_Port: { [P1]: port1, [P2]: port2 } });

describe('NbMemo', () => {
  it('gives the same entries again with the same memo', () => {
    const memo = new NbMemo();
    const a = nbToSnapshot(tables, memo).doc;
    const b = nbToSnapshot(tables, memo).doc;
    expect(b.switches![0]).toBe(a.switches![0]);
  });

  it('shares nothing between calls without a memo or with fresh ones', () => {
    const a = nbToSnapshot(tables, new NbMemo()).doc;
    const b = nbToSnapshot(tables).doc;
    expect(b).toEqual(a);
    expect(b.switches![0]).not.toBe(a.switches![0]);
    expect(b.switches![0]!.ports![0]).not.toBe(a.switches![0]!.ports![0]);
  });

  it('makes an entry anew when a row it embeds changed, keeping the unchanged ones', () => {
    const memo = new NbMemo();
    const a = nbToSnapshot(tables, memo).doc;
    const moved: Row = { ...port2, addresses: ['00:00:00:00:00:02 10.0.0.22'] };
    const next = nb({ Logical_Switch: { [SW]: sw }, Logical_Switch_Port: { [P1]: port1, [P2]: moved } });
    const b = nbToSnapshot(next, memo).doc;
    expect(b.switches![0]).not.toBe(a.switches![0]);
    expect(b.switches![0]!.ports![0]).toBe(a.switches![0]!.ports![0]);
    expect(b.switches![0]!.ports![1]!.addresses).toEqual(['00:00:00:00:00:02 10.0.0.22']);
  });
});
