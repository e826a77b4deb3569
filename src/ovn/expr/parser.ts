// Recursive-descent parser for OVN matches, with OVN's grouping rules and checks (lib/expr.c):
// `&&` and `||` may not be mixed without parentheses, `!` needs an atomic operand, nominal fields
// (inport, eth.type, ip.proto, ...) may only be tested for equality once enclosing `!`s are counted,
// nominal predicates (tcp, ip4, ...) only positively, and `x == {a, b}` means any of, `x != {a, b}` none of.
// References ($set, @group) are resolved while parsing, as OVN does; an unknown one is a parse error.

import { combine, type Expr, type IntConst, negate, type Relop, TURN } from './ast.ts';
import { type IntFormat, type Token, type TokenType, tokenize } from './lexer.ts';
import type { RefResolverLike } from './refs.ts';
import { resolveAddressSet, resolvePortGroup } from './refs.ts';
import { type ExprSymbol, lookupSymbol } from './symbols.ts';

export class ExprSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

interface Field {
  readonly sym: ExprSymbol;
  readonly ofs: number;
  readonly nbits: number;
}

interface ParsedInt extends IntConst {
  readonly format: IntFormat;
}

interface ConstSet {
  type: 'int' | 'string';
  ints: ParsedInt[];
  strings: string[];
  curlies: boolean;
}

const RELOPS = new Set<TokenType>(['==', '!=', '<', '<=', '>', '>=']);
const MAX_PAREN_DEPTH = 100;
/** OVN symbols that only actions may use: 23.03 parses them in a match, then ovn-trace aborts. */
const ACTION_ONLY = new Set(['icmp4.frag_mtu', 'icmp6.frag_mtu']);

class Parser {
  private i = 0;
  /** True inside an odd number of `!` (OVN's ctx->not). */
  private not = false;
  private depth = 0;

  constructor(
    private readonly toks: readonly Token[],
    private readonly refs: RefResolverLike | undefined,
    private readonly laterSymbols = false,
  ) {}

  peek(): Token {
    const t = this.toks[this.i]!;
    if (t.type === 'error') throw new ExprSyntaxError(t.offset, t.text);
    return t;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.i++;
    return t;
  }

  private match(type: TokenType): boolean {
    if (this.peek().type !== type) return false;
    this.i++;
    return true;
  }

  fail(message: string, t: Token = this.peek()): never {
    throw new ExprSyntaxError(t.offset, message);
  }

  private syntax(expecting: string): never {
    const t = this.peek();
    const at = t.type === 'end' ? 'end of input' : `\`${describe(t)}'`;
    this.fail(`Syntax error at ${at} expecting ${expecting}.`);
  }

  parseExpr(): Expr {
    let e = this.parseNot();
    const op = this.peek().type;
    if (op !== '&&' && op !== '||') return e;
    this.advance();
    const kind = op === '&&' ? 'and' : 'or';
    // Terms are collected first: combining pairwise would copy the list for every term (quadratic).
    const terms = [e];
    do terms.push(this.parseNot());
    while (this.match(op));
    const next = this.peek().type;
    if (next === '&&' || next === '||') this.fail('&& and || must be parenthesized when used together.');
    e = { t: kind, subs: terms.flatMap((x) => (x.t === kind ? x.subs : [x])) };
    return e;
  }

  private parseNot(): Expr {
    if (!this.match('!')) return this.parsePrimary().e;
    this.not = !this.not;
    const { e, atomic } = this.parsePrimary();
    this.not = !this.not;
    if (!atomic) this.fail('Missing parentheses around operand of !.');
    return negate(e);
  }

  private parsePrimary(): { e: Expr; atomic: boolean } {
    const t = this.peek();
    if (this.match('(')) {
      if (this.depth >= MAX_PAREN_DEPTH) this.fail('Parentheses nested too deeply.', t);
      this.depth++;
      const e = this.parseExpr();
      this.depth--;
      if (!this.match(')')) this.syntax("`)'");
      return { e, atomic: true };
    }
    if (t.type === 'id') return this.parseFieldFirst(t);
    return this.parseConstantFirst();
  }

  private parseFieldFirst(t: Token): { e: Expr; atomic: boolean } {
    if (this.toks[this.i + 1]?.type === '(') {
      if (t.text !== 'is_chassis_resident') this.fail('parsing function name');
      this.i += 2;
      const s = this.peek();
      if (s.type !== 'string') this.syntax('string');
      this.advance();
      if (!this.match(')')) this.syntax("`)'");
      return { e: { t: 'cond', port: s.text, not: false }, atomic: true };
    }
    const f = this.parseField();
    const next = this.peek();
    if (!RELOPS.has(next.type)) {
      if (f.nbits === 0 || next.type === '=') this.syntax('relational operator');
      if (f.nbits > 1 && !this.not)
        this.fail("Explicit `!= 0' is required for inequality test of multibit field against 0.");
      const zero: ConstSet = {
        type: 'int',
        ints: [{ value: 0n, mask: undefined, format: 'hex' }],
        strings: [],
        curlies: false,
      };
      return { e: this.makeCmp(f, '!=', zero, next), atomic: true };
    }
    const r = this.parseRelop();
    const at = this.peek();
    return { e: this.makeCmp(f, r, this.parseConstantSet(), at), atomic: false };
  }

