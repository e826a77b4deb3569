// Incremental framing of JSON-RPC values sent back to back on a byte stream (OVSDB has no delimiter).
// Bytes are scanned once as they arrive; a value is decoded only when complete, so a value split at any
// byte — including inside a multi-byte UTF-8 character — is handled, and big values cost O(size).
// While scanning, the framer notes the outline of the shallow containers; a value bigger than `bigBytes`
// is returned undecoded with that outline, so the caller can decode it in slices (json-slices.ts).

import { OUTLINE_DEPTH, type Outline, parseInSlices, SlicedJsonError } from './json-slices.ts';

/** Thrown for a stream that cannot be JSON (the connection must then be dropped). */
export class JsonStreamError extends Error {}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** A complete value too big to decode in one go: its bytes and outline, decoded by `parse()` in slices. */
export class BigValue {
  constructor(
    readonly bytes: Buffer,
    private readonly outline: Outline,
    private readonly leafBytes?: number,
  ) {}

  /** Decodes the value, yielding between pieces; throws JsonStreamError for bad JSON. */
  *parse(): Generator<void, unknown> {
    try {
      return yield* parseInSlices(this.bytes, this.outline, this.leafBytes);
    } catch (err) {
      if (err instanceof SlicedJsonError) throw new JsonStreamError(`bad JSON-RPC message: ${err.message}`);
      throw err;
    }
  }

  /** Decodes the value in one go. */
  parseNow(): unknown {
    const steps = this.parse();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }
}

/** One framed value: decoded, or (when big) to be decoded by the caller. */
export type Frame = { readonly value: unknown } | { readonly big: BigValue };

export class JsonStreamParser {
  /** Chunks of the value being read (the last may continue past the value). */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  /** The outline of the value being read (see Outline); `open`: events of the containers still open. */
  private pos: number[] = [];
  private kind: number[] = [];
  private match: number[] = [];
  private readonly open: number[] = [];
  /** Largest value accepted, so a broken peer cannot grow memory without bound. */
  private readonly maxBytes: number;
  /** Values bigger than this come out of pushFrames undecoded (BigValue). */
  private readonly bigBytes: number;

  /** Pieces of a BigValue are about this big (default LEAF_BYTES; tests make it tiny). */
  private readonly leafBytes: number | undefined;

  constructor(maxBytes = 1 << 30, bigBytes = Number.POSITIVE_INFINITY, leafBytes?: number) {
    this.maxBytes = maxBytes;
    this.bigBytes = bigBytes;
    this.leafBytes = leafBytes;
  }

  /** Feeds one chunk; returns every value completed by it, in order, big ones decoded too. */
  push(chunk: Buffer): unknown[] {
    return this.pushFrames(chunk).map((f) => ('value' in f ? f.value : f.big.parseNow()));
  }

  /** Feeds one chunk; returns every value completed by it, in order, big ones undecoded. */
  pushFrames(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.started) {
        if (isSpace(b)) {
          start = i + 1;
          continue;
        }
        if (b !== OPEN_BRACE && b !== OPEN_BRACKET)
          throw new JsonStreamError(`unexpected byte 0x${b.toString(16)} between JSON-RPC messages`);
        this.started = true;
        start = i;
      }
      if (this.scan(b, this.partsLength + i - start)) {
        out.push(this.finish(chunk.subarray(start, i + 1)));
        start = i + 1;
      }
    }
    if (this.started && start < chunk.length) this.keep(chunk.subarray(start));
    return out;
  }

  /** Bytes buffered for an incomplete value. */
  pending(): number {
    return this.partsLength;
  }

  /** Advances the scanner by one byte at offset `at` of the value; true when it closed the outermost value. */
  private scan(b: number, at: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) this.inString = false;
      return false;
    }
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++this.depth <= OUTLINE_DEPTH) {
        this.open.push(this.pos.length);
        this.note(b, at);
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      if (this.depth <= OUTLINE_DEPTH) {
        this.match[this.open.pop()!] = this.pos.length;
        this.note(b, at);
      }
      this.depth--;
      return this.depth === 0;
    } else if ((b === COMMA || b === COLON) && this.depth <= OUTLINE_DEPTH) this.note(b, at);
    return false;
  }

  private note(b: number, at: number): void {
    this.pos.push(at);
    this.kind.push(b);
    this.match.push(-1);
  }

  private keep(part: Buffer): void {
    // Copy: the socket may reuse the chunk's memory.
    this.parts.push(Buffer.from(part));
    this.partsLength += part.length;
    if (this.partsLength > this.maxBytes)
      throw new JsonStreamError(`JSON-RPC message larger than ${this.maxBytes} bytes`);
  }

  private finish(tail: Buffer): Frame {
    const whole = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    const outline = { pos: this.pos, kind: this.kind, match: this.match };
    this.parts = [];
    this.partsLength = 0;
    this.started = false;
    this.pos = [];
    this.kind = [];
    this.match = [];
    // Copy: `tail` may be the socket's memory, which it reuses once this read is handled.
    if (whole.length > this.bigBytes)
      return { big: new BigValue(whole === tail ? Buffer.from(tail) : whole, outline, this.leafBytes) };
    try {
      return { value: JSON.parse(whole.toString('utf8')) };
    } catch (err) {
      throw new JsonStreamError(`bad JSON-RPC message: ${(err as Error).message}`);
    }
  }
}
