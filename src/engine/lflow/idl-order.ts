// Which of two equal-priority flows ovn-trace tries first. OVN leaves it open ("who cares", ovn-trace's
// sort), but northd does write overlapping flows of one priority with different actions (23.03's
// ls_out_pre_lb at 110: `ip && outport == "<router port>"` clears conntrack, `reg0[16] == 1` does not),
// and the trace of a hairpinned load-balanced packet turns on which one runs. ovn-trace reads the
// Logical_Flow rows through the OVSDB IDL, whose rows live in an OVS hmap keyed by the first 32 bits of
// their UUID (uuid_hash), appends each to its datapaths' lists in that map's iteration order and sorts
// each list by table and priority with glibc's qsort, a merge sort: stable. So among equal priorities
// the order is the hmap's: by bucket (hash & mask, ascending), then along the bucket's chain.
//
// An OVS hmap inserts at the head of a chain and, once it holds more than twice its bucket count,
// rehashes into a larger table by walking the old chains in order and inserting each node at the head
// again, which reverses every chain it moves (lib/hmap.c). Two rows that share a bucket therefore end in
// an order that depends on when each arrived: the newer one first, flipped once per rehash since it
// arrived. A fresh ovn-trace inserts the rows in the iteration order of its JSON parser's map of the
// monitor reply's row UUIDs (another OVS hmap, keyed by hash_string of the UUID text, filled in text
// order); we take the text order to be the one our own reader received (the same server, the same rows)
// and simulate both maps; a row that arrived later counts as newer. Within one bucket that is an
// approximation for a live SB (a fresh ovn-trace would see ovsdb-server's current order); across buckets
// the order is exact, and rows sharing a bucket are rare (about one in `mask` pairs).
// test/engine-lflow/idl-order.test.ts checks the formulas against a literal hmap, tie-order.test.ts the
// whole against real ovn-trace.

/**
 * An OVS hmap after `n` insertions into an empty one: its bucket mask, and the row counts at which an
 * insertion made it rehash (it grows once n / 2 exceeds the mask, to lib/hmap.c's calc_mask(n)).
 */
function growth(n: number): { mask: number; cuts: number[] } {
  const cuts: number[] = [];
  let mask = 0;
  for (let at = 2; at <= n; at = 2 * (mask + 1)) {
    cuts.push(at);
    mask = calcMask(at);
  }
  return { mask, cuts };
}

/** The bucket mask of an OVS hmap after `n` insertions into an empty one. */
export function hmapMask(n: number): number {
  return growth(n).mask;
}

function calcMask(capacity: number): number {
  let m = Math.floor(capacity / 2);
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m | ((m & 1) << 1);
}

/** uuid_hash: the UUID's first 32 bits (its first eight hex digits). */
export function uuidHash(uuid: string): number {
  return Number.parseInt(uuid.slice(0, 8), 16) >>> 0;
}

function mhashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = (d << 15) | (d >>> 17);
    d = Math.imul(d, 0x1b873593);
    hash ^= d;
  }
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

/**
 * OVS's hash_string(s, 0) (lib/hash.c hash_bytes over murmur-style mhash steps, the build without SSE
 * 4.2 CRC instructions, as Debian's x86-64 packages are): how an OVSDB client's JSON parser places an
 * object's member names, here the row UUIDs of a table update.
 */
