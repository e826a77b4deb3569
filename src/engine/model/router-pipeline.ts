// A logical router's pipeline as the model engine runs it: admission (eth.dst = router port MAC), IP
// input checks (martians, own addresses, TTL), DNAT and load balancers on gateway routers, routing by
// OVN's flow priorities (longest prefix; connected > static dst-ip > static src-ip at equal length;
// discard; ECMP), router policies, next-hop MAC resolution, SNAT, and hand-off to the next datapath.

import { formatIp, formatMac, type IpAddr, parseIp } from '../../ovn/net/addr.ts';
import type { Nat, RouterPort } from '../../ovn/topology/types.ts';
import type { CompiledRoute, CompiledRouter } from './compile.ts';
import { applyVip, matchVip } from './load-balancer.ts';
import { dstIp, family, inCidr, isIp, macValue, setDstIp, setSrcIp, srcIp } from './packet.ts';
import { switchIngress } from './switch-pipeline.ts';
import type { HopInput, Walk } from './walk.ts';

type Base = Pick<HopInput, 'datapath' | 'component'>;

function martian(ip: IpAddr, asSource: boolean): boolean {
  if (ip.family === 6) return ip.value >> 120n === 0xffn && asSource;
  const v = Number(ip.value);
  const top = v >>> 24;
  if (top === 127 || top === 0) return true;
  return asSource && (v >>> 28 === 0xe || v === 0xffffffff);
}

/** Admission and IP input checks; false when the packet stops here (dropped or answered). */
function ipInput(w: Walk, cr: CompiledRouter, lrp: RouterPort, base: Base): boolean {
  const f = w.flow;
  const drop = (description: string) => {
    w.drop({ ...base, type: 'flow', action: 'drop', stage: 'lr_in_ip_input', description });
    return false;
  };
  if (cr.router.enabled === false || lrp.enabled === false)
    return drop(`Router ${cr.router.name} or its port ${lrp.name} is disabled`);
  const mcastDst = (f.ethDst & 0x010000000000n) !== 0n;
  if (!mcastDst && f.ethDst !== macValue(lrp.mac))
    return drop(
      `Router admission: eth.dst ${formatMac(f.ethDst)} is not the MAC of ${lrp.name} (${lrp.mac})`,
    );
  if ((f.ethSrc & 0x010000000000n) !== 0n) return drop('Broadcast/multicast source MAC is invalid');
  if (!isIp(f)) return drop('Router drops non-IP traffic');
  const src = srcIp(f);
  const dst = dstIp(f);
  if (martian(src, true) || martian(dst, false))
    return drop(`Invalid source or destination address (${formatIp(src)} -> ${formatIp(dst)})`);
  if (cr.ownIps.has(formatIp(src)))
    return drop(`Source ${formatIp(src)} is an address of router ${cr.router.name}`);
  if (cr.ownIps.has(formatIp(dst))) {
    const echo = f.ipProto === (dst.family === 4 ? 1 : 58) && f.icmpType === (dst.family === 4 ? 8 : 128);
    if (!echo)
      return drop(
        `Router ${cr.router.name} drops traffic to its own address ${formatIp(dst)} other than ping`,
      );
    return answerPing(w, cr, base);
  }
  if (f.ipTtl <= 1)
    return drop(`TTL expired (ip.ttl=${f.ipTtl}): the router would answer ICMP time exceeded`);
  if (dst.family === 4 ? Number(dst.value) >>> 28 === 0xe : dst.value >> 120n === 0xffn)
    return drop('Multicast routing is not enabled');
  if (f.ethDst === 0xffffffffffffn) return drop('Router drops broadcast frames');
  return true;
}

/** The router's ICMP echo reply: addresses swapped, TTL 255, then routed back like any packet. */
function answerPing(w: Walk, cr: CompiledRouter, base: Base): boolean {
  const f = w.flow;
  const src = srcIp(f);
  const dst = dstIp(f);
  setSrcIp(f, dst);
  setDstIp(f, src);
  f.ipTtl = 255;
  f.icmpType = dst.family === 4 ? 0 : 129;
  w.answeredBy = cr.router.name;
  w.add({
    ...base,
    type: 'flow',
    action: 'modify',
    stage: 'lr_in_ip_input',
    description: `Router ${cr.router.name} answers the ping to its address ${formatIp(dst)}; the reply is routed back to ${formatIp(src)}`,
  });
  return false;
}

