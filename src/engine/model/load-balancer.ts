// Load-balancer VIP matching and DNAT, shared by switch and router pipelines. A VIP with a port only
// matches its protocol and port and wins over an IP-only VIP (OVN gives it the higher priority). The
// model follows every backend (the caller forks the walk), where OVN would hash to one of them.

import type { Flow } from '../../ovn/expr/index.ts';
import { formatIp } from '../../ovn/net/addr.ts';
import type { LbBackend } from '../../ovn/topology/types.ts';
import type { CompiledVip } from './compile.ts';
import { dstIp, setDstIp } from './packet.ts';
import type { Walk } from './walk.ts';

/** VIPs indexed by address value (checked against the family on lookup). */
const vipIndex = new WeakMap<readonly CompiledVip[], Map<bigint, CompiledVip[]>>();

function indexOf(vips: readonly CompiledVip[]): Map<bigint, CompiledVip[]> {
  let m = vipIndex.get(vips);
  if (m) return m;
  m = new Map();
  for (const v of vips) {
    const l = m.get(v.vip.ip.value);
    if (l) l.push(v);
    else m.set(v.vip.ip.value, [v]);
  }
  vipIndex.set(vips, m);
  return m;
}

export function matchVip(vips: readonly CompiledVip[], f: Flow): CompiledVip | null {
  if (vips.length === 0) return null;
  const dst = dstIp(f);
  let ipOnly: CompiledVip | null = null;
  for (const v of indexOf(vips).get(dst.value) ?? []) {
    if (v.vip.ip.family !== dst.family) continue;
    if (v.proto === null) ipOnly ??= v;
    else if (f.ipProto === v.proto && f.l4Dst === v.vip.port) return v;
  }
  return ipOnly;
}

/** DNATs the walk's packet to `backend`; returns false when the walk ended (max_hops). */
export function applyVip(w: Walk, v: CompiledVip, backend: LbBackend, where: string): boolean {
  const before = `${formatIp(v.vip.ip)}${v.vip.port === null ? '' : `:${v.vip.port}`}`;
  setDstIp(w.flow, backend.ip);
  if (backend.port !== null) w.flow.l4Dst = backend.port;
  w.backend = backend.raw;
  return w.add({
    type: 'load_balancer',
    component: `load balancer ${v.lb.name}`,
    action: 'modify',
    datapath: where,
    description: `Load balancer ${v.lb.name} on ${where}: VIP ${before} -> backend ${backend.raw} (the model follows every backend)`,
    next_hop: backend.raw,
  });
}
