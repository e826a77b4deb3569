// Lexer for OVN's match-expression language: turns match text into tokens with their offsets.
// The token set and the number syntax (decimal, 0x hex, IPv4, IPv6, MAC, each with an optional /mask)
// follow the behaviour of OVN's lib/lex.c, because a match must be rejected exactly when OVN rejects it.

import { parseIpv4, parseIpv6 } from '../net/addr.ts';

export type TokenType =
  | 'id'
  | 'string'
  | 'int'
  | 'addrset'
  | 'portgroup'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '!'
  | '&&'
  | '||'
  | '='
  | '..'
  | ','
  | ';'
  | ':'
  | '--'
  | '<->'
  | 'error'
  | 'end';

/** How an integer constant was written; decides which masks are legal and the constant's width. */
export type IntFormat = 'decimal' | 'hex' | 'ipv4' | 'ipv6' | 'mac';

export interface Token {
  readonly type: TokenType;
  /** Offset of the token's first character in the match text. */
  readonly offset: number;
  /** Identifier, string contents, set/group name, or error message. */
  readonly text: string;
  readonly value: bigint;
  /** Present for a masked constant (`value/mask`). */
  readonly mask: bigint | undefined;
  readonly format: IntFormat;
}

const MAX_BITS = 128n;
const ALL_ONES = (1n << MAX_BITS) - 1n;

