// idl-order.ts sorts rows by closed formulas (bucket, then the chain order that head insertion and
// reversing rehashes leave). Here a literal OVS hmap (head insertion; rehash when n / 2 > mask, walking
// the old chains in order and inserting at the head again) is run twice, as ovn-trace's IDL does: the
// JSON parser's map of the row UUIDs in text order, then the row map in that map's order. Its final
// iteration order must be the order IdlOrder.compare gives, for small and larger row counts and with
// hashes forced into few buckets (the chain order then decides most pairs).
// tie-order.test.ts checks the same against real ovn-trace.

import { describe, expect, it } from 'vitest';
import { hashString, hmapMask, IdlOrder, uuidHash } from '../../src/engine/lflow/idl-order.ts';
import { prng } from '../helpers/prng.ts';

interface Node {
  readonly key: string;
  readonly hash: number;
  next: Node | null;
}

/** An OVS hmap as lib/hmap.c keeps it; iterate() walks buckets in order, each chain from its head. */
class OvsHmap {
  private buckets: (Node | null)[] = [null];
  private mask = 0;
  private n = 0;

  insert(key: string, hash: number): void {
    this.insertFast({ key, hash, next: null });
    if (Math.floor(this.n / 2) > this.mask) this.resize();
  }

  private insertFast(node: Node): void {
    const b = (node.hash & this.mask) >>> 0;
    node.next = this.buckets[b]!;
    this.buckets[b] = node;
    this.n++;
  }

  private resize(): void {
    const old = this.buckets;
    let m = Math.floor(this.n / 2);
    for (const s of [1, 2, 4, 8, 16]) m |= m >>> s;
    this.mask = m | ((m & 1) << 1);
    this.buckets = Array.from({ length: this.mask + 1 }, () => null);
    this.n = 0;
    for (const head of old)
      for (let node = head; node; ) {
        const next = node.next;
        this.insertFast(node);
        node = next;
      }
  }

  get bucketMask(): number {
    return this.mask;
  }

  iterate(): string[] {
    const out: string[] = [];
    for (const head of this.buckets) for (let node = head; node; node = node.next) out.push(node.key);
    return out;
  }
}

function uuids(n: number, seed: number, firstBits: (i: number) => number): string[] {
  const next = prng(seed);
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  return Array.from(
    { length: n },
    (_, i) =>
      `${(firstBits(i) >>> 0).toString(16).padStart(8, '0')}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
  );
}

/** ovn-trace's row order: the parser's map in text order, then the IDL's row map in that order. */
function ovsOrder(text: readonly string[]): string[] {
  const parser = new OvsHmap();
  for (const u of text) parser.insert(u, hashString(u));
  const rows = new OvsHmap();
  for (const u of parser.iterate()) rows.insert(u, uuidHash(u));
  expect(rows.bucketMask).toBe(hmapMask(text.length));
  return rows.iterate();
}

function ourOrder(text: readonly string[]): string[] {
  const order = new IdlOrder(text.length, () => text);
  const rows = text.map((u) => ({ flow: { uuid: u }, rowHash: uuidHash(u) }));
  return rows.sort((a, b) => order.compare(a, b)).map((r) => r.flow.uuid);
}

describe('IdlOrder against a literal OVS hmap', () => {
  it.each([1, 2, 3, 7, 8, 9, 16, 31, 64, 100, 257, 1000, 5000])('%i rows, random UUIDs', (n) => {
    const next = prng(n);
    const text = uuids(n, 1000 + n, () => Math.floor(next() * 2 ** 32));
    expect(ourOrder(text)).toEqual(ovsOrder(text));
  });

  it.each([9, 40, 300, 2000])('%i rows packed into 4 row-map buckets (chain order decides)', (n) => {
    const next = prng(n);
    // The low 20 bits hold 0..3 only: every mask below 2^20 sees four buckets.
    const text = uuids(n, 7 * n, (i) => (Math.floor(next() * 2 ** 12) << 20) | (i % 4));
    expect(ourOrder(text)).toEqual(ovsOrder(text));
  });

  it('hmapMask follows the growth rule: 0, 3 from 2 rows, 7 from 8, then doubling at each power of two', () => {
    expect([0, 1, 2, 7, 8, 15, 16, 31, 32, 57662].map(hmapMask)).toEqual([
      0, 0, 3, 3, 7, 7, 15, 15, 31, 32767,
    ]);
  });
});
