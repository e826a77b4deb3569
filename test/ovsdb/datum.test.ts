// Wire values, defaults and update2 diffs (sets by symmetric difference, maps by key).

import { describe, expect, it } from 'vitest';
import { runSteps } from '../../src/ovn/topology/build.ts';
import { applyDiff, datumFromWire, defaultDatum } from '../../src/ovsdb/datum.ts';
import { DbCache, type RowChange } from '../../src/ovsdb/db-cache.ts';
import { type ColumnSchema, columnFromWire } from '../../src/ovsdb/schema.ts';

const setCol: ColumnSchema = { kind: 'set', keyType: 'string' };
const mapCol: ColumnSchema = { kind: 'map', keyType: 'string' };
const intCol: ColumnSchema = { kind: 'scalar', keyType: 'integer' };

describe('OVSDB values', () => {
  it('reads column shapes from schema types', () => {
    expect(columnFromWire('string')).toEqual({ kind: 'scalar', keyType: 'string' });
    expect(columnFromWire({ key: { type: 'integer' }, min: 0, max: 1 })).toEqual({
      kind: 'set',
      keyType: 'integer',
    });
    expect(columnFromWire({ key: 'uuid', min: 0, max: 'unlimited' })).toEqual({
      kind: 'set',
      keyType: 'uuid',
    });
    expect(columnFromWire({ key: 'string', value: 'string', min: 0, max: 'unlimited' })).toEqual(mapCol);
  });

  it('reads atoms, one-element sets, sets and maps', () => {
    expect(datumFromWire(setCol, 'a')).toEqual(['a']);
    expect(datumFromWire(setCol, ['set', ['a', 'b']])).toEqual(['a', 'b']);
    expect(datumFromWire({ kind: 'set', keyType: 'uuid' }, ['uuid', 'u1'])).toEqual(['u1']);
    expect(datumFromWire(mapCol, ['map', [['k', 'v']]])).toEqual(new Map([['k', 'v']]));
    expect(defaultDatum(intCol)).toBe(0);
    expect(defaultDatum({ kind: 'scalar', keyType: 'string' })).toBe('');
  });

  it.each([
    [
      ['a', 'b'],
      ['set', ['b', 'c']],
      ['a', 'c'],
    ],
    [['a'], 'a', []],
    [[], ['set', []], []],
    [['x'], ['set', ['x', 'y']], ['y']],
  ])('set %j diff %j = %j', (old, diff, expected) => {
    expect(applyDiff(setCol, old, diff)).toEqual(expected);
  });

  it('applies a map diff by key: same value deletes, other value replaces, new key inserts', () => {
    const old = new Map([
      ['keep', '1'],
      ['drop', '2'],
      ['change', '3'],
    ]);
    const diff = [
      'map',
      [
        ['drop', '2'],
        ['change', '33'],
        ['new', '4'],
      ],
    ];
    expect(applyDiff(mapCol, old, diff)).toEqual(
      new Map([
        ['keep', '1'],
        ['change', '33'],
        ['new', '4'],
      ]),
    );
    expect(old.get('drop')).toBe('2'); // the old value is not changed in place
  });

  it('keeps a cache by initial/insert/modify/delete, filling omitted columns with defaults', () => {
    const cache = new DbCache(
      new Map([
        [
          'T',
          new Map([
            ['s', setCol],
            ['n', intCol],
            ['m', mapCol],
          ]),
        ],
      ]),
    );
    cache.applyUpdate2({ T: { u1: { initial: { s: ['set', ['a']] } } } });
    expect(cache.table('T').get('u1')).toEqual({ s: ['a'], n: 0, m: new Map() });
    const before = cache.table('T').get('u1');
    const touched = cache.applyUpdate2({
      T: { u1: { modify: { s: 'b', n: 7 } }, u2: { insert: {} } },
      Other: {},
    });
    expect([...touched]).toEqual(['T']);
    expect(cache.table('T').get('u1')).toEqual({ s: ['a', 'b'], n: 7, m: new Map() });
    expect(before).toEqual({ s: ['a'], n: 0, m: new Map() });
    cache.applyUpdate2({ T: { u2: { delete: null } } });
    expect([...cache.table('T').keys()]).toEqual(['u1']);
    cache.applyUpdate1({ T: { u1: { old: { n: 7 }, new: { s: ['set', []], n: 8, m: ['map', []] } } } });
    expect(cache.table('T').get('u1')).toEqual({ s: [], n: 8, m: new Map() });
  });

  it('prepares an update without changing the cache, and a snapshot stays as it was after commits', () => {
    const cache = new DbCache(new Map([['T', new Map([['n', intCol]])]]));
    cache.applyUpdate2({ T: { u1: { initial: { n: 1 } } } });
    const view = cache.snapshot();
    const prepared = runSteps(
      cache.prepareUpdate2({ T: { u1: { modify: { n: 2 } }, u2: { insert: { n: 3 } } } }),
    );
    expect(cache.table('T').get('u1')).toEqual({ n: 1 }); // prepared, not applied
    expect(cache.table('T').size).toBe(1);
    const log: RowChange[] = [];
    expect([...cache.commit(prepared, log)]).toEqual(['T']);
    expect(log.map((c) => [c.uuid, c.old, c.new])).toEqual([
      ['u1', { n: 1 }, { n: 2 }],
      ['u2', null, { n: 3 }],
    ]);
    expect(cache.table('T').get('u1')).toEqual({ n: 2 });
    expect([...view('T')]).toEqual([['u1', { n: 1 }]]);
    cache.clear();
    expect([...view('T')]).toEqual([['u1', { n: 1 }]]);
  });
});