function tok(type: TokenType, offset: number, text = ''): Token {
  return { type, offset, text, value: 0n, mask: undefined, format: 'decimal' };
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const code = (c: string | undefined): number => (c === undefined ? -1 : c.charCodeAt(0));
/** `_` and `.` may start an identifier, as in OVN (`.` alone is then the `..` token or an error). */
const isIdStart = (c: string | undefined): boolean => {
  const n = code(c);
  return isLetter(n) || n === 95 || n === 46;
};
const isIdChar = (c: string | undefined): boolean => isIdStart(c) || isDigit(code(c));
const isAlnum = (c: string | undefined): boolean => isLetter(code(c)) || isDigit(code(c));

/** Tokenizes the whole match; stops after the first error token (the parser reports it). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let p = 0;
  for (;;) {
    const [t, next] = nextToken(src, p);
    out.push(t);
    if (t.type === 'end' || t.type === 'error') {
      if (t.type === 'error') out.push(tok('end', next));
      return out;
    }
    p = next;
  }
}

/** Skips blanks and comments; returns the new position or an error token for an open comment. */
function skipSpace(src: string, p: number): number | Token {
  for (;;) {
    const c = src[p];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f') p++;
    else if (c === '/' && src[p + 1] === '/') {
      while (p < src.length && src[p] !== '\n') p++;
    } else if (c === '/' && src[p + 1] === '*') {
      const start = p;
      p += 2;
      for (;;) {
        if (src[p] === '*' && src[p + 1] === '/') {
          p += 2;
          break;
        }
        if (p >= src.length || src[p] === '\n') return tok('error', start, "`/*' without matching `*/'.");
        p++;
      }
    } else return p;
  }
}

const SIMPLE: Record<string, TokenType> = {
  '(': '(',
  ')': ')',
  '{': '{',
  '}': '}',
  '[': '[',
  ']': ']',
  ',': ',',
  ';': ';',
};

function nextToken(src: string, p0: number): [Token, number] {
  const skipped = skipSpace(src, p0);
  if (typeof skipped !== 'number') return [skipped, src.length];
  const p = skipped;
  const c = src[p];
  const c1 = src[p + 1];
  if (c === undefined) return [tok('end', p), p];
  const simple = SIMPLE[c];
  if (simple) return [tok(simple, p), p + 1];
  switch (c) {
    case '/':
      return [tok('error', p, "`/' is only valid as part of `//' or `/*'."), p + 1];
    case '=':
      return c1 === '=' ? [tok('==', p), p + 2] : [tok('=', p), p + 1];
    case '!':
      return c1 === '=' ? [tok('!=', p), p + 2] : [tok('!', p), p + 1];
    case '&':
      return c1 === '&'
        ? [tok('&&', p), p + 2]
        : [tok('error', p, "`&' is only valid as part of `&&'."), p + 1];
    case '|':
      return c1 === '|'
        ? [tok('||', p), p + 2]
        : [tok('error', p, "`|' is only valid as part of `||'."), p + 1];
    case '<':
      if (c1 === '=') return [tok('<=', p), p + 2];
      if (c1 === '-' && src[p + 2] === '>') return [tok('<->', p), p + 3];
      return [tok('<', p), p + 1];
    case '>':
      return c1 === '=' ? [tok('>=', p), p + 2] : [tok('>', p), p + 1];
    case '.':
      return c1 === '.'
        ? [tok('..', p), p + 2]
        : [tok('error', p, "`.' is only valid as part of `..' or a number."), p + 1];
    case '-':
      return c1 === '-'
        ? [tok('--', p), p + 2]
        : [tok('error', p, "`-' is only valid as part of `--'."), p + 1];
    case '$':
    case '@':
      return lexReference(src, p);
    case '"':
      return lexString(src, p);
    case ':':
      if (c1 !== ':') return [tok(':', p), p + 1];
      return lexInteger(src, p);
  }
  if (c >= '0' && c <= '9') return lexInteger(src, p);
  if (/[a-fA-F]/.test(c)) {
    // A MAC or IPv6 address can start with a hex letter; it always has a colon right after the leading
    // hex digits, which an identifier never has.
    let q = p;
    while (q < src.length && /[0-9a-fA-F]/.test(src[q]!)) q++;
    if (src[q] === ':') return lexInteger(src, p);
  }
  if (isIdStart(c)) return lexId(src, p, 'id');
  return [tok('error', p, `Invalid character \`${c}' in input.`), p + 1];
}

function lexId(src: string, p: number, type: TokenType, textStart = p): [Token, number] {
  let q = p + 1;
  while (isIdChar(src[q])) q++;
  return [tok(type, textStart, src.slice(p, q)), q];
}

function lexReference(src: string, p: number): [Token, number] {
  const sigil = src[p]!;
  if (!isIdStart(src[p + 1]))
    return [tok('error', p, `\`${sigil}' must be followed by a valid identifier.`), p + 1];
  const [t, q] = lexId(src, p + 1, sigil === '$' ? 'addrset' : 'portgroup', p);
  return [t, q];
}

function lexString(src: string, p: number): [Token, number] {
  let q = p + 1;
  for (;;) {
    if (q >= src.length) return [tok('error', p, 'Input ends inside quoted string.'), q];
    const c = src[q];
    if (c === '"') break;
    q += c === '\\' ? 2 : 1;
  }
  const body = src.slice(p, q + 1);
  try {
    const s = JSON.parse(body) as string;
    return [tok('string', p, s), q + 1];
  } catch {
    return [tok('error', p, `Invalid JSON string ${body}.`), q + 1];
  }
}

interface Num {
  value: bigint;
  format: IntFormat;
}

/** Finds the extent of a number: alphanumerics, colons (not after a dot), dots (not `..`). */
function numberExtent(src: string, p: number): number {
  let q = p;
  let sawDot = false;
  for (;;) {
    const c = src[q];
    if (isAlnum(c) || (c === ':' && !sawDot)) q++;
    else if (c === '.' && src[q + 1] !== '.') {
      sawDot = true;
      q++;
    } else return q;
  }
}

function parseNumber(text: string): Num | string {
  if (text.length === 0) return 'Integer constant expected.';
  if (text.length === 17 && /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(text)) {
    return {
      value: BigInt(
        `0x${text
          .split(':')
          .map((h) => h.padStart(2, '0'))
          .join('')}`,
      ),
      format: 'mac',
    };
  }
  if (/^[0-9]+$/.test(text)) {
    if (text[0] === '0' && text.length > 1) return 'Decimal constants must not have leading zeros.';
    const v = BigInt(text);
    if (v >= 1n << 64n) return 'Decimal constants must be less than 2**64.';
    return { value: v, format: 'decimal' };
  }
  if (/^0[xX]/.test(text)) {
    const digits = text.slice(2);
    if (digits.length === 0) return `Hex digits expected following 0${text[1]}.`;
    if (!/^[0-9a-fA-F]+$/.test(digits)) return 'Invalid syntax in hexadecimal constant.';
    const v = BigInt(`0x${digits}`);
    if (v > ALL_ONES) return 'Hexadecimal constant requires more than 128 bits.';
    return { value: v, format: 'hex' };
  }
  const v4 = /^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/.test(text) ? parseIpv4(text) : null;
  if (v4 !== null) return { value: BigInt(v4), format: 'ipv4' };
  const v6 = text.length < 46 ? parseIpv6(text) : null;
  if (v6 !== null) return { value: v6, format: 'ipv6' };
  return 'Invalid numeric constant.';
}

function prefixMask(bits: number, width: number): bigint {
  return ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

/** Combines a value and the number after `/` the way OVN does (same format, or a CIDR length). */
function combineMask(v: Num, m: Num): bigint | string {
  if (v.format === m.format) return m.value;
  if (v.format === 'ipv4' && m.format === 'decimal' && m.value <= 32n) return prefixMask(Number(m.value), 32);
  if (v.format === 'ipv6' && m.format === 'decimal' && m.value <= 128n)
    return prefixMask(Number(m.value), 128);
  if (v.format === 'decimal' && m.format === 'hex' && v.value === 0n) {
    v.format = 'hex';
    return m.value;
  }
  return 'Value and mask have incompatible formats.';
}

function lexInteger(src: string, p: number): [Token, number] {
  const end = numberExtent(src, p);
  const v = parseNumber(src.slice(p, end));
  if (typeof v === 'string') return [tok('error', p, v), end];
  if (src[end] !== '/') return [{ ...tok('int', p), value: v.value, format: v.format }, end];
  const mEnd = numberExtent(src, end + 1);
  const m = parseNumber(src.slice(end + 1, mEnd));
  if (typeof m === 'string') return [tok('error', end + 1, m), mEnd];
  const mask = combineMask(v, m);
  if (typeof mask === 'string') return [tok('error', p, mask), mEnd];
  // Newer OVN rejects 1-bits outside the mask ("Value contains unmasked 1-bits."); 23.03 accepts them
  // and matches as if they were 0 (checked with real ovn-trace: 10.0.0.1/8 matches 10.9.0.1).
  return [{ ...tok('int', p), value: v.value & mask, mask, format: v.format }, mEnd];
}
