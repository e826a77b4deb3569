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

/** One walk per backend: forks for all but the last, which continues on `w` itself. */
export function forkPerBackend(w: Walk, vip: CompiledVip, where: string, stage: string): Walk[] {
  const backends = vip.vip.backends;
  const out: Walk[] = [];
  for (let i = 0; i < backends.length; i++) {
    const b = i === backends.length - 1 ? w : w.fork();
    if (applyVip(b, vip, backends[i]!, where, stage)) out.push(b);
  }
  return out;
}

/** DNATs the walk's packet to `backend`; returns false when the walk ended (max_hops). */
export function applyVip(w: Walk, v: CompiledVip, backend: LbBackend, where: string, stage: string): boolean {
  setDstIp(w.flow, backend.ip);
  if (backend.port !== null) w.flow.l4Dst = backend.port;
  w.backend = backend.raw;
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
