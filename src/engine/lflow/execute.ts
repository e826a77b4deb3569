// The interpreter: runs a packet through the compiled logical flows the way ovn-trace does — table by
// table, the highest-priority matching flow's actions in order, `next` into the following table, an
// ingress `output` into the egress pipeline (multicast groups: once per member), an egress `output`
// through a patch port into the peer datapath, else out of OVN. Where OVN would pick one path by hashing
// (a load-balancer backend, a `select()` member) every choice is followed. Conntrack steps fork the
// packet with the state the trace asked for. Packets OVN generates (arp, icmp, tcp_reset, reject, nd_*)
// are followed as replies: their outputs are never deliveries. Each end of a path is a Leaf.

import { CT } from '../../ovn/expr/index.ts';
import { formatIpv4, formatIpv6 } from '../../ovn/net/addr.ts';
import type { Action, LbBackend, Pipeline } from './actions.ts';
import { REPLY_ACTIONS } from './actions.ts';
import type { CDatapath, CompiledSb, CPort } from './compile.ts';
import { writeWord } from './fields.ts';
import { applyFn } from './functions.ts';
import { hopInfoOf } from './hop-info.ts';
import { clonePkt, exchangeAction, loadAction, moveAction, type Pkt } from './packet.ts';
import { type Leaf, type LeafKind, NO_PORT, type Step } from './steps.ts';

export interface RunOptions {
  /** ct_state for every conntrack step (CT.new|CT.trk for a first packet). */
  readonly ctState: number;
  /** Table visits allowed over the whole trace (a loop guard, far above any real path). */
  readonly maxSteps: number;
  /**
   * Every conntrack step records the packet's own addresses and ports as the connection's (ct_nw_dst,
   * ct_tp_dst, …), and ct_proto()/ct_tp_dst() read the packet: ovn-trace from 25.09 (ovn-version.ts).
   */
  readonly ctFields?: boolean;
  /** Write what each action did into Step.notes (verbose results and `raw` show them). */
  readonly notes?: boolean;
}

/** Nested tables one path may reach (see Run.table); the stack holds several times this. */
export const MAX_TABLE_DEPTH = 1000;

export class Run {
  readonly leaves: Leaf[] = [];
  readonly warnings = new Set<string>();
  private readonly path: Step[] = [];
  private readonly choices: string[] = [];
  private replyDepth = 0;
  private visits = 0;
  /** Tables nested in the current path (each `next` recurses): a routing loop ends on TTL only. */
  private depth = 0;

  constructor(
    readonly sb: CompiledSb,
    readonly opts: RunOptions,
  ) {}

  /** Runs pipeline `pipeline` of `dp` from `table` on `pkt` (mutated, as ovn-trace's `next` does). */
  table(dp: CDatapath, pkt: Pkt, table: number, pipeline: Pipeline): void {
    const index = pipeline === 'ingress' ? dp.ingress : dp.egress;
    table = index.firstActive(table);
    let f = index.lookup(table, pkt.f);
    while (f?.omit) f = index.lookup(++table, pkt.f);
    if (++this.visits > this.opts.maxSteps) {
      this.leaf('limit', null, `stopped after ${this.opts.maxSteps} tables (loop guard)`);
      return;
    }
    // A packet looping between routers goes ~30 tables per pass until its TTL runs out (ovn-trace
    // follows it to the TTL drop); that many nested calls would overflow the stack, so the path stops
    // here with a verdict-less leaf, far beyond any max_hops a result shows.
    if (this.depth >= MAX_TABLE_DEPTH) {
      this.leaf('limit', null, `stopped ${MAX_TABLE_DEPTH} tables deep (a forwarding loop)`);
      return;
    }
    const stage =
      f?.stage ?? index.stageOf(table) ?? `${pipeline === 'ingress' ? 'in' : 'out'}_table_${table}`;
    const step: Step = {
      dp,
      pipeline,
      table,
      stage,
      flow: f,
      info: hopInfoOf(f, stage),
      notes: this.opts.notes ? [] : null,
      logName: null,
    };
    this.path.push(step);
    this.depth++;
    try {
      if (!f) this.leaf('dropped', null, 'no match (implicit drop)');
      else if (!this.actions(f.actions, dp, pkt, table, pipeline, step))
        this.leaf('dropped', null, f.actions.length === 0 ? 'drop' : 'the flow passes the packet nowhere');
    } finally {
      this.path.pop();
      this.depth--;
    }
  }

