// The `dst = fn(…)` actions a trace evaluates, as ovn-trace does: port security checks against the port
// binding's port_security, neighbour lookups in MAC_Binding / Static_MAC_Binding, FDB lookups, and the
// load-balancer hairpin checks (which compare the connection's original destination with the VIPs).
// Functions ovn-trace leaves alone (check_pkt_larger, chk_lb_aff, chk_ecmp_nh*) leave the register as is.

import { linkLocalFromMac } from '../../ovn/net/addr.ts';
import type { Action } from './actions.ts';
import type { CDatapath, CompiledSb, CPort, LbVip, PortSecEntry } from './compile.ts';
import {
  type FieldRef,
  isStringField,
  readBits,
  readString,
  writeBits,
  writeString,
  writeWord,
} from './fields.ts';
import type { Pkt } from './packet.ts';
import { NO_PORT, type Step } from './steps.ts';

type FnAction = Extract<Action, { k: 'fn' }>;

function argField(a: FnAction, i: number): FieldRef | null {
  const x = a.args[i];
  return x && 'field' in x ? x.field : null;
}

function portOf(sb: CompiledSb, dp: CDatapath, pkt: Pkt, r: FieldRef | null): CPort | null {
  if (!r || !isStringField(r)) return null;
  const p = sb.ports.get(readString(pkt.f, r));
  return p && p.dp === dp.uuid ? p : null;
}

function ipKey(pkt: Pkt, r: FieldRef | null): string | null {
  if (!r) return null;
  const v = readBits(pkt.f, r);
  return r.nbits <= 32 ? `4:${v}` : `6:${v}`;
}

function setResult(pkt: Pkt, a: FnAction, v: bigint): void {
  if (!a.dst) return;
  // A result bit in one register word (reg0[15] = check_in_port_sec()): numbers, no 128-bit value.
  if (a.dst.word) writeWord(pkt.f, a.dst.word, Number(v));
  else writeBits(pkt.f, a.dst, v);
}

/**
 * Runs one `dst = fn(…)`. `ctFields`: the release's ovn-trace answers ct_tp_dst() and ct_proto() with
 * the packet's own destination port and protocol (25.09+; older ones leave the register alone).
 */
export function applyFn(
  sb: CompiledSb,
  a: FnAction,
  dp: CDatapath,
  pkt: Pkt,
  step: Step,
  ctFields = false,
): void {
  switch (a.name) {
    case 'check_in_port_sec':
    case 'check_out_port_sec': {
      const inbound = a.name === 'check_in_port_sec';
      const p = sb.ports.get(inbound ? pkt.f.inport : pkt.f.outport);
      const violation = p ? portSecViolation(p.portSecurity, pkt, inbound) : false;
      setResult(pkt, a, violation ? 1n : 0n);
      return;
    }
    case 'get_arp':
    case 'get_nd': {
      const p = portOf(sb, dp, pkt, argField(a, 0));
      const ip = ipKey(pkt, argField(a, 1));
      const mac = p && ip ? sb.macBindings.get(`${dp.uuid}|${p.key}|${ip}`) : undefined;
      pkt.f.ethDst = mac ?? 0n;
      step.notes?.push(mac === undefined ? '/* No MAC binding. */' : '/* MAC binding found. */');
      return;
    }
    case 'lookup_arp':
    case 'lookup_nd':
    case 'lookup_arp_ip':
    case 'lookup_nd_ip': {
      const p = portOf(sb, dp, pkt, argField(a, 0));
      const ip = ipKey(pkt, argField(a, 1));
      const mac = p && ip ? sb.macBindings.get(`${dp.uuid}|${p.key}|${ip}`) : undefined;
      const macArg = argField(a, 2);
      const found = mac !== undefined && (!macArg || readBits(pkt.f, macArg) === mac);
      setResult(pkt, a, found ? 1n : 0n);
      return;
    }
    case 'lookup_fdb': {
      const p = portOf(sb, dp, pkt, argField(a, 0));
      const m = argField(a, 1);
      const key = m ? sb.fdb.get(`${dp.key}|${readBits(pkt.f, m)}`) : undefined;
      setResult(pkt, a, p && key === p.key ? 1n : 0n);
      return;
    }
    case 'get_fdb': {
      const m = argField(a, 0);
      const key = m ? sb.fdb.get(`${dp.key}|${readBits(pkt.f, m)}`) : undefined;
      if (a.dst && isStringField(a.dst)) {
        const port =
          key === undefined
            ? undefined
            : [...sb.ports.values()].find((p) => p.dp === dp.uuid && p.key === key);
        writeString(pkt.f, a.dst, port?.name ?? NO_PORT);
      } else setResult(pkt, a, BigInt(key ?? 0));
      return;
    }
    case 'chk_lb_hairpin':
    case 'chk_lb_hairpin_reply':
      setResult(pkt, a, hairpin(sb, pkt, a.name === 'chk_lb_hairpin') ? 1n : 0n);
      return;
    case 'ct_state_save':
      setResult(pkt, a, pkt.f.ctState & 0x20 ? BigInt(pkt.f.ctState & 0xff) : 0n);
      return;
    case 'ct_tp_dst':
    case 'ct_proto':
      if (!ctFields) break;
      setResult(pkt, a, BigInt(a.name === 'ct_proto' ? pkt.f.ipProto : pkt.f.l4Dst));
      step.notes?.push(`${a.dst?.text ?? ''} = ${a.name}() /* the packet's own, as ovn-trace does */`);
      return;
    case 'dns_lookup':
      setResult(pkt, a, 0n);
      step.notes?.push('*** dns_lookup action not implemented');
      return;
    case 'put_dhcp_opts':
    case 'put_dhcpv6_opts':
    case 'put_nd_ra_opts':
      setResult(pkt, a, 1n);
      return;
  }
  // check_pkt_larger, chk_lb_aff, chk_ecmp_nh(_mac), ct_nw_dst, ct_ip6_dst (and before 25.09
  // ct_tp_dst, ct_proto): ovn-trace leaves the result untouched.
  step.notes?.push(`${a.name}() /* result left unchanged, as ovn-trace does */`);
}