  private parseConstantFirst(): { e: Expr; atomic: boolean } {
    const at = this.peek();
    const c1 = this.parseConstantSet();
    const only = c1.ints[0];
    if (!RELOPS.has(this.peek().type) && c1.type === 'int' && c1.ints.length === 1 && !c1.curlies && only) {
      if (only.format === 'decimal' && only.mask === undefined && only.value <= 1n)
        return { e: { t: 'bool', value: only.value === 1n }, atomic: true };
    }
    const r1 = this.parseRelop();
    const f = this.parseField();
    if (!RELOPS.has(this.peek().type)) return { e: this.makeCmp(f, TURN[r1], c1, at), atomic: false };
    const r2 = this.parseRelop();
    const at2 = this.peek();
    const c2 = this.parseConstantSet();
    const lt = (r: Relop) => r === '<' || r === '<=';
    const gt = (r: Relop) => r === '>' || r === '>=';
    if (!((lt(r1) && lt(r2)) || (gt(r1) && gt(r2))))
      this.fail(
        "Range expressions must have the form `x < field < y' or `x > field > y', with each `<' optionally replaced by `<=' or `>' by `>=').",
        at2,
      );
    const e1 = this.makeCmp(f, TURN[r1], c1, at);
    const e2 = this.makeCmp(f, r2, c2, at2);
    return { e: combine('and', e1, e2), atomic: false };
  }

  private parseRelop(): Relop {
    const t = this.peek();
    if (!RELOPS.has(t.type)) this.syntax('relational operator');
    this.advance();
    return t.type as Relop;
  }

  private parseSmallInt(): number {
    const t = this.peek();
    if (t.type !== 'int' || t.format !== 'decimal' || t.mask !== undefined || t.value > 0x7fffffffn)
      this.syntax('small integer');
    this.advance();
    return Number(t.value);
  }

  parseField(): Field {
    const t = this.peek();
    const sym = t.type === 'id' ? lookupSymbol(t.text, this.laterSymbols) : undefined;
    if (t.type === 'id' && ACTION_ONLY.has(t.text))
      this.fail(`${t.text} may only be set by actions (a match on it makes ovn-trace 23.03 abort).`);
    if (!sym) this.syntax('field name');
    this.advance();
    if (!this.match('[')) return { sym, ofs: 0, nbits: sym.width };
    if (sym.width === 0) this.fail(`Cannot select subfield of string field ${sym.name}.`);
    const low = this.parseSmallInt();
    const high = this.match('..') ? this.parseSmallInt() : low;
    if (!this.match(']')) this.syntax("`]'");
    if (low > high) this.fail(`Invalid bit range ${low} to ${high}.`, t);
    if (high >= sym.width)
      this.fail(`Cannot select bits ${low} to ${high} of ${sym.width}-bit field ${sym.name}.`, t);
    if (sym.level === 'nominal' && (low !== 0 || high !== sym.width - 1))
      this.fail(`Cannot select subfield of nominal field ${sym.name}.`, t);
    return { sym, ofs: low, nbits: high - low + 1 };
  }

  private parseConstantSet(): ConstSet {
    const cs: ConstSet = { type: 'int', ints: [], strings: [], curlies: false };
    if (!this.match('{')) {
      this.parseConstant(cs);
      return cs;
    }
    cs.curlies = true;
    do {
      this.parseConstant(cs);
      this.match(',');
    } while (!this.match('}'));
    return cs;
  }

  private count(cs: ConstSet): number {
    return cs.ints.length + cs.strings.length;
  }

  private assignType(cs: ConstSet, type: 'int' | 'string'): void {
    if (this.count(cs) === 0 || cs.type === type) cs.type = type;
    else this.syntax(cs.type === 'int' ? 'integer' : 'string');
  }

