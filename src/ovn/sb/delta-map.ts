// An immutable map whose new versions cost the changed keys, not the whole map: a shared base map plus a
// small delta. SB updates make a new SbDatabase per batch while a follower or an in-flight trace may still
// read the previous one; copying the 57k-row Logical_Flow map at L for every batch cost 16-40 ms CPU and
// a large allocation that pulled garbage collections into the update (9-593 ms per apply).
// Iteration order is exactly a plain Map's after the same sets and deletes (a replaced key keeps its
// place, a deleted then re-added key goes last), so nothing that iterates a table sees a difference.
// Not ovn/topology's OverlayMap (this layer may not import it): that one keeps a re-added key in its old
// place and folds at 1/16 of the base (a 3.6k-entry delta copied per version at L's 57k flows).

/** Marks a base key deleted in this version. */
const GONE: unique symbol = Symbol('gone');
type Shadow<V> = V | typeof GONE;

/** One change: a value to set, or null to delete. */
export type MapEdit<K, V> = readonly [K, V | null];

/** Tables at most this big are copied whole: a plain Map reads fastest and the copy is cheap. */
const SMALL = 1024;

/**
 * The delta size at which a version is flattened into a new plain base. A new version copies its delta
 * (about bound/2 entries on average) and a flatten copies the whole map once per `bound` changes, so
 * ~√n balances the two; the floor keeps small tables from flattening all the time.
 */
export function flattenBound(size: number): number {
  return Math.max(SMALL, Math.ceil(4 * Math.sqrt(size)));
}

/**
 * A version of a map: `base` (never changed once shared) with `shadow` (base keys replaced, or GONE) and
 * `added` (keys not live in base, in insertion order). Invariant: a key of `added` is absent from `base`
 * or GONE in `shadow`. Values are objects (never undefined), so a get needs no extra `has`.
 */
export class DeltaMap<K, V extends object> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly shadow: ReadonlyMap<K, Shadow<V>>,
    private readonly added: ReadonlyMap<K, V>,
    readonly size: number,
  ) {}

  /** How many keys this version keeps beside its base (for tests and the flatten rule). */
  get deltaSize(): number {
    return this.shadow.size + this.added.size;
  }

  get(key: K): V | undefined {
    const a = this.added.get(key);
    if (a !== undefined) return a;
    const s = this.shadow.get(key);
    if (s !== undefined) return s === GONE ? undefined : s;
    return this.base.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): MapIterator<[K, V]> {
    const shadow = this.shadow;
    if (shadow.size === 0) yield* this.base.entries();
    else
      for (const [k, v] of this.base) {
        const s = shadow.get(k);
        if (s === undefined) yield [k, v];
        else if (s !== GONE) yield [k, s];
      }
    yield* this.added.entries();
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

  forEach(cb: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }

  /** A new version with `edits` applied in order; this one (and every older one) stays as it was. */
  with(edits: Iterable<MapEdit<K, V>>): DeltaMap<K, V> {
    const shadow = new Map(this.shadow);
    const added = new Map(this.added);
    let size = this.size;
    for (const [k, v] of edits) {
      const live = this.base.has(k) && shadow.get(k) !== GONE;
      if (v === null) {
        if (added.delete(k)) size--;
        else if (live) {
          shadow.set(k, GONE);
          size--;
        }
      } else if (added.has(k)) added.set(k, v);
      else if (live) shadow.set(k, v);
      else {
        added.set(k, v);
        size++;
      }
    }
    return new DeltaMap(this.base, shadow, added, size);
  }

  /** `map` as the base of a version with no changes yet (it must never be changed afterwards). */
  static over<K, V extends object>(map: ReadonlyMap<K, V>): DeltaMap<K, V> {
    return new DeltaMap(map, new Map(), new Map(), map.size);
  }
}

/**
 * `map` with `edits` applied, as a new immutable value: O(edits + delta) for a big map, a flatten into a
 * new plain base once the delta passes flattenBound, a plain copy for a small map. `map` is not changed.
 */
export function withEdits<K, V extends object>(
  map: ReadonlyMap<K, V>,
  edits: readonly MapEdit<K, V>[],
): ReadonlyMap<K, V> {
  const over = map instanceof DeltaMap ? (map as DeltaMap<K, V>) : null;
  const delta = (over?.deltaSize ?? 0) + edits.length;
  if (map.size <= SMALL || delta > flattenBound(map.size)) {
    const copy = new Map(map);
    for (const [k, v] of edits) {
      if (v === null) copy.delete(k);
      else copy.set(k, v);
    }
    return copy;
  }
  return (over ?? DeltaMap.over(map)).with(edits);
}
