// Reading and writing logical fields of a packet by name, for the action interpreter: `reg0[0..15] = 1`,
// `eth.dst <-> eth.src`, `xxreg0 = ip6.dst`. Names and bit ranges come from the expression library's
// symbol table (src/ovn/expr, OVN's lib/logical-fields.c), so actions and matches agree on what a field
// is; this file only adds how to store a value into the Flow a match reads.

import type { Flow } from '../../ovn/expr/index.ts';
import { baseField, type FieldSymbol, lookupSymbol } from '../../ovn/expr/symbols.ts';

/** A (sub)field as an action names it, resolved to bits [ofs, ofs+nbits) of a base field. */
export interface FieldRef {
  /** The text as written, e.g. `reg0[0..15]`. */
  readonly text: string;
  readonly base: FieldSymbol;
  readonly ofs: number;
  readonly nbits: number;
  /**
   * When the bits lie in one 32-bit register word (`reg0[3]`, `reg9[0..15]`, `xxreg0[96..127]`): that
   * word of Flow.regs, the bits' shift in it and their mask, so a load is a few number operations.
   */
  readonly word?: { readonly index: number; readonly shift: number; readonly mask: number };
}

type Setter = (f: Flow, v: bigint) => void;

const N = Number;
const regsOf =
  (first: number, count: number): Setter =>
  (f, v) => {
    for (let i = count - 1; i >= 0; i--) {
      f.regs[first + i] = N(v & 0xffffffffn);
      v >>= 32n;
    }
  };

const SETTERS: Record<string, Setter> = {
  'pkt.mark': (f, v) => {
    f.pktMark = N(v);
  },
  xxreg0: regsOf(0, 4),
  xxreg1: regsOf(4, 4),
  xreg4: regsOf(8, 2),
  flags: (f, v) => {
    f.logFlags = N(v);
  },
  ct_mark: (f, v) => {
    f.ctMark = N(v);
  },
  ct_label: (f, v) => {
    f.ctLabel = v;
  },
  ct_state: (f, v) => {
    f.ctState = N(v);
  },
  'eth.src': (f, v) => {
    f.ethSrc = v;
  },
  'eth.dst': (f, v) => {
    f.ethDst = v;
  },
  'eth.type': (f, v) => {
    f.ethType = N(v);
  },
  'vlan.tci': (f, v) => {
    f.vlanTci = N(v);
  },
  'ip.proto': (f, v) => {
    f.ipProto = N(v);
  },
  'ip.dscp': (f, v) => {
    f.ipDscp = N(v);
  },
  'ip.ecn': (f, v) => {
    f.ipEcn = N(v);
  },
  'ip.ttl': (f, v) => {
    f.ipTtl = N(v);
  },
  'ip.frag': (f, v) => {
    f.ipFrag = N(v);
  },
  'ip4.src': (f, v) => {
    f.ip4Src = N(v);
  },
  'ip4.dst': (f, v) => {
    f.ip4Dst = N(v);
  },
  'ip6.src': (f, v) => {
    f.ip6Src = v;
  },
  'ip6.dst': (f, v) => {
    f.ip6Dst = v;
  },
  'ip6.label': (f, v) => {
    f.ip6Label = N(v);
  },
  'icmp4.type': (f, v) => {
    f.icmpType = N(v);
  },
  'icmp4.code': (f, v) => {
    f.icmpCode = N(v);
  },
  'icmp6.type': (f, v) => {
    f.icmpType = N(v);
  },
  'icmp6.code': (f, v) => {
    f.icmpCode = N(v);
  },
  'nd.target': (f, v) => {
    f.ndTarget = v;
  },
  'nd.sll': (f, v) => {
    f.ndSll = v;
  },
  'nd.tll': (f, v) => {
    f.ndTll = v;
  },
  'tcp.flags': (f, v) => {
    f.tcpFlags = N(v);
  },
};
for (const p of ['arp', 'rarp']) {
  SETTERS[`${p}.op`] = (f, v) => {
    f.arpOp = N(v);
  };
  SETTERS[`${p}.spa`] = (f, v) => {
    f.arpSpa = N(v);
  };
  SETTERS[`${p}.tpa`] = (f, v) => {
    f.arpTpa = N(v);
  };
  SETTERS[`${p}.sha`] = (f, v) => {
    f.arpSha = v;
  };
  SETTERS[`${p}.tha`] = (f, v) => {
    f.arpTha = v;
  };
}
for (const p of ['tcp', 'udp', 'sctp']) {
  SETTERS[`${p}.src`] = (f, v) => {
    f.l4Src = N(v);
  };
  SETTERS[`${p}.dst`] = (f, v) => {
    f.l4Dst = N(v);
  };
}