/** ovn-trace's chk_lb_hairpin: the packet was DNATed to itself from a VIP (and the VIP port matches). */
function hairpin(sb: CompiledSb, pkt: Pkt, orig: boolean): boolean {
  const f = pkt.f;
  const v4 = f.ethType === 0x0800;
  if (!v4 && f.ethType !== 0x86dd) return false;
  const vip = firstVip(sb.vips, v4 ? 4 : 6, pkt.ctDst);
  if (!vip) return false;
  let res = false;
  if (f.ctState & 0x80) res = v4 ? f.ip4Src === f.ip4Dst : f.ip6Src === f.ip6Dst;
  const port = orig ? pkt.ctTpDst : f.l4Dst;
  return res && vip.port === port;
}

/**
 * The first VIP (in SB order) with this family and address: each SB's VIP list hashed once, as every
 * switch hop on a switch with load balancers asks.
 */
const vipIndex = new WeakMap<readonly LbVip[], { 4: Map<bigint, LbVip>; 6: Map<bigint, LbVip> }>();

function firstVip(vips: readonly LbVip[], family: 4 | 6, ip: bigint): LbVip | undefined {
  let m = vipIndex.get(vips);
  if (!m) {
    m = { 4: new Map(), 6: new Map() };
    for (const v of vips) if (!m[v.family].has(v.ip)) m[v.family].set(v.ip, v);
    vipIndex.set(vips, m);
  }
  return m[family].get(ip);
}

function portSecViolation(entries: readonly PortSecEntry[], pkt: Pkt, inbound: boolean): boolean {
  if (entries.length === 0) return false;
  const f = pkt.f;
  const mac = inbound ? f.ethSrc : f.ethDst;
  const e = entries.find((x) => x.mac === mac);
  if (!e) return true;
  if (f.ethType === 0x0800) return !(inbound ? inIp4(e, pkt) : outIp4(e, pkt));
  if (f.ethType === 0x86dd) return !(inbound ? inIp6(e, pkt) : outIp6(e, pkt));
  if (f.ethType === 0x0806 && inbound) {
    if (f.arpSha !== e.mac) return true;
    return e.ip4.length > 0 && !e.ip4.includes(f.arpSpa >>> 0);
  }
  return false;
}

function inIp4(e: PortSecEntry, pkt: Pkt): boolean {
  const f = pkt.f;
  if (e.ip4.length === 0 && e.ip6.length === 0) return true;
  if (e.ip4.includes(f.ip4Src >>> 0)) return true;
  return (
    f.ipProto === 17 && f.l4Src === 68 && f.l4Dst === 67 && f.ip4Src === 0 && f.ip4Dst >>> 0 === 0xffffffff
  );
}

function inIp6(e: PortSecEntry, pkt: Pkt): boolean {
  const f = pkt.f;
  if (e.ip4.length === 0 && e.ip6.length === 0) return true;
  const lla = linkLocalFromMac(e.mac);
  if (!e.ip6.includes(f.ip6Src) && f.ip6Src !== lla) return false;
  if (f.ipProto === 58 && f.icmpType === 135 && f.ndSll !== 0n && f.ndSll !== e.mac) return false;
  if (f.ipProto === 58 && f.icmpType === 136) {
    if (f.ndTll !== 0n && f.ndTll !== e.mac) return false;
    if (e.ip6.length > 0 && !e.ip6.includes(f.ndTarget) && f.ndTarget !== lla) return false;
  }
  return true;
}

function outIp4(e: PortSecEntry, pkt: Pkt): boolean {
  const d = pkt.f.ip4Dst >>> 0;
  if (e.ip4.length === 0 && e.ip6.length === 0) return true;
  if (e.ip4.length === 0) return false;
  return e.ip4.includes(d) || d === 0xffffffff || d >>> 28 === 0xe;
}

function outIp6(e: PortSecEntry, pkt: Pkt): boolean {
  const d = pkt.f.ip6Dst;
  if (e.ip4.length === 0 && e.ip6.length === 0) return true;
  if (e.ip6.length === 0) return false;
  return e.ip6.includes(d) || d === linkLocalFromMac(e.mac) || d >> 120n === 0xffn;
}
