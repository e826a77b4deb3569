// The exact tests of a logical flow's match that the flow index can hash on: top-level conjuncts
// `FIELD == C`, `FIELD == {C1, C2, …}`, `FIELD == $set`, `inport/outport == @group`, where C may be a
// masked constant (`ip4.dst == 10.0.0.0/24`). Each is a necessary condition: a packet the flow matches
// has FIELD (under the mask) equal to one of the values. The index only narrows which flows it
// evaluates; the compiled match still decides, so a key may be missing but never wrong. Field readers
// come from the expression library's symbol table, so a key reads the packet exactly as the match does.

import {
  type ExactEntry,
  type ExactTest,
  type Flow,
  type RefResolver,
  resolveAddressSet,
  type Token,
  topLevelConjunctTokens,
} from '../../ovn/expr/index.ts';
import { baseField, lookupSymbol } from '../../ovn/expr/symbols.ts';

/** A key value as the field's reader gives it: numbers up to 32 bits, bigints beyond, port names. */
export type KeyValue = number | bigint | string;

/** One value a keyed field may have; `mask` null is an exact test of the whole field. */
export interface KeyEntry {
  readonly value: KeyValue;
  readonly mask: number | bigint | null;
}

/** How to read one keyed field from a packet. */
export interface KeyReader {
  readonly field: string;
  readonly kind: 'num' | 'big' | 'str';
  /** Field width in bits (0 for port names). */
  readonly width: number;
  readonly read: (f: Flow) => KeyValue;
}

/** Keyed field -> the values a matching packet may have there. */
export type FlowKeys = ReadonlyMap<string, readonly KeyEntry[]>;

export const NO_KEYS: FlowKeys = new Map();

const readers = new Map<string, KeyReader | null>();

/** The reader of `field`, or null when the field cannot be keyed (predicates, wide subfields). */
export function keyReader(field: string): KeyReader | null {
  let r = readers.get(field);
  if (r === undefined) readers.set(field, (r = makeReader(field)));
  return r;
}

/** A key on one 32-bit word of the registers (a test of register bits, exact-tests.ts), by its name. */
const REG_WORD = /^regs\[(\d+)\]$/;

function makeReader(field: string): KeyReader | null {
  const word = REG_WORD.exec(field);
  if (word) {
    const i = Number(word[1]);
    return { field, kind: 'num', width: 32, read: (f) => f.regs[i]! };
  }
  const sym = lookupSymbol(field, true);
  if (!sym || sym.kind === 'predicate') return null;
  const { field: base, ofs } = baseField(sym);
  if (sym.kind === 'field') {
    const r = base.reader;
    return { field, kind: r.kind, width: sym.width, read: r.read };
  }
  // A subfield (reg0 = xxreg0[96..127]): read the base field and cut the bits out.
  if (base.reader.kind !== 'big' || sym.width > 32) return null;
  const read = base.reader.read;
  const shift = BigInt(ofs);
  const bits = (1n << BigInt(sym.width)) - 1n;
  const slow = (f: Flow) => Number((read(f) >> shift) & bits);
  const reg = registerWord(slow);
  return { field, kind: 'num', width: sym.width, read: reg === null ? slow : (f) => f.regs[reg]! };
}

/**
 * The index of the one 32-bit word of `Flow.regs` a subfield reader returns, found by probing the reader
 * (so the register layout stays the symbol table's), or null when it reads anything else.
 */
function registerWord(read: (f: Flow) => number): number | null {
  const probe = (seed: number) => {
    const f = { regs: new Uint32Array(16).map((_, i) => (i + 1) * seed) } as unknown as Flow;
    try {
      return read(f);
    } catch {
      return null;
    }
  };
  const a = probe(0x01010101);
  const b = probe(0x00370011);
  if (a === null || b === null || a % 0x01010101 !== 0) return null;
  const i = a / 0x01010101 - 1;
  return i >= 0 && i < 16 && b === (i + 1) * 0x00370011 ? i : null;
}

/**
 * The keyable top-level exact tests of a match: from its tokens (tokenize's, as the compile read them:
 * `FIELD == C`, sets, groups), then from its annotated form (`tests`, exact-tests.ts: bit tests,
 * predicates, prerequisites) for the fields the tokens gave no key.
 */
export function flowKeys(
  tokens: readonly Token[],
  sets: RefResolver,
  tests: readonly ExactTest[] = [],
  portName: (name: string) => string = (name) => name,
): FlowKeys {
  const conj = topLevelConjunctTokens(tokens);
  let out: Map<string, readonly KeyEntry[]> | null = null;
  for (const t of conj ?? []) {
    if (t.length < 3 || t[0]!.type !== 'id' || t[1]!.type !== '==') continue;
    const reader = keyReader(t[0]!.text);
    if (!reader || out?.has(reader.field)) continue;
    const values = conjunctValues(reader, t, sets, portName);
    if (!values) continue;
    out ??= new Map();
    out.set(reader.field, values);
  }
  for (const t of tests) {
    const k = testKey(t);
    if (!k || out?.has(k.field)) continue;
    out ??= new Map();
    out.set(k.field, k.entries);
  }
  return out ?? NO_KEYS;
}

