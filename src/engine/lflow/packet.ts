// The packet the interpreter carries: the Flow matches read, plus what conntrack remembers of the
// connection's original destination (set by ct_lb, read by chk_lb_hairpin and ct_snat_to_vip), and the
// three data-moving actions (load, move, exchange) with OVN's rule that a field whose prerequisites the
// packet does not meet (ip4.dst on an ARP packet) is left alone.

import { cloneFlow, compileMatch, type Flow, NO_REFS } from '../../ovn/expr/index.ts';
import { type FieldRef, isStringField, readBits, readString, writeBits, writeString } from './fields.ts';

export interface Pkt {
  readonly f: Flow;
  /** The destination before load balancing (ct_nw_dst / ct_ipv6_dst), 0 when not load-balanced. */
  ctDst: bigint;
  ctTpDst: number;
}

export function newPkt(f: Flow): Pkt {
  return { f, ctDst: 0n, ctTpDst: 0 };
}

export function clonePkt(p: Pkt): Pkt {
  return { f: cloneFlow(p.f), ctDst: p.ctDst, ctTpDst: p.ctTpDst };
}

/** Prerequisite tests per base field, compiled once. */
const prereqCache = new Map<string, ((f: Flow) => boolean) | null>();

function prereqsOk(r: FieldRef, f: Flow): boolean {
  const text = r.base.prereqs;
  if (!text) return true;
  let test = prereqCache.get(text);
  if (test === undefined) {
    const m = compileMatch(text, NO_REFS);
    test = m.ok ? m.evaluate : null;
    prereqCache.set(text, test);
  }
  return test ? test(f) : true;
}

export function loadAction(p: Pkt, dst: FieldRef, value: bigint | string, notes: string[] | null): void {
  if (typeof value === 'string') {
    writeString(p.f, dst, value);
    notes?.push(`${dst.text} = ${JSON.stringify(value)}`);
    return;
  }
  if (!prereqsOk(dst, p.f)) return;
  writeBits(p.f, dst, value);
  if (!dst.base.name.includes('reg')) notes?.push(`${dst.text} = 0x${value.toString(16)}`);
}

export function moveAction(p: Pkt, dst: FieldRef, src: FieldRef, notes: string[] | null): void {
  if (isStringField(dst) || isStringField(src)) {
    writeString(p.f, dst, readString(p.f, src));
    notes?.push(`${dst.text} = ${JSON.stringify(readString(p.f, src))}`);
    return;
  }
  if (!prereqsOk(dst, p.f)) return;
  writeBits(p.f, dst, readBits(p.f, src));
  if (!dst.base.name.includes('reg')) notes?.push(`${dst.text} = ${src.text}`);
}

export function exchangeAction(p: Pkt, a: FieldRef, b: FieldRef, notes: string[] | null): void {
  if (isStringField(a) || isStringField(b)) {
    const x = readString(p.f, a);
    writeString(p.f, a, readString(p.f, b));
    writeString(p.f, b, x);
  } else {
    const x = readBits(p.f, a);
    writeBits(p.f, a, readBits(p.f, b));
    writeBits(p.f, b, x);
  }
  notes?.push(`${a.text} <-> ${b.text}`);
}
