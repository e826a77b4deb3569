// Incremental framing of JSON-RPC values sent back to back on a byte stream (OVSDB has no delimiter).
// Bytes are scanned once as they arrive; a value is decoded only when complete, so a value split at any
// byte — including inside a multi-byte UTF-8 character — is handled, and big values cost O(size).

/** Thrown for a stream that cannot be JSON (the connection must then be dropped). */
export class JsonStreamError extends Error {}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

export class JsonStreamParser {
  /** Chunks of the value being read (the last may continue past the value). */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  /** Largest value accepted, so a broken peer cannot grow memory without bound. */
  private readonly maxBytes: number;

  constructor(maxBytes = 1 << 30) {
    this.maxBytes = maxBytes;
  }

  /** Feeds one chunk; returns every value completed by it, in order. */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
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
      if (this.scan(b)) {
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

  /** Advances the scanner by one byte; true when it closed the outermost value. */
  private scan(b: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) this.inString = false;
      return false;
    }
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      this.depth--;
      return this.depth === 0;
    }
    return false;
  }

  private keep(part: Buffer): void {
    // Copy: the socket may reuse the chunk's memory.
    this.parts.push(Buffer.from(part));
    this.partsLength += part.length;
    if (this.partsLength > this.maxBytes)
      throw new JsonStreamError(`JSON-RPC message larger than ${this.maxBytes} bytes`);
  }

  private finish(tail: Buffer): unknown {
    const whole = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    this.partsLength = 0;
    this.started = false;
    try {
      return JSON.parse(whole.toString('utf8'));
    } catch (err) {
      throw new JsonStreamError(`bad JSON-RPC message: ${(err as Error).message}`);
    }
  }
}