export function hashString(s: string): number {
  let hash = 0;
  const n = s.length;
  let i = 0;
  for (; i + 4 <= n; i += 4)
    hash = mhashAdd(
      hash,
      s.charCodeAt(i) |
        (s.charCodeAt(i + 1) << 8) |
        (s.charCodeAt(i + 2) << 16) |
        (s.charCodeAt(i + 3) << 24),
    );
  if (i < n) {
    let tail = 0;
    for (let k = 0; i + k < n; k++) tail |= s.charCodeAt(i + k) << (8 * k);
    hash = mhashAdd(hash, tail);
  }
  hash ^= n;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Order along one chain of an OVS hmap that rehashed at the row counts `cuts`, for two entries of one
 * bucket with 1-based insertion ranks `ra` and `rb`: negative when `a` comes first. The newer is at the
 * head when it arrived, and every rehash since reversed the chain.
 */
function chainOrder(ra: number, rb: number, cuts: readonly number[]): number {
  const newer = Math.max(ra, rb);
  let flips = 0;
  for (const t of cuts) if (t >= newer) flips++;
  return ra > rb === (flips % 2 === 0) ? -1 : 1;
}

/** What the order needs of a flow: its row's UUID and uuidHash of it (computed once). */
export interface OrderedRow {
  readonly flow: { readonly uuid: string };
  readonly rowHash: number;
}

/**
 * ovn-trace's order among equal-priority rows of one SB state: `rows` is the number of Logical_Flow
 * rows, `arrival` gives the row UUIDs in the order our reader received them (asked only for rows that
 * share a bucket). ovn-trace's IDL inserts the rows in the iteration order of its JSON parser's map of the
 * table update's members (an OVS shash keyed by hash_string of the UUID text, filled in text order) into
 * the row map keyed by uuid_hash: both steps are simulated.
 */
export class IdlOrder {
  private mask: number;
  private cuts: number[];
  private ranks: Map<string, number> | null = null;
  /** hash_string of each row UUID met (a row's never changes). */
  private readonly parserHash = new Map<string, number>();

  /** `reversed`: the opposite order (to find the answers that depend on it). */
  constructor(
    rows: number,
    private readonly arrival: () => Iterable<string>,
    private readonly reversed = false,
  ) {
    ({ mask: this.mask, cuts: this.cuts } = growth(rows));
  }

  /** Rows were added or removed: true when the bucket mask changed (every tie may sort anew). */
  resize(rows: number): boolean {
    this.ranks = null;
    const before = this.mask;
    ({ mask: this.mask, cuts: this.cuts } = growth(rows));
    return this.mask !== before;
  }

  /** Negative when ovn-trace tries `a` before `b` (both of one priority). */
  compare(a: OrderedRow, b: OrderedRow): number {
    return this.reversed ? -this.idlCompare(a, b) : this.idlCompare(a, b);
  }

  private idlCompare(a: OrderedRow, b: OrderedRow): number {
    const ba = (a.rowHash & this.mask) >>> 0;
    const bb = (b.rowHash & this.mask) >>> 0;
    if (ba !== bb) return ba - bb;
    if (a.flow.uuid === b.flow.uuid) return 0;
    const ranks = this.insertionRanks();
    // A row the reader has not listed (not expected) counts as the last one in.
    const ra = ranks.get(a.flow.uuid) ?? ranks.size + 1;
    const rb = ranks.get(b.flow.uuid) ?? ranks.size + 1;
    return chainOrder(ra, rb, this.cuts);
  }

  /**
   * Each row's 1-based place in the IDL's insertion order: the parser map's iteration order. Recomputed
   * after rows come or go (every row's place may move), so kept cheap: at L's 57k rows, a comparator sort
   * of objects took ~100 ms of the first traces after each such SB change; this is a counting sort by
   * bucket with typed arrays, and each UUID's hash_string computed once.
   */
  private insertionRanks(): Map<string, number> {
    if (this.ranks) return this.ranks;
    const uuids = [...this.arrival()];
    const n = uuids.length;
    // The parser's map holds the same number of members as the table has rows.
    const { mask, cuts } = growth(n);
    if (this.parserHash.size > 2 * n + 1024) this.parserHash.clear(); // rows long gone
    const bucket = new Int32Array(n);
    const start = new Int32Array(mask + 2);
    for (let i = 0; i < n; i++) {
      const uuid = uuids[i]!;
      let h = this.parserHash.get(uuid);
      if (h === undefined) {
        h = hashString(uuid);
        this.parserHash.set(uuid, h);
      }
      bucket[i] = (h & mask) >>> 0;
      start[bucket[i]! + 1]!++;
    }
    for (let b = 1; b < start.length; b++) start[b]! += start[b - 1]!;
    // Rows (by text index) in bucket order, in text order within a bucket ...
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[start[bucket[i]!]!++] = i;
    // ... then, where a bucket holds several, in the order of its chain.
    for (let lo = 0; lo < n; ) {
      let hi = lo + 1;
      while (hi < n && bucket[order[hi]!] === bucket[order[lo]!]) hi++;
      // An insertion sort: chains are a few rows long.
      for (let i = lo + 1; i < hi; i++) {
        const x = order[i]!;
        let j = i - 1;
        for (; j >= lo && chainOrder(order[j]! + 1, x + 1, cuts) > 0; j--) order[j + 1] = order[j]!;
        order[j + 1] = x;
      }
      lo = hi;
    }
    this.ranks = new Map();
    for (let r = 0; r < n; r++) this.ranks.set(uuids[order[r]!]!, r + 1);
    return this.ranks;
  }
}