/** DNAT / LB on a gateway router; returns the walks that continue (forks for LB backends). */
function dnatStage(w: Walk, cr: CompiledRouter, base: Base): Walk[] {
  if (!cr.gateway) {
    if (cr.dnat.length > 0 || cr.vips.length > 0)
      w.ctx.warnings.add(
        `NAT/load balancers of distributed router ${cr.router.name} are not modelled (they need a gateway port)`,
      );
    return [w];
  }
  const vip = matchVip(cr.vips, w.flow);
  if (vip)
    return vip.vip.backends
      .map(() => w.fork())
      .filter((b, i) => applyVip(b, vip, vip.vip.backends[i]!, cr.router.name));
  const dst = formatIp(dstIp(w.flow));
  const rule = cr.dnat.find((n) => formatIp(n.externalIp) === dst);
  if (!rule) return [w];
  const to: IpAddr = { family: rule.logicalIp.family, value: rule.logicalIp.addr };
  setDstIp(w.flow, to);
  const ok = w.add({
    ...base,
    type: 'nat',
    action: 'modify',
    stage: 'lr_in_dnat',
    description: `DNAT (${rule.type}) ${dst} -> ${formatIp(to)} on ${cr.router.name}`,
  });
  return ok ? [w] : [];
}

/** The winning routes: the highest-priority match, with its ECMP siblings. */
function lookupRoutes(cr: CompiledRouter, src: IpAddr, dst: IpAddr): CompiledRoute[] {
  const best: CompiledRoute[] = [];
  for (const r of cr.routes) {
    if (best.length > 0 && r.priority < best[0]!.priority) break;
    if (!inCidr(r.prefix, r.bySource ? src : dst)) continue;
    if (best.length === 0 || (r.kind === 'static' && best[0]!.kind === 'static')) best.push(r);
  }
  return best;
}

function routeText(r: CompiledRoute): string {
  const p = `${formatIp({ family: r.prefix.family, value: r.prefix.network })}/${r.prefix.prefix}`;
  if (r.kind === 'connected') return `connected network ${p}`;
  return `static route ${p}${r.bySource ? ' (src-ip)' : ''} via ${r.route?.nexthop}`;
}

/** Runs the router pipeline for a packet entering router port `lrpName`. */
export function routerIngress(w: Walk, lrpName: string): void {
  const t = w.ctx.net.topology;
  const lrp = t.routerPorts.get(lrpName);
  const cr = lrp ? w.ctx.net.routers.get(lrp.routerName) : undefined;
  if (!lrp || !cr) {
    w.drop({
      type: 'flow',
      component: 'router',
      action: 'drop',
      description: `Router port ${lrpName} does not exist`,
    });
    return;
  }
  for (const note of cr.ignored) w.ctx.warnings.add(note);
  const base: Base = {
    datapath: cr.router.name,
    component: `ingress(dp="${cr.router.name}", inport="${lrpName}")`,
  };
  w.flow.inport = lrpName;
  w.flow.outport = '';
  if (!ipInput(w, cr, lrp, base)) {
    // A ping to the router comes back as a reply that is routed like any other packet.
    if (w.answeredBy && w.hops.at(-1)?.action !== 'drop') route(w, cr, base);
    return;
  }
  for (const b of dnatStage(w, cr, base)) route(b, cr, base);
}

function route(w: Walk, cr: CompiledRouter, base: Base): void {
  const dst = dstIp(w.flow);
  const routes = lookupRoutes(cr, srcIp(w.flow), dst);
  const hopBase = { ...base, type: 'l3_routing' as const, stage: 'lr_in_ip_routing' };
  if (routes.length === 0) {
    w.drop({
      ...hopBase,
      action: 'drop',
      description: `No route to ${formatIp(dst)} on router ${cr.router.name}`,
    });
    return;
  }
  routes.forEach((r, i) => {
    const b = i === routes.length - 1 ? w : w.fork();
    if (r.discard) {
      b.drop({
        ...hopBase,
        action: 'drop',
        description: `Dropped by ${routeText(r)} (discard) on ${cr.router.name}`,
      });
      return;
    }
    const ttl = b.flow.ipTtl;
    b.flow.ipTtl = ttl - 1;
    b.flow.ethSrc = macValue(r.outport!.mac);
    b.flow.outport = r.outport!.name;
    const ecmp = routes.length > 1 ? ` (ECMP path ${i + 1} of ${routes.length}; the model follows all)` : '';
    const ok = b.add({
      ...hopBase,
      action: 'forward',
      next_hop: r.outport!.name,
      description: `Route to ${formatIp(dst)} by ${routeText(r)} out of ${r.outport!.name}, TTL ${ttl} -> ${ttl - 1}${ecmp}`,
    });
    if (ok) policies(b, cr, r.outport!, r.nexthop ?? dst, base);
  });
}

