// Load-balancer VIP matching and DNAT, shared by switch and router pipelines. A VIP with a port only
// matches its protocol and port and wins over an IP-only VIP (OVN gives it the higher priority). The
// model follows every backend (the caller forks the walk), where OVN would hash to one of them.

import type { Flow } from '../../../ovn/expr/index.ts';
import { formatIp } from '../../../ovn/net/addr.ts';
import type { LbBackend } from '../../../ovn/topology/types.ts';
import type { CompiledVip } from '../compile/network.ts';
import { dstKey, type IpKey, setDstIp } from '../packet.ts';
import type { Walk } from './walk.ts';

/** The VIP the packet is addressed to, from the VIPs indexed by address (compile/network.ts). */
export function matchVip(index: ReadonlyMap<IpKey, readonly CompiledVip[]>, f: Flow): CompiledVip | null {
  if (index.size === 0) return null;
  const hits = index.get(dstKey(f));
  if (!hits) return null;
  let ipOnly: CompiledVip | null = null;
  for (const v of hits) {
    if (v.proto === null) ipOnly ??= v;
    else if (f.ipProto === v.proto && f.l4Dst === v.vip.port) return v;
  }
  return ipOnly;
}

/**
 * One walk per backend: forks for all but the last, which continues on `w` itself. A VIP without
 * backends ends the walk (OVN drops, or with options:reject=true answers the client instead). `stage`
 * is the LB hop's stage id (ls_in_lb on a switch, lr_in_dnat on a router).
 */
export function forkPerBackend(w: Walk, vip: CompiledVip, where: string, stage: string): Walk[] {
  const onRouter = stage.startsWith('lr_');
  const backends = vip.vip.backends;
  if (backends.length === 0) {
    noBackends(w, vip, where, onRouter ? 'lr_in_dnat' : 'ls_in_lb');
    return [];
  }
  const out: Walk[] = [];
  for (let i = 0; i < backends.length; i++) {
    const b = i === backends.length - 1 ? w : w.fork();
    if (!applyVip(b, vip, backends[i]!, where, stage)) continue;
    if (vip.affinity) affinityEnd(b, vip, where, onRouter ? 'lr_in_lb_aff_learn' : 'ls_in_lb_aff_learn');
    else out.push(b);
  }
  return out;
}

/**
 * measured (23.03): with no backends ovn-trace ends the packet at the LB stage; with options:reject=true
 * it sends a TCP reset (ICMP port unreachable for other traffic) back out of the client's port, which
 * is an answer to the client, not a delivery.
 */
function noBackends(w: Walk, v: CompiledVip, where: string, stage: string): void {
  const reject = v.lb.options.reject === 'true';
  const answer = w.flow.ipProto === 6 ? 'a TCP reset' : 'an ICMP port unreachable';
  lbDrop(
    w,
    v,
    where,
    stage,
    reject
      ? `VIP ${v.vip.key} has no backends and options:reject=true: OVN answers the client with ${answer}`
      : `VIP ${v.vip.key} has no backends`,
  );
}

/**
 * measured (23.03): for a VIP with options:affinity_timeout the first packet of a connection ends in
 * ovn-trace at the learn stage (`commit_lb_aff(…)` with nothing after it). The datapath learns the
 * affinity there; ovn-trace, the reference here, stops. The model follows ovn-trace and says so.
 */
function affinityEnd(w: Walk, v: CompiledVip, where: string, stage: string): void {
  const why = `load balancer ${v.lb.name} has options:affinity_timeout=${v.lb.options.affinity_timeout}: ovn-trace ends the first packet at commit_lb_aff (the affinity learn step); the model follows ovn-trace, OVN's datapath may forward it to the backend`;
  w.ctx.warnings.add(why);
  lbDrop(w, v, where, stage, why);
}

/** Ends the walk at the load balancer's stage; the description starts with the LB's name. */
function lbDrop(w: Walk, v: CompiledVip, where: string, stage: string, why: string): void {
  w.drop({
    index: 0,
    type: 'load_balancer',
    component: `load balancer ${v.lb.name}`,
    action: 'drop',
    datapath: where,
    stage,
    description: `Load balancer ${v.lb.name}: ${why}`,
  });
}

/** DNATs the walk's packet to `backend`; returns false when the walk ended (max_hops). */
export function applyVip(w: Walk, v: CompiledVip, backend: LbBackend, where: string, stage: string): boolean {
  setDstIp(w.flow, backend.ip);
  if (backend.port !== null) w.flow.l4Dst = backend.port;
  w.backend = backend.raw;
  w.lbVip = v;
  if (!w.full) return w.add(null);
  const before = `${formatIp(v.vip.ip)}${v.vip.port === null ? '' : `:${v.vip.port}`}`;
  return w.add({
    index: 0,
    type: 'load_balancer',
    component: `load balancer ${v.lb.name}`,
    action: 'modify',
    datapath: where,
    stage,
    description: `Load balancer ${v.lb.name} on ${where}: VIP ${before} -> backend ${backend.raw} (the model follows every backend)`,
    next_hop: backend.raw,
  });
}
