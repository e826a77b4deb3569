// A read-only map made of a base map and a small set of edits, so a big index (10k ports by IP, say)
// can follow one changed row without copying every entry. The base is never changed (the previous
// topology still reads it); once the edits grow past a fraction of the base they are folded into a
// fresh plain Map, which keeps lookups at most two probes deep and copying rare.

const GONE = Symbol('gone');
type Edit<V> = V | typeof GONE;

export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly size: number;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly edits: ReadonlyMap<K, Edit<V>>,
  ) {
    let size = base.size;
    for (const [k, e] of edits) {
      if (e === GONE) size -= 1;
      else if (!base.has(k)) size += 1;
    }
    this.size = size;
  }

  /**
   * `prev` with `changes` applied (undefined = delete). Values must not be undefined. Returns a plain Map
   * when the edits piled up since the last fold reach `fold` of the base's size.
   */
  static patch<K, V>(
    prev: ReadonlyMap<K, V>,
    changes: ReadonlyMap<K, V | undefined>,
    fold = 1 / 16,
  ): ReadonlyMap<K, V> {
    const base = prev instanceof OverlayMap ? (prev.base as ReadonlyMap<K, V>) : prev;
    const edits = new Map<K, Edit<V>>(prev instanceof OverlayMap ? prev.edits : []);
    for (const [k, v] of changes) {
      if (v !== undefined) edits.set(k, v);
      else if (base.has(k)) edits.set(k, GONE);
      else edits.delete(k);
    }
    const next = new OverlayMap(base, edits);
    return edits.size > Math.max(256, base.size * fold) ? new Map(next) : next;
  }

  get(k: K): V | undefined {
    const e = this.edits.get(k);
    if (e === undefined) return this.base.get(k);
    return e === GONE ? undefined : e;
  }

  has(k: K): boolean {
    const e = this.edits.get(k);
    return e === undefined ? this.base.has(k) : e !== GONE;
  }

  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) {
      const e = this.edits.get(k);
      if (e === undefined) yield [k, v];
      else if (e !== GONE) yield [k, e];
    }
    for (const [k, e] of this.edits) if (e !== GONE && !this.base.has(k)) yield [k, e];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, self?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(self, v, k, this);
  }
}