  private parseConstant(cs: ConstSet): void {
    const t = this.peek();
    if (t.type === 'string') {
      this.assignType(cs, 'string');
      cs.strings.push(t.text);
    } else if (t.type === 'int') {
      this.assignType(cs, 'int');
      cs.ints.push({ value: t.value, mask: t.mask, format: t.format });
    } else if (t.type === 'addrset') {
      const values = resolveAddressSet(this.refs, t.text);
      if (!values)
        this.fail(
          `Syntax error at \`$${t.text}' expecting address set name (no address set named ${t.text}).`,
        );
      this.assignType(cs, 'int');
      cs.ints.push(...values);
    } else if (t.type === 'portgroup') {
      const members = resolvePortGroup(this.refs, t.text);
      if (!members)
        this.fail(`Syntax error at \`@${t.text}' expecting port group name (no port group named ${t.text}).`);
      this.assignType(cs, 'string');
      cs.strings.push(...members);
    } else this.syntax('constant');
    this.advance();
  }

  private makeCmp(f: Field, r: Relop, cs: ConstSet, at: Token): Expr {
    this.typeCheck(f, cs, at);
    const sym = f.sym;
    if (r !== '==' && r !== '!=') {
      if (cs.curlies) this.fail('Only == and != operators may be used with value sets.', at);
      if (sym.level !== 'ordinal')
        this.fail(`Only == and != operators may be used with ${sym.level} field ${sym.name}.`, at);
      if (this.count(cs) === 0)
        this.fail('Only == and != operators may be used to compare a field against an empty value set.', at);
      if (cs.ints[0]?.mask !== undefined)
        this.fail('Only == and != operators may be used with masked constants.', at);
    }
    if (sym.level === 'nominal') this.checkNominal(sym, r, cs, at);
    if (this.count(cs) === 0) return { t: 'bool', value: r === '!=' };
    const fieldMask = (1n << BigInt(f.nbits)) - 1n;
    const ints = cs.ints.map((c) => ({
      value: c.value & fieldMask,
      mask: c.mask === undefined ? undefined : c.mask & fieldMask,
    }));
    return { t: 'cmp', sym, ofs: f.ofs, nbits: f.nbits, relop: r, ints, strings: cs.strings };
  }

  private checkNominal(sym: ExprSymbol, r: Relop, cs: ConstSet, at: Token): void {
    if (sym.kind === 'predicate') {
      for (const c of cs.ints) {
        const positive = (((c.value & 1n) === 1n) !== (r === '!=')) !== this.not;
        if (!positive)
          this.fail(
            `Nominal predicate ${sym.name} may only be tested positively, e.g. \`${sym.name}' or \`${sym.name} == 1' but not \`!${sym.name}' or \`${sym.name} == 0'.`,
            at,
          );
      }
    } else if (r !== (this.not ? '!=' : '==')) {
      this.fail(
        `Nominal field ${sym.name} may only be tested for equality (taking enclosing \`!' operators into account).`,
        at,
      );
    }
  }

  private typeCheck(f: Field, cs: ConstSet, at: Token): void {
    const want = f.sym.width ? 'int' : 'string';
    if (cs.type !== want) {
      const kind = f.sym.width ? 'Integer' : 'String';
      const ctype = cs.type === 'int' ? 'integer' : 'string';
      this.fail(`${kind} field ${f.sym.name} is not compatible with ${ctype} constant.`, at);
    }
    for (const c of cs.ints) {
      const w = constantWidth(c);
      if (w > f.sym.width)
        this.fail(`${w}-bit constant is not compatible with ${f.sym.width}-bit field ${f.sym.name}.`, at);
    }
  }
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** The width OVN assigns a constant: its mask's, its value's, or its address family's. */
function constantWidth(c: ParsedInt): number {
  if (c.mask !== undefined) return bitLength(c.mask);
  switch (c.format) {
    case 'ipv4':
      return 32;
    case 'ipv6':
      return 128;
    case 'mac':
      return 48;
    default:
      return bitLength(c.value);
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'id':
      return t.text;
    case 'string':
      return JSON.stringify(t.text);
    case 'int':
      return t.format === 'decimal' ? t.value.toString() : `0x${t.value.toString(16)}`;
    case 'addrset':
      return `$${t.text}`;
    case 'portgroup':
      return `@${t.text}`;
    default:
      return t.type;
  }
}

export interface ParseOptions {
  /** Also accept the fields later OVN releases added (logical flows northd of 24.03+ wrote). */
  readonly laterSymbols?: boolean;
  /** The match's tokens (tokenize(src)) when the caller has them: not lexed again. */
  readonly tokens?: readonly Token[];
}

/** Parses a whole match into a tree; throws ExprSyntaxError (offset + message) on the first error. */
export function parseMatch(src: string, refs?: RefResolverLike, opts: ParseOptions = {}): Expr {
  const p = new Parser(opts.tokens ?? tokenize(src), refs, opts.laterSymbols ?? false);
  const e = p.parseExpr();
  const t = p.peek();
  if (t.type !== 'end') p.fail(`Syntax error at \`${describe(t)}' expecting end of input.`);
  return e;
}