function policies(w: Walk, cr: CompiledRouter, out: RouterPort, nh: IpAddr, base: Base): void {
  const hit = cr.policies.find((p) => p.match.evaluate(w.flow));
  if (hit) {
    const p = hit.policy;
    const hb = { ...base, type: 'l3_routing' as const, component: 'router policy', stage: 'lr_in_policy' };
    const what = `router policy priority ${p.priority} (${p.action}): ${p.match}`;
    if (p.action === 'drop') {
      w.drop({ ...hb, action: 'drop', description: `Dropped by ${what}` });
      return;
    }
    if (p.action === 'reroute') {
      const to = p.nexthops.map((n) => parseIp(n)).find((x) => x !== null) ?? null;
      const port = to ? cr.ports.find((rp) => rp.networks.some((n) => inCidr(n, to))) : undefined;
      if (to && port) {
        w.flow.outport = port.name;
        w.flow.ethSrc = macValue(port.mac);
        if (
          !w.add({
            ...hb,
            action: 'forward',
            next_hop: port.name,
            description: `Rerouted by ${what} to ${formatIp(to)} via ${port.name}`,
          })
        )
          return;
        resolveAndSend(w, cr, port, to, base);
        return;
      }
    } else if (!w.add({ ...hb, action: 'forward', description: `Allowed by ${what}` })) return;
  }
  resolveAndSend(w, cr, out, nh, base);
}

/** IP text -> MAC of everything a router port can send to directly (built once per port, lazily). */
const neighbourCache = new WeakMap<RouterPort, Map<string, string>>();

function neighbours(w: Walk, out: RouterPort): Map<string, string> {
  let m = neighbourCache.get(out);
  if (m) return m;
  m = new Map();
  const t = w.ctx.net.topology;
  const add = (ip: IpAddr, mac: string) => {
    if (!m!.has(formatIp(ip))) m!.set(formatIp(ip), mac);
  };
  if (out.peer) {
    // Router-to-router: only the peer router port's own addresses resolve.
    const peer = t.routerPorts.get(out.peer);
    for (const n of peer?.networks ?? []) add({ family: n.family, value: n.addr }, peer!.mac);
  } else {
    const lsp = t.index.switchPortByRouterPort.get(out.name);
    const sw = lsp ? t.switches.get(t.ports.get(lsp)?.switchName ?? '') : undefined;
    for (const pn of sw?.ports ?? []) {
      const p = t.ports.get(pn)!;
      for (const a of [...p.addresses, ...(p.dynamicAddresses ? [p.dynamicAddresses] : [])]) {
        if (a.kind === 'static') for (const ip of a.ips) add(ip, a.mac);
      }
      const rp = p.type === 'router' ? t.routerPorts.get(p.options['router-port'] ?? '') : undefined;
      if (rp && rp.name !== out.name)
        for (const n of rp.networks) add({ family: n.family, value: n.addr }, rp.mac);
    }
  }
  neighbourCache.set(out, m);
  return m;
}

/** The next hop's MAC: from the peer router port, or from the addresses of the ports on the peer switch. */
function nextHopMac(w: Walk, out: RouterPort, nh: IpAddr): string | null {
  return neighbours(w, out).get(formatIp(nh)) ?? null;
}

function resolveAndSend(w: Walk, cr: CompiledRouter, out: RouterPort, nh: IpAddr, base: Base): void {
  const mac = nextHopMac(w, out, nh);
  if (!mac) {
    w.drop({
      ...base,
      type: 'l3_routing',
      stage: 'lr_in_arp_resolve',
      action: 'drop',
      description: `Next hop ${formatIp(nh)} has no known MAC on ${out.name}: the router would send an ${nh.family === 4 ? 'ARP' : 'ND'} request and not forward this packet`,
    });
    return;
  }
  w.flow.ethDst = macValue(mac);
  if (!snat(w, cr, out)) return;
  const t = w.ctx.net.topology;
  if (out.peer) {
    routerIngress(w, out.peer);
    return;
  }
  const lsp = t.index.switchPortByRouterPort.get(out.name);
  const sw = lsp ? t.ports.get(lsp)?.switchName : undefined;
  if (!lsp || !sw) {
    w.drop({
      ...base,
      type: 'flow',
      action: 'drop',
      description: `Router port ${out.name} is connected to nothing`,
    });
    return;
  }
  switchIngress(w, sw, lsp);
}

function snatRule(cr: CompiledRouter, src: IpAddr): Nat | null {
  let best: Nat | null = null;
  for (const n of cr.snat) {
    if (!inCidr(n.logicalIp, src)) continue;
    if (n.type === 'dnat_and_snat' && n.logicalIp.addr !== src.value) continue;
    if (!best || n.logicalIp.prefix > best.logicalIp.prefix) best = n;
  }
  return best;
}

function snat(w: Walk, cr: CompiledRouter, out: RouterPort): boolean {
  if (!cr.gateway || cr.snat.length === 0) return true;
  const src = srcIp(w.flow);
  const rule = snatRule(cr, src);
  if (!rule || family(w.flow) !== rule.externalIp.family) return true;
  setSrcIp(w.flow, rule.externalIp);
  return w.add({
    datapath: cr.router.name,
    component: `egress(dp="${cr.router.name}", outport="${out.name}")`,
    type: 'nat',
    action: 'modify',
    stage: 'lr_out_snat',
    description: `SNAT (${rule.type}) ${formatIp(src)} -> ${formatIp(rule.externalIp)} on ${cr.router.name}`,
  });
}
