// The logical-flow action language (ovn-sb(5) "actions"), parsed once per flow into a small tree the
// interpreter walks. Tokens come from the expression lexer (src/ovn/expr), fields from its symbol table.
// Statements OVN has that a trace cannot follow parse as `unsupported` (the interpreter warns, naming
// the action and the hop); actions with no effect on where the packet goes (`log`, `put_arp`,
// `ct_commit {…}`, `trigger_event`, …) parse as `noop` with their name.

import { type Token, tokenize } from '../../ovn/expr/index.ts';
import { type FieldRef, isStringField, resolveField } from './fields.ts';

export type Pipeline = 'ingress' | 'egress';

export interface LbBackend {
  readonly family: 4 | 6;
  readonly ip: bigint;
  /** 0 when the backend has no port. */
  readonly port: number;
}

export type Action =
  /** `next;`, `next(N);`, `next(pipeline=P, table=N);` — table null: the current table + 1. */
  | { readonly k: 'next'; readonly pipeline: Pipeline | null; readonly table: number | null }
  | { readonly k: 'output' }
  /** `word`: the value as a number when `dst` is bits of one register word (fields.ts FieldRef.word). */
  | {
      readonly k: 'load';
      readonly dst: FieldRef;
      readonly value: bigint | string;
      readonly word?: number;
    }
  | { readonly k: 'move'; readonly dst: FieldRef; readonly src: FieldRef }
  | { readonly k: 'exchange'; readonly a: FieldRef; readonly b: FieldRef }
  | { readonly k: 'dec_ttl' }
  /** ct_next, ct_dnat/ct_snat (+_in_czone) with an optional address, ct_commit_nat: fork to the next table. */
  | {
      readonly k: 'ct';
      readonly name: string;
      readonly nat: 'dst' | 'src' | null;
      readonly addr: LbBackend | null;
    }
  | { readonly k: 'ct_lb'; readonly name: string; readonly backends: readonly LbBackend[] }
  | { readonly k: 'ct_clear' }
  | { readonly k: 'select'; readonly dst: FieldRef; readonly ids: readonly number[] }
  /** clone, arp, nd_ns, nd_na(_router), icmp4/6(_error), tcp_reset, sctp_abort, reject: a nested packet. */
  | { readonly k: 'nest'; readonly name: string; readonly body: readonly Action[] }
  /** `dst = fn(args);` for the lookup functions the trace evaluates. */
  | {
      readonly k: 'fn';
      readonly name: string;
      readonly dst: FieldRef | null;
      readonly args: readonly FnArg[];
    }
  | {
      readonly k: 'log';
      readonly name: string | null;
      readonly verdict: string | null;
      readonly text: string;
    }
  | { readonly k: 'noop'; readonly name: string }
  | { readonly k: 'unsupported'; readonly name: string };

export type FnArg = { readonly field: FieldRef } | { readonly value: bigint } | { readonly str: string };

export class ActionSyntaxError extends Error {}

/** Nested actions that make a new packet which is a reply to the source (never a delivery). */
export const REPLY_ACTIONS: ReadonlySet<string> = new Set([
  'arp',
  'nd_ns',
  'nd_na',
  'nd_na_router',
  'icmp4',
  'icmp4_error',
  'icmp6',
  'icmp6_error',
  'tcp_reset',
  'sctp_abort',
  'reject',
]);
const NESTS = new Set([...REPLY_ACTIONS, 'clone']);
/** Actions with no effect on the packet's path in a trace (ovn-trace does nothing for them either). */
const NOOPS = new Set([
  'ct_commit',
  'put_arp',
  'put_nd',
  'put_fdb',
  'trigger_event',
  'handle_svc_check',
  'set_queue',
  'set_meter',
  'igmp',
  'sample',
  'commit_lb_aff',
  'commit_ecmp_nh',
  'bind_vport',
  'fwd_group',
  'handle_dhcpv6_reply',
  'bfd_msg',
  'mirror',
  'mac_cache_use',
  'flood_remote',
  'put_dhcp_opts',
  'put_dhcpv6_opts',
  'put_nd_ra_opts',
]);
/** `dst = fn(…)` functions whose result the interpreter computes. */
const FNS = new Set([
  'check_in_port_sec',
  'check_out_port_sec',
  'chk_lb_hairpin',
  'chk_lb_hairpin_reply',
  'lookup_arp',
  'lookup_nd',
  'lookup_arp_ip',
  'lookup_nd_ip',
  'lookup_fdb',
  'get_fdb',
  'check_pkt_larger',
  'chk_lb_aff',
  'chk_ecmp_nh_mac',
  'chk_ecmp_nh',
  'dns_lookup',
  'ct_state_save',
  // `reg = ct_nw_dst();` …: the connection's original destination and protocol (OVN's ct_orig_* actions).
  'ct_nw_dst',
  'ct_ip6_dst',
  'ct_tp_dst',
  'ct_proto',
  'put_dhcp_opts',
  'put_dhcpv6_opts',
  'put_nd_ra_opts',
]);