  private leaf(kind: LeafKind, port: string | null, reason: string): void {
    this.leaves.push({
      kind,
      steps: [...this.path],
      port,
      reply: this.replyDepth > 0,
      reason,
      choices: [...this.choices],
    });
  }

  /** Runs an action list; true when the packet was passed on (next, output, a ct fork, clone). */
  actions(
    list: readonly Action[],
    dp: CDatapath,
    pkt: Pkt,
    table: number,
    pipeline: Pipeline,
    step: Step,
  ): boolean {
    let passed = false;
    for (const a of list) {
      if (this.action(a, dp, pkt, table, pipeline, step)) passed = true;
    }
    return passed;
  }

  private action(a: Action, dp: CDatapath, pkt: Pkt, table: number, pipeline: Pipeline, step: Step): boolean {
    switch (a.k) {
      case 'next': {
        const pl = a.pipeline ?? pipeline;
        const t = a.table ?? (pl === pipeline ? table + 1 : 0);
        this.table(dp, pkt, t, pl);
        return true;
      }
      case 'output':
        this.output(dp, pkt, pipeline, step);
        return true;
      case 'load':
        // Register bits: no prerequisites, no note (loadAction writes none for registers either).
        if (a.word !== undefined && a.dst.word) writeWord(pkt.f, a.dst.word, a.word);
        else loadAction(pkt, a.dst, a.value, step.notes);
        return false;
      case 'move':
        moveAction(pkt, a.dst, a.src, step.notes);
        return false;
      case 'exchange':
        exchangeAction(pkt, a.a, a.b, step.notes);
        return false;
      case 'dec_ttl':
        return this.decTtl(pkt, step);
      case 'ct':
        return this.ct(a, dp, pkt, table, pipeline, step);
      case 'ct_lb':
        this.ctLb(a.name, a.backends, dp, pkt, table, pipeline, step);
        return true;
      case 'ct_clear':
        pkt.f.ctState = 0;
        pkt.f.ctMark = 0;
        pkt.f.ctLabel = 0n;
        pkt.ctDst = 0n;
        pkt.ctTpDst = 0;
        return false;
      case 'select':
        this.select(a.dst, a.ids, dp, pkt, table, pipeline, step);
        return true;
      case 'nest':
        return this.nest(a.name, a.body, dp, pkt, table, pipeline, step);
      case 'fn':
        applyFn(this.sb, a, dp, pkt, step, this.opts.ctFields === true);
        return false;
      case 'log':
        if (a.name) step.logName = a.name;
        step.notes?.push(
          `log(${a.name ? `name=${JSON.stringify(a.name)}` : ''}${a.verdict ? `, verdict=${a.verdict}` : ''})`,
        );
        return false;
      case 'noop':
        step.notes?.push(`${a.name} /* no effect on the trace */`);
        return false;
      case 'unsupported':
        this.warnings.add(`action ${a.name} is not followed (stage ${step.stage} on ${dp.name})`);
        step.notes?.push(`${a.name} /* not followed */`);
        return false;
    }
  }

  private decTtl(pkt: Pkt, step: Step): boolean {
    const ip = pkt.f.ethType === 0x0800 || pkt.f.ethType === 0x86dd;
    if (ip && pkt.f.ipTtl > 0) {
      pkt.f.ipTtl--;
      step.notes?.push('ip.ttl--');
    } else step.notes?.push(ip ? '*** TTL underflow' : '*** TTL decrement of non-IP packet');
    return false;
  }

