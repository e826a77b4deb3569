// Decoding one big JSON value (a monitor reply or update of megabytes) in pieces, so the caller can give
// the event loop a turn between them (issue 18 item 5: one JSON.parse of a 5 MB update held the loop for
// ~50 ms, of a 30 MB SB reply for hundreds). The framer (json-stream.ts) already walks every byte to find
// where a value ends; it also notes where the shallow containers open and close and where their commas
// and colons are (the Outline). Here containers bigger than LEAF_BYTES are rebuilt member by member from
// that outline, and runs of small members are handed to JSON.parse together, wrapped in their brackets:
// JSON.parse still does all the byte-level work (and the syntax checks) on pieces of about LEAF_BYTES.

/** Containers nested deeper than this are not outlined (OVSDB rows sit at depth 4 of an update). */
export const OUTLINE_DEPTH = 5;

/** Pieces handed to JSON.parse are about this big. */
export const LEAF_BYTES = 64 * 1024;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COLON = 0x3a;

/**
 * Where the containers of depth <= OUTLINE_DEPTH open and close in one value, and where their own commas
 * and colons are: event i is byte `kind[i]` at offset `pos[i]`; `match[i]` is the index of the close of
 * the container opened at event i.
 */
export interface Outline {
  readonly pos: readonly number[];
  readonly kind: readonly number[];
  readonly match: readonly number[];
}

/** Thrown for a value that is not JSON. */
export class SlicedJsonError extends Error {}

function isOpen(k: number): boolean {
  return k === OPEN_BRACE || k === OPEN_BRACKET;
}

function blank(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

function put(out: Record<string, unknown> | unknown[], key: string | undefined, value: unknown): void {
  if (Array.isArray(out)) out.push(value);
  // A "__proto__" member is data (as JSON.parse makes it), not the object's prototype.
  else if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key!] = value;
}

/**
 * Decodes `buf` (one whole JSON object or array, outlined by `outline`), yielding after each piece; the
 * result equals JSON.parse of the whole. Throws SlicedJsonError where JSON.parse would throw.
 */
export function* parseInSlices(
  buf: Buffer,
  outline: Outline,
  leafBytes = LEAF_BYTES,
): Generator<void, unknown> {
  if (outline.kind.length === 0 || !isOpen(outline.kind[0]!))
    throw new SlicedJsonError('not a JSON object or array');
  return yield* container({ buf, o: outline, leaf: leafBytes }, 0);
}

interface Input {
  readonly buf: Buffer;
  readonly o: Outline;
  /** Pieces handed to JSON.parse are about this big (tests make it tiny). */
  readonly leaf: number;
}

/** The container opened at event `ev`, member by member; runs of small members in one JSON.parse. */
function* container(input: Input, ev: number): Generator<void, unknown> {
  const { buf, o, leaf } = input;
  const isObj = o.kind[ev] === OPEN_BRACE;
  const close = o.match[ev]!;
  const out: Record<string, unknown> | unknown[] = isObj ? {} : [];
  let memberStart = o.pos[ev]! + 1;
  let runStart = memberStart;
  let runMembers = 0;
  let members = 0;
  let colonAt = -1;
  let child = -1;
  const flush = (end: number) => {
    if (runMembers === 0) return;
    const text = buf.toString('utf8', runStart, end);
    const part = parse(isObj ? `{${text}}` : `[${text}]`) as Record<string, unknown> | unknown[];
    if (Array.isArray(part)) for (const v of part) put(out, undefined, v);
    else for (const k of Object.keys(part)) put(out, k, part[k]);
    runMembers = 0;
  };
  for (let i = ev + 1; ; i++) {
    const k = o.kind[i]!;
    if (isOpen(k)) {
      if (child < 0) child = i;
      i = o.match[i]!;
      continue;
    }
    if (k === COLON) {
      if (!isObj || colonAt >= 0) throw new SlicedJsonError(`unexpected ':' at byte ${o.pos[i]}`);
      colonAt = o.pos[i]!;
      continue;
    }
    // A comma or this container's close: one member ends here.
    const end = o.pos[i]!;
    if (i === close && members === 0 && colonAt < 0 && blank(buf, memberStart, end)) break;
    if (isObj && colonAt < 0) throw new SlicedJsonError(`member without ':' before byte ${end}`);
    // An empty element ("[1, ]") would vanish in a run of its own, where JSON.parse sees "[ ]".
    if (!isObj && blank(buf, memberStart, end)) throw new SlicedJsonError(`empty element before byte ${end}`);
    const valueStart = isObj ? colonAt + 1 : memberStart;
    if (child >= 0 && end - valueStart > leaf) {
      flush(memberStart - 1);
      yield;
      const key = isObj ? keyOf(buf, memberStart, colonAt) : undefined;
      if (!blank(buf, valueStart, o.pos[child]!) || !blank(buf, o.pos[o.match[child]!]! + 1, end))
        throw new SlicedJsonError(`unexpected bytes around the value before byte ${end}`);
      put(out, key, yield* container(input, child));
      runStart = end + 1;
    } else {
      runMembers++;
      if (end - runStart >= leaf) {
        flush(end);
        yield;
        runStart = end + 1;
      }
    }
    members++;
    memberStart = end + 1;
    colonAt = -1;
    child = -1;
    if (i === close) break;
  }
  flush(o.pos[close]!);
  return out;
}

function keyOf(buf: Buffer, from: number, to: number): string {
  const key = parse(buf.toString('utf8', from, to));
  if (typeof key !== 'string') throw new SlicedJsonError(`object key is not a string before byte ${to}`);
  return key;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SlicedJsonError((err as Error).message);
  }
}