class ActionParser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private take(): Token {
    const t = this.peek();
    if (t.type === 'error') throw new ActionSyntaxError(t.text);
    this.i++;
    return t;
  }
  private expect(type: Token['type']): Token {
    const t = this.take();
    if (t.type !== type) throw new ActionSyntaxError(`expected ${type} at ${t.offset}, found ${t.type}`);
    return t;
  }
  private accept(type: Token['type']): boolean {
    if (this.peek().type !== type) return false;
    this.i++;
    return true;
  }

  /** Statements until `}` or the end. */
  list(): Action[] {
    const out: Action[] = [];
    while (this.peek().type !== 'end' && this.peek().type !== '}') {
      if (this.accept(';')) continue;
      const a = this.statement();
      if (a) out.push(a);
    }
    return out;
  }

  private statement(): Action | null {
    const t = this.expect('id');
    const name = t.text;
    const next = this.peek().type;
    if (next === '=' || next === '<->' || next === '--' || next === '[') return this.assignment(name);
    if (name === 'drop') return this.end(null);
    if (name === 'next') return this.end(this.nextAction());
    if (name === 'output') return this.end({ k: 'output' });
    if (name === 'ct_clear') return this.end({ k: 'ct_clear' });
    if (name === 'ct_lb' || name === 'ct_lb_mark' || name === 'ct_lb_mark_local')
      return this.end(this.ctLb(name));
    if (/^ct_(next|dnat|snat|dnat_in_czone|snat_in_czone|commit_nat|commit_to_zone)$/.test(name))
      return this.end(this.ct(name));
    if (name === 'log') return this.end(this.log());
    if ((name === 'get_arp' || name === 'get_nd') && this.peek().type === '(')
      return this.end({ k: 'fn', name, dst: null, args: this.args() });
    if (NESTS.has(name) && this.peek().type === '{') return this.end({ k: 'nest', name, body: this.block() });
    if (NOOPS.has(name) || name === 'ct_snat_to_vip') {
      this.skipArgs();
      if (this.peek().type === '{') this.block();
      return this.end({ k: 'noop', name });
    }
    this.skipArgs();
    if (this.peek().type === '{') this.block();
    return this.end({ k: 'unsupported', name });
  }

  private end(a: Action | null): Action | null {
    if (this.peek().type !== '}' && this.peek().type !== 'end') this.expect(';');
    return a;
  }

  private block(): Action[] {
    this.expect('{');
    const body = this.list();
    this.expect('}');
    return body;
  }

  /** Skips a balanced `( … )` if present. */
  private skipArgs(): void {
    if (!this.accept('(')) return;
    let depth = 1;
    while (depth > 0) {
      const t = this.take();
      if (t.type === 'end') throw new ActionSyntaxError('unbalanced parentheses');
      if (t.type === '(') depth++;
      else if (t.type === ')') depth--;
    }
  }

  private field(name: string): FieldRef {
    let lo: number | undefined;
    let hi: number | undefined;
    if (this.accept('[')) {
      lo = Number(this.expect('int').value);
      hi = this.accept('..') ? Number(this.expect('int').value) : lo;
      this.expect(']');
    }
    const r = resolveField(name, lo, hi);
    if (!r) throw new ActionSyntaxError(`unknown or unassignable field ${name}`);
    return r;
  }

  private assignment(name: string): Action | null {
    const dst = this.field(name);
    if (this.accept('--')) {
      if (dst.base.name !== 'ip.ttl') throw new ActionSyntaxError(`${name}-- is only allowed on ip.ttl`);
      return this.end({ k: 'dec_ttl' });
    }
    if (this.accept('<->')) return this.end({ k: 'exchange', a: dst, b: this.field(this.expect('id').text) });
    this.expect('=');
    const t = this.peek();
    if (t.type === 'string') {
      this.take();
      if (!isStringField(dst)) throw new ActionSyntaxError(`string assigned to ${dst.text}`);
      return this.end({ k: 'load', dst, value: t.text });
    }
    if (t.type === 'int') {
      this.take();
      const v = t.value;
      const word = dst.word && v >= 0n && v <= 0xffffffffn ? { word: Number(v) } : {};
      return this.end({ k: 'load', dst, value: v, ...word });
    }
    const id = this.expect('id').text;
    if (this.peek().type === '(') return this.end(this.fnCall(id, dst));
    return this.end({ k: 'move', dst, src: this.field(id) });
  }

  private fnCall(name: string, dst: FieldRef | null): Action {
    if (name === 'select') return this.select(dst);
    const args = this.args();
    if (FNS.has(name)) return { k: 'fn', name, dst, args };
    return { k: 'unsupported', name };
  }

  private args(): FnArg[] {
    const out: FnArg[] = [];
    this.expect('(');
    while (!this.accept(')')) {
      const t = this.take();
      if (t.type === 'end') throw new ActionSyntaxError('unterminated argument list');
      if (t.type === ',' || t.type === '=' || t.type === ';') continue;
      if (t.type === 'int') out.push({ value: t.value });
      else if (t.type === 'string') out.push({ str: t.text });
      else if (t.type === 'id') {
        if (this.peek().type === '=') continue; // a keyword argument's name
        const r = this.peek().type === '[' || resolveField(t.text) ? this.field(t.text) : null;
        out.push(r ? { field: r } : { str: t.text });
      }
    }
    return out;
  }

  private select(dst: FieldRef | null): Action {
    if (!dst) throw new ActionSyntaxError('select() needs a destination');
    const ids: number[] = [];
    for (const a of this.args()) if ('value' in a) ids.push(Number(a.value));
    return { k: 'select', dst, ids };
  }

  private nextAction(): Action {
    let pipeline: Pipeline | null = null;
    let table: number | null = null;
    if (this.accept('(')) {
      while (!this.accept(')')) {
        const t = this.take();
        if (t.type === 'int') table = Number(t.value);
        else if (t.type === 'id' && t.text === 'pipeline') {
          this.expect('=');
          pipeline = this.expect('id').text === 'egress' ? 'egress' : 'ingress';
        } else if (t.type === 'id' && t.text === 'table') {
          this.expect('=');
          table = Number(this.expect('int').value);
        } else if (t.type !== ',') throw new ActionSyntaxError(`unexpected ${t.type} in next()`);
      }
    }
    return { k: 'next', pipeline, table };
  }

  private ct(name: string): Action {
    const nat = name.startsWith('ct_dnat') ? 'dst' : name.startsWith('ct_snat') ? 'src' : null;
    let addr: LbBackend | null = null;
    if (this.peek().type === '(') {
      const args = this.args();
      const first = args[0];
      if (first && 'value' in first) {
        const v = first.value;
        addr = { family: v > 0xffffffffn ? 6 : 4, ip: v, port: 0 };
      }
    }
    return { k: 'ct', name, nat, addr };
  }

  private ctLb(name: string): Action {
    const backends: LbBackend[] = [];
    if (this.accept('(')) {
      let depth = 1;
      let inBackends = true;
      while (depth > 0) {
        const t = this.take();
        if (t.type === 'end') throw new ActionSyntaxError('unterminated ct_lb arguments');
        if (t.type === '(') depth++;
        else if (t.type === ')') depth--;
        else if (t.type === ';') inBackends = false;
        else if (inBackends) this.backend(t, backends);
      }
    }
    return { k: 'ct_lb', name, backends };
  }

  /** One `IP[:port]` or `[IPv6]:port` (after an optional `backends=`). */
  private backend(t: Token, out: LbBackend[]): void {
    let ipTok = t;
    if (t.type === '[') {
      ipTok = this.expect('int');
      this.expect(']');
    } else if (t.type !== 'int') return;
    let port = 0;
    if (this.accept(':')) port = Number(this.expect('int').value);
    const family = ipTok.format === 'ipv6' ? 6 : 4;
    out.push({ family, ip: ipTok.value, port });
  }

  private log(): Action {
    const start = this.peek().offset;
    let name: string | null = null;
    let verdict: string | null = null;
    if (this.accept('(')) {
      while (!this.accept(')')) {
        const t = this.take();
        if (t.type === 'end') throw new ActionSyntaxError('unterminated log()');
        if (t.type === 'id' && (t.text === 'name' || t.text === 'verdict') && this.accept('=')) {
          const v = this.take();
          if (t.text === 'name') name = v.text;
          else verdict = v.text;
        }
      }
    }
    return { k: 'log', name, verdict, text: `log@${start}` };
  }
}

/** Parses a flow's actions; throws ActionSyntaxError on text the interpreter cannot read. */
export function parseActions(text: string): Action[] {
  const toks = tokenize(text);
  const p = new ActionParser(toks);
  const out = p.list();
  const last = toks[toks.length - 1];
  if (last && last.type === 'error') throw new ActionSyntaxError(last.text);
  return out;
}