  private ct(
    a: Extract<Action, { k: 'ct' }>,
    dp: CDatapath,
    pkt: Pkt,
    table: number,
    pipeline: Pipeline,
    step: Step,
  ): boolean {
    // ovn-trace: an argument-less ct_snat on a gateway router has no visible effect and stops there.
    if (a.nat === 'src' && !a.addr && dp.hasL3Gateway) {
      step.notes?.push(`${a.name} /* no effect on a gateway router */`);
      return false;
    }
    const ct = clonePkt(pkt);
    this.fillCtFields(ct, pkt);
    if (a.nat && a.addr) {
      if (a.addr.family === 4) {
        if (a.nat === 'dst') ct.f.ip4Dst = Number(a.addr.ip);
        else ct.f.ip4Src = Number(a.addr.ip);
      } else if (a.nat === 'dst') ct.f.ip6Dst = a.addr.ip;
      else ct.f.ip6Src = a.addr.ip;
      ct.f.ctState |= a.nat === 'dst' ? CT.dnat : CT.snat;
    }
    // ct_next sets the state; the NAT and commit forms imply ct() only when the packet is untracked.
    if (a.name === 'ct_next') ct.f.ctState = this.opts.ctState;
    else if (!(ct.f.ctState & CT.trk)) ct.f.ctState |= this.opts.ctState;
    step.notes?.push(`${a.name}(ct_state=${ctStateText(ct.f.ctState)})`);
    this.table(dp, ct, table + 1, pipeline);
    return true;
  }

  /** The connection's fields from the packet before the ct action (when the release's trace does so). */
  private fillCtFields(ct: Pkt, before: Pkt): void {
    if (!this.opts.ctFields) return;
    const f = before.f;
    if (f.ethType === 0x0800) ct.ctDst = BigInt(f.ip4Dst >>> 0);
    else if (f.ethType === 0x86dd) ct.ctDst = f.ip6Dst;
    ct.ctTpDst = f.l4Dst;
  }

  private ctLb(
    name: string,
    backends: readonly LbBackend[],
    dp: CDatapath,
    pkt: Pkt,
    table: number,
    pipeline: Pipeline,
    step: Step,
  ): void {
    const family = pkt.f.ethType === 0x0800 ? 4 : pkt.f.ethType === 0x86dd ? 6 : 0;
    const usable = backends.filter((b) => b.family === family);
    if (family === 0 || usable.length === 0) {
      if (family !== 0 && backends.length > 0) step.notes?.push('*** no load balancing destination');
      const ct = clonePkt(pkt);
      this.fillCtFields(ct, pkt);
      if (family !== 0) ct.f.ctState |= this.opts.ctState;
      step.notes?.push(name);
      this.table(dp, ct, table + 1, pipeline);
      return;
    }
    for (const b of usable) {
      const ct = clonePkt(pkt);
      ct.ctDst = family === 4 ? BigInt(pkt.f.ip4Dst >>> 0) : pkt.f.ip6Dst;
      ct.ctTpDst = pkt.f.l4Dst;
      if (family === 4) ct.f.ip4Dst = Number(b.ip);
      else ct.f.ip6Dst = b.ip;
      if (b.port) ct.f.l4Dst = b.port;
      ct.f.ctState |= CT.dnat | this.opts.ctState;
      const text = backendText(b);
      step.notes?.push(`${name} /* backend ${text} */`);
      this.choices.push(text);
      try {
        this.table(dp, ct, table + 1, pipeline);
      } finally {
        this.choices.pop();
      }
    }
  }

  private select(
    dst: Extract<Action, { k: 'select' }>['dst'],
    ids: readonly number[],
    dp: CDatapath,
    pkt: Pkt,
    table: number,
    pipeline: Pipeline,
    step: Step,
  ): void {
    for (const id of ids) {
      const s = clonePkt(pkt);
      loadAction(s, dst, BigInt(id), null);
      step.notes?.push(`select: ${dst.text} = ${id}`);
      this.choices.push(`member ${id}`);
      try {
        this.table(dp, s, table + 1, pipeline);
      } finally {
        this.choices.pop();
      }
    }
  }

