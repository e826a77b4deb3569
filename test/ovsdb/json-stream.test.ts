// The incremental JSON-RPC framer: values back to back, any chunking, UTF-8 split across chunks.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonStreamError, JsonStreamParser } from '../../src/ovsdb/json-stream.ts';

function feed(parser: JsonStreamParser, bytes: Buffer, cuts: number[]): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...parser.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return out;
}

describe('JsonStreamParser', () => {
  it('splits values sent back to back without delimiters', () => {
    const p = new JsonStreamParser();
    const text = '{"id":1,"result":[]}[1,2]\n {"method":"echo","params":[],"id":"echo"}';
    expect(p.push(Buffer.from(text))).toEqual([
      { id: 1, result: [] },
      [1, 2],
      { method: 'echo', params: [], id: 'echo' },
    ]);
    expect(p.pending()).toBe(0);
  });

  it('is not fooled by brackets, quotes and escapes inside strings', () => {
    const p = new JsonStreamParser();
    const v = { match: 'ip4.src == {10.0.0.1, "x"} && a[1] \\"}]', n: '\\' };
    expect(p.push(Buffer.from(JSON.stringify(v) + JSON.stringify(v)))).toEqual([v, v]);
  });

  it('decodes a message fed one byte at a time, multi-byte UTF-8 included', () => {
    const p = new JsonStreamParser();
    const v = { name: 'übung-端口-😀', list: ['ä', { z: 'ß' }] };
    const bytes = Buffer.from(JSON.stringify(v));
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(feed(p, bytes, cuts)).toEqual([v]);
  });

  it('returns the same values for any chunking of any stream of values', () => {
    const value = fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), fc.array(fc.nat()), (values, rawCuts) => {
        const bytes = Buffer.from(values.map((v) => JSON.stringify(v)).join(''));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        // JSON.stringify turns -0 into 0; compare through the same round trip.
        expect(feed(new JsonStreamParser(), bytes, cuts)).toEqual(
          values.map((v) => JSON.parse(JSON.stringify(v))),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('rejects bytes that cannot start a JSON-RPC message', () => {
    expect(() => new JsonStreamParser().push(Buffer.from('hello'))).toThrow(JsonStreamError);
    expect(() => new JsonStreamParser().push(Buffer.from('{"a":tru}'))).toThrow(/bad JSON-RPC message/);
  });

  it('refuses a message larger than its limit', () => {
    const p = new JsonStreamParser(16);
    expect(() => p.push(Buffer.from('{"a":"0123456789abcdef'))).toThrow(/larger than 16 bytes/);
  });
});