/** Resolves `name` or `name[lo]` / `name[lo..hi]`; null when the name is no assignable field. */
export function resolveField(name: string, lo?: number, hi?: number): FieldRef | null {
  const sym = lookupSymbol(name, true);
  if (!sym || sym.kind === 'predicate') return null;
  const { field, ofs } = baseField(sym);
  const from = lo ?? 0;
  const to = hi ?? (lo !== undefined ? lo : sym.width - 1);
  if (field.width > 0 && (from > to || to >= sym.width)) return null;
  const text = lo === undefined ? name : lo === to ? `${name}[${lo}]` : `${name}[${lo}..${to}]`;
  const nbits = field.width === 0 ? 0 : to - from + 1;
  const word = registerWord(field, ofs + from, nbits);
  return { text, base: field, ofs: ofs + from, nbits, ...(word ? { word } : {}) };
}

function registerWord(field: FieldSymbol, ofs: number, nbits: number): FieldRef['word'] {
  const regs = field.reader.kind === 'big' ? field.reader.regs : undefined;
  if (!regs || nbits === 0 || nbits > 32) return undefined;
  const w = Math.floor(ofs / 32);
  if (Math.floor((ofs + nbits - 1) / 32) !== w) return undefined;
  const shift = ofs % 32;
  const mask = nbits === 32 ? 0xffffffff : ((2 ** nbits - 1) * 2 ** shift) >>> 0;
  return { index: regs.first + regs.count - 1 - w, shift, mask };
}

/** Stores number `v` into a register word's bits (FieldRef.word). */
export function writeWord(f: Flow, w: NonNullable<FieldRef['word']>, v: number): void {
  const x = f.regs[w.index]!;
  f.regs[w.index] = ((x & ~w.mask) | ((v * 2 ** w.shift) & w.mask)) >>> 0;
}

/** True for string fields (inport, outport, remote_outport): their values are port names. */
export function isStringField(r: FieldRef): boolean {
  return r.base.width === 0;
}

export function readString(f: Flow, r: FieldRef): string {
  return r.base.reader.kind === 'str' ? r.base.reader.read(f) : '';
}

/** The bits of `r` as an unsigned number. */
export function readBits(f: Flow, r: FieldRef): bigint {
  const rd = r.base.reader;
  const whole = rd.kind === 'num' ? BigInt(rd.read(f) >>> 0) : rd.kind === 'big' ? rd.read(f) : 0n;
  return (whole >> BigInt(r.ofs)) & ((1n << BigInt(r.nbits)) - 1n);
}

/** Stores `v` (truncated to the field's width) into bits of `r`; false when the field is read-only here. */
export function writeBits(f: Flow, r: FieldRef, v: bigint): boolean {
  const set = SETTERS[r.base.name];
  if (!set) return false;
  const rd = r.base.reader;
  const whole = rd.kind === 'num' ? BigInt(rd.read(f) >>> 0) : rd.kind === 'big' ? rd.read(f) : 0n;
  const mask = ((1n << BigInt(r.nbits)) - 1n) << BigInt(r.ofs);
  set(f, (whole & ~mask) | ((v << BigInt(r.ofs)) & mask));
  return true;
}

export function writeString(f: Flow, r: FieldRef, v: string): boolean {
  if (r.base.name === 'inport') f.inport = v;
  else if (r.base.name === 'outport') f.outport = v;
  else if (r.base.name === 'remote_outport') f.remoteOutport = v;
  else return false;
  return true;
}