  private nest(
    name: string,
    body: readonly Action[],
    dp: CDatapath,
    pkt: Pkt,
    table: number,
    pipeline: Pipeline,
    step: Step,
  ): boolean {
    const n = clonePkt(pkt);
    if (name === 'clone') {
      step.notes?.push('clone');
      return this.actions(body, dp, n, table, pipeline, step);
    }
    if (!shapeReply(name, n, pkt)) {
      step.notes?.push(`${name} /* skipped: would recirculate */`);
      return false;
    }
    step.notes?.push(name);
    this.replyDepth++;
    try {
      this.actions(body, dp, n, table, pipeline, step);
    } finally {
      this.replyDepth--;
    }
    // The traced packet itself goes no further: OVN answers in its place.
    return false;
  }

  private output(dp: CDatapath, pkt: Pkt, pipeline: Pipeline, step: Step): void {
    const name = pkt.f.outport;
    if (!name || name === NO_PORT) {
      step.notes?.push('*** output to null logical port');
      this.leaf('dropped', null, 'output to null logical port');
      return;
    }
    const port = this.sb.ports.get(name);
    const inDp = port && port.dp === dp.uuid ? port : null;
    const group = inDp ? undefined : dp.mcgroups.get(name);
    if (!inDp && !group) {
      // ovn-trace stores a port name as the tunnel key it finds in this datapath (a port of it, else a
      // multicast group of it) and 0 when there is none (e.g. `_MC_unknown` on a switch without
      // unknown-address ports, where northd writes no such group): the output goes nowhere.
      step.notes?.push(
        `*** output to null logical port (no port or multicast group ${JSON.stringify(name)} here)`,
      );
      this.leaf('dropped', null, `output to ${name}: no such port or multicast group on ${dp.name}`);
      return;
    }
    if (pipeline === 'egress') {
      this.egressOutput(pkt, inDp, name, step);
      return;
    }
    // Into the egress pipeline: ovn-trace clears the registers and flags there.
    const egress = clonePkt(pkt);
    egress.f.regs.fill(0);
    egress.f.logFlags = 0;
    if (group) this.flood(dp, pkt, egress, name, group, step);
    else if (inDp) this.toPort(dp, pkt, egress, inDp, name);
  }

  private flood(
    dp: CDatapath,
    pkt: Pkt,
    egress: Pkt,
    name: string,
    group: readonly string[],
    step: Step,
  ): void {
    const loopback = (pkt.f.logFlags & 1) !== 0;
    step.notes?.push(`multicast(dp=${JSON.stringify(dp.name)}, mcgroup=${JSON.stringify(name)})`);
    for (const member of group) {
      if (member === pkt.f.inport && !loopback) {
        this.leaf('omitted', member, 'inport == outport && !flags.loopback');
        continue;
      }
      const copy = clonePkt(egress);
      copy.f.outport = member;
      this.table(dp, copy, 0, 'egress');
    }
  }

  private toPort(dp: CDatapath, pkt: Pkt, egress: Pkt, inDp: CPort, name: string): void {
    const loopback = (pkt.f.logFlags & 1) !== 0;
    let target = inDp;
    if (target.type === 'chassisredirect') {
      const d = target.distributedPort ? this.sb.ports.get(target.distributedPort) : undefined;
      if (!d || d.dp !== dp.uuid) {
        this.leaf('dropped', null, `output to chassisredirect port ${name} with no distributed port`);
        return;
      }
      target = d;
      egress.f.outport = d.name;
    }
    if (target.name !== pkt.f.inport || loopback) this.table(dp, egress, 0, 'egress');
    else this.leaf('omitted', name, 'inport == outport && !flags.loopback');
  }