/** One exact test as a key: the field's own reader, or one register word (`regs[i]`) for register bits. */
function testKey(t: ExactTest): { field: string; entries: KeyEntry[] } | null {
  const r = t.field.reader;
  const all = (1n << BigInt(t.field.width)) - 1n;
  if (r.kind === 'num')
    return {
      field: t.field.name,
      entries: t.entries.map((e) => ({
        value: Number(e.value & e.mask),
        mask: e.mask === all ? null : Number(e.mask),
      })),
    };
  if (r.kind !== 'big') return null;
  if (!r.regs)
    return {
      field: t.field.name,
      entries: t.entries.map((e) => ({ value: e.value & e.mask, mask: e.mask === all ? null : e.mask })),
    };
  // Register bits: every entry must test bits of the same one word.
  let word: number | null = null;
  const entries: KeyEntry[] = [];
  for (const e of t.entries) {
    const w = registerWordOf(e, r.regs);
    if (!w || (word !== null && w.index !== word)) return null;
    word = w.index;
    entries.push({ value: w.value, mask: w.mask === 0xffffffff ? null : w.mask });
  }
  return word === null ? null : { field: `regs[${word}]`, entries };
}

/** The one 32-bit word of Flow.regs (most significant first) an entry tests, or null (none, or several). */
function registerWordOf(
  e: ExactEntry,
  regs: { readonly first: number; readonly count: number },
): { index: number; mask: number; value: number } | null {
  let found: { index: number; mask: number; value: number } | null = null;
  for (let w = 0; w < regs.count; w++) {
    const shift = BigInt(32 * (regs.count - 1 - w));
    const mask = Number((e.mask >> shift) & 0xffffffffn);
    if (mask === 0) continue;
    if (found) return null;
    found = { index: regs.first + w, mask, value: (Number((e.value >> shift) & 0xffffffffn) & mask) >>> 0 };
  }
  return found;
}

/**
 * Keys of one whole set or group per field, by the set's entry array (refs.ts keeps one per set, the
 * compile one per group): many flows name the same set (at L 20 flows name sets of 10k addresses, 478k
 * of the 696k key entries before they were shared). Weak, so a changed set's keys go with its array.
 */
const setKeys = new WeakMap<object, Map<string, readonly KeyEntry[] | null>>();

/** The keys of `FIELD == $set` / `FIELD == @group`: shared by every flow naming that set. */
function wholeSetValues(
  r: KeyReader,
  t: Token,
  sets: RefResolver,
  portName: (name: string) => string,
): readonly KeyEntry[] | null {
  const source = t.type === 'addrset' ? resolveAddressSet(sets, t.text) : sets.portGroup(t.text);
  if (!source) return null;
  let byField = setKeys.get(source);
  if (!byField) setKeys.set(source, (byField = new Map()));
  let keys = byField.get(r.field);
  if (keys === undefined) {
    const out: KeyEntry[] = [];
    byField.set(r.field, (keys = addItem(r, t, sets, out, portName) ? out : null));
  }
  return keys;
}

/** The values one `FIELD == …` conjunct (its tokens) allows, or null when it is no such test. */
function conjunctValues(
  r: KeyReader,
  toks: readonly Token[],
  sets: RefResolver,
  portName: (name: string) => string,
): readonly KeyEntry[] | null {
  const v = toks[2]!;
  let items: readonly Token[];
  if (toks.length === 3 && (v.type === 'addrset' || v.type === 'portgroup'))
    return wholeSetValues(r, v, sets, portName);
  if (toks.length === 3) items = [v];
  else if (v.type === '{' && toks.at(-1)?.type === '}')
    items = toks.slice(3, -1).filter((x) => x.type !== ',');
  else return null;
  const out: KeyEntry[] = [];
  for (const item of items) if (!addItem(r, item, sets, out, portName)) return null;
  return out;
}

function addItem(
  r: KeyReader,
  t: Token,
  sets: RefResolver,
  out: KeyEntry[],
  portName: (name: string) => string,
): boolean {
  if (r.kind === 'str') {
    if (t.type === 'string') out.push({ value: portName(t.text), mask: null });
    else if (t.type === 'portgroup') {
      const members = sets.portGroup(t.text);
      if (!members) return false;
      for (const m of members) out.push({ value: portName(m), mask: null });
    } else return false;
    return true;
  }
  if (t.type === 'int') return addInt(r, t.value, t.mask, out);
  if (t.type !== 'addrset') return false;
  // Parsed as the match parses it (entries it cannot read are skipped there too), cached per set.
  const entries = resolveAddressSet(sets, t.text);
  if (!entries) return false;
  for (const e of entries) if (!addInt(r, e.value, e.mask, out)) return false;
  return true;
}

function addInt(r: KeyReader, value: bigint, mask: bigint | undefined, out: KeyEntry[]): boolean {
  const all = (1n << BigInt(r.width)) - 1n;
  if (value > all || (mask !== undefined && mask > all)) return false;
  const m = mask === undefined || mask === all ? null : mask;
  const v = m === null ? value : value & m;
  if (r.kind === 'num') out.push({ value: Number(v), mask: m === null ? null : Number(m) });
  else out.push({ value: v, mask: m });
  return true;
}