  private egressOutput(pkt: Pkt, port: CPort | null, name: string, step: Step): void {
    step.notes?.push(`/* output to ${JSON.stringify(name)}, type ${JSON.stringify(port?.type ?? '')} */`);
    const peer = port?.peer ? this.sb.ports.get(port.peer) : undefined;
    const peerDp = peer ? this.sb.datapaths.get(peer.dp) : undefined;
    if (peer && peerDp) {
      const next = clonePkt(pkt);
      next.f.inport = peer.name;
      next.f.outport = NO_PORT;
      this.table(peerDp, next, 0, 'ingress');
      return;
    }
    this.leaf('delivered', name, `output to ${name}`);
  }
}

/** Sets up the packet OVN generates for a reply action; false when ovn-trace would not generate it. */
function shapeReply(name: string, n: Pkt, orig: Pkt): boolean {
  const f = n.f;
  const o = orig.f;
  const swap = () => {
    f.ethDst = o.ethSrc;
    f.ethSrc = o.ethDst;
    f.ip4Dst = o.ip4Src;
    f.ip4Src = o.ip4Dst;
    f.ip6Dst = o.ip6Src;
    f.ip6Src = o.ip6Dst;
  };
  const loopback = name === 'reject';
  switch (name) {
    case 'arp':
      f.ipFrag = 0;
      f.ipDscp = 0;
      f.ipEcn = 0;
      f.ipTtl = 0;
      f.tcpFlags = 0;
      f.ethType = 0x0806;
      f.arpOp = 1;
      f.arpSha = o.ethSrc;
      f.arpTha = 0n;
      f.arpSpa = o.ip4Src;
      f.arpTpa = o.ip4Dst;
      return true;
    case 'nd_na':
    case 'nd_na_router':
      f.ethSrc = o.ethDst;
      f.ethDst = o.ethSrc;
      f.ip6Dst = o.ip6Src;
      f.ip6Src = o.ndTarget;
      f.icmpType = 136;
      f.ndSll = 0n;
      f.ndTll = o.ethDst;
      return true;
    case 'nd_ns':
      f.icmpType = 135;
      f.ndSll = 0n;
      f.ndTll = o.ethDst;
      return true;
    default:
      break;
  }
  const isTcp = o.ipProto === 6;
  const isSctp = o.ipProto === 132;
  const kind =
    name === 'reject' ? (isTcp ? 'tcp' : isSctp ? 'sctp' : o.ethType === 0x0800 ? 'icmp4' : 'icmp6') : name;
  if (kind === 'tcp' || kind === 'tcp_reset') {
    if (loopback && o.tcpFlags === 0x004) return false;
    if (loopback) swap();
    f.ipProto = 6;
    f.ipTtl = 255;
    f.tcpFlags = 0x004;
    return true;
  }
  if (kind === 'sctp' || kind === 'sctp_abort') {
    if (loopback) swap();
    f.ipProto = 132;
    f.ipTtl = 255;
    return true;
  }
  const v6 = kind.startsWith('icmp6');
  const unreach = v6 ? 1 : 3;
  if (loopback && o.icmpType === unreach && o.ipProto === (v6 ? 58 : 1)) return false;
  if (loopback) swap();
  f.ipProto = v6 ? 58 : 1;
  f.ipTtl = 255;
  f.icmpType = unreach;
  f.icmpCode = v6 ? 1 : 1;
  return REPLY_ACTIONS.has(name);
}

const CT_NAMES: [number, string][] = [
  [CT.new, 'new'],
  [CT.est, 'est'],
  [CT.rel, 'rel'],
  [CT.rpl, 'rpl'],
  [CT.inv, 'inv'],
  [CT.trk, 'trk'],
  [CT.snat, 'snat'],
  [CT.dnat, 'dnat'],
];

export function ctStateText(s: number): string {
  return CT_NAMES.filter(([b]) => s & b)
    .map(([, n]) => n)
    .join('|');
}

function backendText(b: LbBackend): string {
  if (b.family === 4) return b.port ? `${formatIpv4(b.ip)}:${b.port}` : formatIpv4(b.ip);
  return b.port ? `[${formatIpv6(b.ip)}]:${b.port}` : formatIpv6(b.ip);
}
