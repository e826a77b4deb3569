// A logical router's pipeline as the model engine runs it: admission (eth.dst = router port MAC), IP
// input checks (martians, own addresses, TTL), DNAT and load balancers (gateway routers; gateway-port
// NAT of distributed routers in compile/gateway-port.ts), routing by OVN's flow priorities (longest prefix;
// connected > static dst-ip > static src-ip at equal length; discard; ECMP; route tables in
// ../compile/route-table.ts), router policies, next-hop MAC resolution, SNAT, the egress loop of NAT on a
// gateway port, and hand-off to the next datapath (through the walk's context: switch.ts
// hands packets here the same way, so neither module imports the other).
// Everything that depends only on the topology (routes per table, gateway-port NAT, reroute targets,
// warnings) is in the CompiledRouter; this file only looks it up.
// Addresses are compared as keys (packet.ts), never as text; hop strings are built only with detail 'full'.

import { formatIp, formatMac, type IpAddr } from '../../../ovn/net/addr.ts';
import type { Nat, RouterPort } from '../../../ovn/topology/types.ts';
import type { Hop } from '../../types.ts';
import {
  admitsNatMac,
  type DgpInfo,
  dnatRule,
  floatingSourceMac,
  isDgp,
  loopsBack,
  natNextHop,
  snatRuleFor,
  snatSourceAllowed,
} from '../compile/gateway-port.ts';
import type { CompiledNetwork, CompiledPolicy, CompiledRouter, RerouteTarget } from '../compile/network.ts';
import { type CompiledRoute, lookupRoutes, type RouteTable } from '../compile/route-table.ts';
import {
  dstIp,
  dstKey,
  ETH_IP6,
  family,
  type IpKey,
  inCidr,
  ipKey,
  isIp,
  keyText,
  macValue,
  setDstIp,
  setSrcIp,
  srcIp,
  srcKey,
} from '../packet.ts';
import { forkPerBackend, matchVip } from './load-balancer.ts';
import type { HopInput, Walk } from './walk.ts';

type Base = Pick<HopInput, 'datapath' | 'component'>;

function martian(ip: IpAddr, asSource: boolean): boolean {
  if (ip.family === 6) return ip.value >> 120n === 0xffn && asSource;
  return martian4(Number(ip.value), asSource);
}

function martian4(v: number, asSource: boolean): boolean {
  const top = v >>> 24;
  if (top === 127 || top === 0) return true;
  return asSource && (v >>> 28 === 0xe || v === 0xffffffff);
}

/** Admission and IP input checks; false when the packet stops here (dropped or answered). */
function ipInput(w: Walk, cr: CompiledRouter, lrp: RouterPort, base: Base): boolean {
  const f = w.flow;
  const dropAt = (stage: 'lr_in_admission' | 'lr_in_ip_input', description: string) => {
    const type = stage === 'lr_in_admission' ? ('l2_lookup' as const) : ('l3_routing' as const);
    w.drop({ index: 0, ...base, type, action: 'drop', stage, description });
    return false;
  };
  const drop = (description: string) => dropAt('lr_in_ip_input', description);
  if (cr.router.enabled === false || lrp.enabled === false)
    return dropAt('lr_in_admission', `Router ${cr.router.name} or its port ${lrp.name} is disabled`);
  const mcastDst = (f.ethDst & 0x010000000000n) !== 0n;
  const dgp = isDgp(lrp) ? cr.dgp : null;
  if (!mcastDst && f.ethDst !== macValue(lrp.mac) && !(dgp && admitsNatMac(dgp, lrp, f.ethDst)))
    return dropAt(
      'lr_in_admission',
      `Router admission: eth.dst ${formatMac(f.ethDst)} is not the MAC of ${lrp.name} (${lrp.mac})`,
    );
  if ((f.ethSrc & 0x010000000000n) !== 0n)
    return dropAt('lr_in_admission', 'Broadcast/multicast source MAC is invalid');
  if (!isIp(f)) return drop('Router drops non-IP traffic');
  const v6 = f.ethType === ETH_IP6;
  if (
    v6
      ? martian(srcIp(f), true) || martian(dstIp(f), false)
      : martian4(f.ip4Src, true) || martian4(f.ip4Dst, false)
  )
    return drop(`Invalid source or destination address (${keyText(srcKey(f))} -> ${keyText(dstKey(f))})`);
  if (cr.ownKeys.has(srcKey(f)) && !(dgp && snatSourceAllowed(dgp, lrp, srcIp(f))))
    return drop(`Source ${keyText(srcKey(f))} is an address of router ${cr.router.name}`);
  if (cr.ownKeys.has(dstKey(f))) {
    const echo = f.ipProto === (v6 ? 58 : 1) && f.icmpType === (v6 ? 128 : 8);
    // northd leaves a router address that is also a load-balancer VIP (a NodePort on a gateway
    // router), on any port, out of its drop-own-address flow: the LB stage decides, and what it does
    // not take is dropped in lr_in_arp_resolve unless a reroute gave it a next hop (resolveAndSend).
    if (!echo && cr.vipIndex.has(dstKey(f))) return ttlAndRest(f, drop, v6);
    if (!echo)
      return drop(
        `Router ${cr.router.name} drops traffic to its own address ${keyText(dstKey(f))} other than ping`,
      );
    return answerPing(w, cr, base);
  }
  return ttlAndRest(f, drop, v6);
}

/** The IP input checks after the own-address ones: TTL, multicast, broadcast. */
function ttlAndRest(f: Walk['flow'], drop: (d: string) => boolean, v6: boolean): boolean {
  if (f.ipTtl <= 1)
    return drop(`TTL expired (ip.ttl=${f.ipTtl}): the router would answer ICMP time exceeded`);
  if (v6 ? f.ip6Dst >> 120n === 0xffn : f.ip4Dst >>> 28 === 0xe)
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
  const hop = {
    index: 0,
    ...base,
    type: 'l3_routing' as const,
    action: 'modify' as const,
    stage: 'lr_in_ip_input',
    description: `Router ${cr.router.name} answers the ping to its address ${formatIp(dst)}; the reply is routed back to ${formatIp(src)}`,
  };
  w.add(w.full ? hop : null);
  return false;
}

/** DNAT / LB on a gateway router; returns the walks that continue (forks for LB backends). */
function dnatStage(w: Walk, cr: CompiledRouter, base: Base): Walk[] {
  if (!cr.gateway) return distributedDnat(w, cr, base);
  const vip = matchVip(cr.vipIndex, w.flow);
  if (vip) return forkPerBackend(w, vip, cr.router.name, 'lr_in_dnat');
  const rule = cr.dnat.size === 0 ? undefined : cr.dnat.get(dstKey(w.flow));
  if (!rule) return [w];
  const dst = formatIp(dstIp(w.flow));
  const to: IpAddr = { family: rule.logicalIp.family, value: rule.logicalIp.addr };
  setDstIp(w.flow, to);
  return dnatHop(w, base, () => `DNAT (${rule.type}) ${dst} -> ${formatIp(to)} on ${cr.router.name}`);
}

/** Records the lr_in_dnat hop (its text only with full detail); the walk goes on unless out of hops. */
function dnatHop(w: Walk, base: Base, describe: () => string): Walk[] {
  const hop = w.full
    ? {
        index: 0,
        ...base,
        type: 'nat' as const,
        action: 'modify' as const,
        stage: 'lr_in_dnat',
        description: describe(),
      }
    : null;
  return w.add(hop) ? [w] : [];
}

/**
 * DNAT / LB on a router without options:chassis. Load balancers apply on every inport (northd 23.03
 * installs gateway-style flows without a DGP, and `is_chassis_resident(cr-port)`-gated ones with one,
 * which ovn-trace takes as true); NAT only with a distributed gateway port.
 */
function distributedDnat(w: Walk, cr: CompiledRouter, base: Base): Walk[] {
  const vip = cr.vips.length > 0 ? matchVip(cr.vipIndex, w.flow) : null;
  if (vip) return forkPerBackend(w, vip, cr.router.name, 'lr_in_dnat');
  // Without a gateway port NAT installs nothing (cr.ignored says so to every trace through here).
  const dgp = cr.dgp;
  if (!dgp || dgp.nats.length === 0) return [w];
  const rule = dnatRule(dgp, w.flow.inport, dstIp(w.flow));
  if (!rule) return [w];
  const from = dstIp(w.flow);
  const to: IpAddr = { family: rule.nat.logicalIp.family, value: rule.nat.logicalIp.addr };
  setDstIp(w.flow, to);
  const kind =
    rule.nat.type === 'dnat' ? 'DNAT' : rule.distributed ? 'floating IP (distributed)' : 'floating IP';
  return dnatHop(
    w,
    base,
    () =>
      `${kind} ${formatIp(from)} -> ${formatIp(to)} on ${cr.router.name}, entering by gateway port ${rule.dgp.name}`,
  );
}

/** Runs the router pipeline for a packet entering router port `lrpName`. */
export function routerIngress(w: Walk, lrpName: string): void {
  const lrp = w.ctx.net.topology.routerPorts.get(lrpName);
  const cr = lrp ? w.ctx.net.routers.get(lrp.routerName) : undefined;
  const inport = cr?.inports.get(lrpName);
  if (!lrp || !cr || !inport) {
    w.drop({
      index: 0,
      type: 'flow',
      component: 'router',
      action: 'drop',
      description: `Router port ${lrpName} does not exist`,
    });
    return;
  }
  w.enter(cr.router.name);
  for (const note of cr.ignored) w.ctx.warnings.add(note);
  const base: Base = { datapath: cr.router.name, component: inport.component };
  w.flow.inport = lrpName;
  w.flow.outport = '';
  if (!ipInput(w, cr, lrp, base)) {
    // A ping to the router comes back as a reply that is routed like any other packet.
    if (w.answeredBy && !w.ended) route(w, cr, base, inport.routes);
    return;
  }
  if (cr.gateway && unsnatEndsTrace(w, cr, lrp, base)) return;
  for (const b of dnatStage(w, cr, base)) route(b, cr, base, inport.routes);
}

/**
 * lr_in_unsnat of a gateway router: traffic to a NAT external IP (priority 90) or, with
 * lb_force_snat_ip=router_ip, to the inport's own address (110) gets an argument-less `ct_snat;`, where
 * ovn-trace ends its trace ("no visible effect in a gateway router"); the datapath goes on unchanged.
 * Before 24.09 and again from 25.09 a load-balancer VIP that is also a NAT external IP skips it (120,
 * `next;`). The model follows ovn-trace (issue 16) and says so in a warning.
 */
function unsnatEndsTrace(w: Walk, cr: CompiledRouter, lrp: RouterPort, base: Base): boolean {
  const f = w.flow;
  const dst = dstKey(f);
  const natIp = cr.snat.some((n) => ipKey(n.externalIp) === dst);
  const forceRouterIp =
    cr.router.options.lb_force_snat_ip === 'router_ip' &&
    lrp.networks.some(
      (n) =>
        n.family === (f.ethType === ETH_IP6 ? 6 : 4) && ipKey({ family: n.family, value: n.addr }) === dst,
    );
  if (!natIp && !forceRouterIp) return false;
  if (natIp && w.ctx.net.behaviour.unsnatSkippedForNatVips && matchVip(cr.vipIndex, f)) return false;
  const text = `ovn-trace ends at the argument-less ct_snat in lr_in_unsnat of gateway router ${cr.router.name} for traffic to ${keyText(dst)}; the datapath would go on unchanged (no SNAT entry): the model follows ovn-trace`;
  w.ctx.warnings.add(text);
  w.drop({ index: 0, ...base, type: 'nat', action: 'drop', stage: 'lr_in_unsnat', description: text });
  return true;
}

function route(w: Walk, cr: CompiledRouter, base: Base, table: RouteTable): void {
  const routes = lookupRoutes(table, srcKey(w.flow), dstKey(w.flow));
  if (routes.length === 0) {
    w.drop({
      index: 0,
      ...base,
      type: 'l3_routing',
      stage: 'lr_in_ip_routing',
      action: 'drop',
      description: `No route to ${keyText(dstKey(w.flow))} on router ${cr.router.name}${table.name ? ` in route table ${table.name} (global dst-ip routes do not apply to its ports)` : ''}`,
    });
    return;
  }
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const b = i === routes.length - 1 ? w : w.fork();
    if (routes.length > 1) b.takeMember(`${cr.router.name} route ${i + 1}/${routes.length}: ${r.text}`);
    if (r.discard) {
      b.drop({
        index: 0,
        ...base,
        type: 'l3_routing',
        stage: 'lr_in_ip_routing',
        action: 'drop',
        description: `Dropped by ${r.text} (discard) on ${cr.router.name}`,
      });
      continue;
    }
    const ttl = b.flow.ipTtl;
    const dst = dstKey(b.flow);
    b.flow.ipTtl = ttl - 1;
    b.flow.ethSrc = r.outMac;
    b.flow.outport = r.outport!.name;
    if (b.add(b.full ? routeHop(r, i, routes.length, ttl, dst, base) : null))
      policies(b, cr, r.outport!, r.nexthop, base);
  }
}

function routeHop(r: CompiledRoute, i: number, n: number, ttl: number, dst: IpKey, base: Base) {
  const ecmp =
    n > 1
      ? ` (ECMP member ${i + 1} of ${n}: OVN hashes each connection to one member, ovn-trace picks one at random; the model follows all)`
      : '';
  return {
    index: 0,
    datapath: base.datapath,
    component: base.component,
    type: 'l3_routing' as const,
    stage: 'lr_in_ip_routing',
    action: 'forward' as const,
    next_hop: r.outport!.name,
    description: `Route to ${keyText(dst)} by ${r.text} out of ${r.outport!.name}, TTL ${ttl} -> ${ttl - 1}${ecmp}`,
  };
}

/**
 * The policy that decides for the packet: the first match of the default chain, following `jump`s
 * (a goto: a chain with no match lets the packet go on, as no match at all does). Each jump taken is
 * recorded as a hop; undefined when none decides, null when the walk ended (out of hops).
 */
function decidingPolicy(w: Walk, cr: CompiledRouter, base: Base): CompiledPolicy | undefined | null {
  let list = cr.policies;
  const seen = new Set<string>();
  for (;;) {
    const hit = list.length === 0 ? undefined : list.find((p) => p.match.evaluate(w.flow));
    if (hit?.policy.action !== 'jump') return hit;
    const to = hit.policy.jumpChain!;
    const p = hit.policy;
    const hop = {
      index: 0,
      ...base,
      type: 'l3_routing' as const,
      component: 'router policy',
      stage: 'lr_in_policy',
      action: 'forward' as const,
      description: `Jump to policy chain ${to} by router policy priority ${p.priority}: ${p.match}`,
    };
    if (!w.add(w.full ? hop : null)) return null;
    // A chain jumped to twice would loop; OVN's flows would too, so the packet goes on unpoliced.
    if (seen.has(to)) return undefined;
    seen.add(to);
    list = cr.policyChains.get(to) ?? [];
  }
}

/** Router policies, then next-hop resolution; `nh` null means the packet's own destination. */
function policies(w: Walk, cr: CompiledRouter, out: RouterPort, nh: IpAddr | null, base: Base): void {
  const hit = decidingPolicy(w, cr, base);
  if (hit === null) return;
  if (hit) {
    const p = hit.policy;
    const hb = { ...base, type: 'l3_routing' as const, component: 'router policy', stage: 'lr_in_policy' };
    const chain = p.chain ? ` in chain ${p.chain}` : '';
    const what = `router policy priority ${p.priority}${chain} (${p.action}): ${p.match}`;
    if (p.action === 'drop') {
      w.drop({ index: 0, ...hb, action: 'drop', description: `Dropped by ${what}` });
      return;
    }
    if (p.action === 'reroute') {
      reroute(w, cr, hit.targets, what, base);
      return;
    }
    if (!w.add(w.full ? { index: 0, ...hb, action: 'forward', description: `Allowed by ${what}` } : null))
      return;
  }
  resolveAndSend(w, cr, out, nh, base);
}

/** Reroute to every next hop of the policy (several: lr_in_policy_ecmp, where OVN hashes to one). */
function reroute(
  w: Walk,
  cr: CompiledRouter,
  targets: readonly RerouteTarget[],
  what: string,
  base: Base,
): void {
  for (let i = 0; i < targets.length; i++) {
    const { to, port } = targets[i]!;
    const b = i === targets.length - 1 ? w : w.fork();
    if (targets.length > 1)
      b.takeMember(`${cr.router.name} policy next hop ${i + 1}/${targets.length}: ${port.name}`);
    b.flow.outport = port.name;
    b.flow.ethSrc = macValue(port.mac);
    const ecmp =
      targets.length > 1
        ? ` (next hop ${i + 1} of ${targets.length}: OVN hashes to one, the model follows all)`
        : '';
    const hop = {
      index: 0,
      ...base,
      type: 'l3_routing' as const,
      component: 'router policy',
      stage: 'lr_in_policy',
      action: 'forward' as const,
      next_hop: port.name,
      description: `Rerouted by ${what} to ${formatIp(to)} via ${port.name}${ecmp}`,
    };
    if (b.add(b.full ? hop : null)) resolveAndSend(b, cr, port, to, base);
  }
}

/**
 * Address key -> MAC value of everything a router port can send to directly (built once per port
 * and compiled network, on first use: it depends on the ports of the switch behind the port).
 */
function neighbours(net: CompiledNetwork, out: RouterPort): Map<IpKey, bigint> {
  let m = net.caches.neighbours.get(out.name);
  if (m) return m;
  const found = new Map<IpKey, bigint>();
  const t = net.topology;
  const add = (ip: IpAddr, mac: string) => {
    const k = ipKey(ip);
    if (!found.has(k)) found.set(k, macValue(mac));
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
      // northd writes no lr_in_arp_resolve flow for a disabled port's addresses (the router ARPs). Nor
      // for a `virtual` port's VIP: 23.03 sets eth.dst to all zeros until ovn-controller binds the port
      // (SB Port_Binding chassis + virtual_parent, which no NB shows; then the parent's MAC), 25.03+ always
      // leaves it to MAC_Binding. The model takes virtual ports as unbound with no MAC_Binding: the router
      // ARPs (test/conformance/virtual-bound.test.ts shows both states on real OVN).
      if (p.enabled === false || p.type === 'virtual') continue;
      for (const a of [...p.addresses, ...(p.dynamicAddresses ? [p.dynamicAddresses] : [])]) {
        if (a.kind === 'static') for (const ip of a.ips) add(ip, a.mac);
      }
      const rp = p.type === 'router' ? t.routerPorts.get(p.options['router-port'] ?? '') : undefined;
      if (rp && rp.name !== out.name)
        for (const n of rp.networks) add({ family: n.family, value: n.addr }, rp.mac);
    }
  }
  m = found;
  net.caches.neighbours.set(out.name, m);
  return m;
}

function resolveAndSend(w: Walk, cr: CompiledRouter, out: RouterPort, nh: IpAddr | null, base: Base): void {
  // The next hop's MAC: from the peer router port, or from the addresses of the ports on the peer switch.
  let mac = neighbours(w.ctx.net, out).get(nh ? ipKey(nh) : dstKey(w.flow));
  const dgp = isDgp(out) ? cr.dgp : null;
  if (dgp) {
    const natMac = natArpResolve(w, dgp, out, nh, base);
    if (natMac === null) return;
    mac = natMac ?? mac;
  }
  if (mac === undefined && cr.ownKeys.has(dstKey(w.flow))) {
    // The router's own address let through lr_in_ip_input (a VIP address, above): northd drops it here,
    // above the ARP request, when no known next hop sent it elsewhere.
    w.drop({
      index: 0,
      ...base,
      type: 'l3_routing',
      stage: 'lr_in_arp_resolve',
      action: 'drop',
      description: `Router ${cr.router.name} drops traffic to its own address ${keyText(dstKey(w.flow))} that no load balancer took`,
    });
    return;
  }
  if (mac === undefined && w.ctx.net.behaviour.arpRequestOutputsPacket) {
    // 24.09+: the datapath pauses the packet until the neighbour answers; ovn-trace instead follows the
    // `output;` after `arp {…}` with eth.dst still all zero, to the switch's unknown-MAC ports.
    const hop = nh ?? dstIp(w.flow);
    w.ctx.warnings.add(
      `Next hop ${formatIp(hop)} has no known MAC on ${out.name}: OVN sends an ${hop.family === 4 ? 'ARP' : 'ND'} request and holds the packet until it is answered; like ovn-trace, the packet is followed with destination MAC 00:00:00:00:00:00`,
    );
    mac = 0n;
  }
  if (mac === undefined) {
    const hop = nh ?? dstIp(w.flow);
    w.drop({
      index: 0,
      ...base,
      type: 'l3_routing',
      stage: 'lr_in_arp_resolve',
      action: 'drop',
      description: `Next hop ${formatIp(hop)} has no known MAC on ${out.name}: the router would send an ${hop.family === 4 ? 'ARP' : 'ND'} request and not forward this packet`,
    });
    return;
  }
  w.flow.ethDst = mac;
  if (dgp ? !gatewayPortEgress(w, cr, out, dgp) : !snat(w, cr, out)) return;
  const t = w.ctx.net.topology;
  if (out.peer) {
    routerIngress(w, out.peer);
    return;
  }
  const lsp = t.index.switchPortByRouterPort.get(out.name);
  const sw = lsp ? t.ports.get(lsp)?.switchName : undefined;
  if (!lsp || !sw) {
    w.drop({
      index: 0,
      ...base,
      type: 'flow',
      action: 'drop',
      description: `Router port ${out.name} is connected to nothing`,
    });
    return;
  }
  w.ctx.handoff.switchIngress(w, sw, lsp);
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
  if (!w.full) return w.add(null);
  return w.add(
    snatHop(
      cr,
      out,
      `SNAT (${rule.type}) ${formatIp(src)} -> ${formatIp(rule.externalIp)} on ${cr.router.name}`,
    ),
  );
}

/** The lr_out_snat hop of a packet leaving `cr` by `out` (gateway router or distributed gateway port). */
function snatHop(cr: CompiledRouter, out: RouterPort, description: string): Hop {
  return {
    index: 0,
    datapath: cr.router.name,
    component: `egress(dp="${cr.router.name}", outport="${out.name}")`,
    type: 'nat',
    action: 'modify',
    stage: 'lr_out_snat',
    description,
  };
}

/**
 * lr_in_arp_resolve for a NAT external IP behind gateway port `out`: the MAC to use, undefined when no
 * NAT rule has that address, null when the packet was dropped (it came in by `out` untranslated).
 */
function natArpResolve(
  w: Walk,
  dgp: DgpInfo,
  out: RouterPort,
  nh: IpAddr | null,
  base: Base,
): bigint | undefined | null {
  const to = nh ?? dstIp(w.flow);
  const natMac = natNextHop(dgp, w.flow.inport, out, to);
  if (natMac === null) return undefined;
  if (natMac !== 'drop') return macValue(natMac);
  w.drop({
    index: 0,
    ...base,
    type: 'l3_routing',
    stage: 'lr_in_arp_resolve',
    action: 'drop',
    description: `${formatIp(to)} is a NAT external IP of gateway port ${out.name}, and the packet came in by that port without being translated: OVN drops it (no loop)`,
  });
  return null;
}

/**
 * What happens to a packet leaving a distributed router by gateway port `out`: a floating IP's own MAC
 * as source (lr_in_gw_redirect), SNAT, then the egress loop when the destination is a NAT external IP.
 * False when the walk ended or continues elsewhere (the loop).
 */
function gatewayPortEgress(w: Walk, cr: CompiledRouter, out: RouterPort, dgp: DgpInfo): boolean {
  const fipMac = floatingSourceMac(dgp, out, srcIp(w.flow));
  if (fipMac !== null) w.flow.ethSrc = fipMac;
  if (!gatewayPortSnat(w, cr, out, dgp)) return false;
  if (!loopsBack(dgp, out, dstIp(w.flow))) return true;
  egressLoop(w, cr, out);
  return false;
}

/** lr_out_snat of a distributed router: only for packets leaving by the rule's gateway port. */
function gatewayPortSnat(w: Walk, cr: CompiledRouter, out: RouterPort, dgp: DgpInfo): boolean {
  const src = srcIp(w.flow);
  const rule = snatRuleFor(dgp, out, src);
  if (!rule) return true;
  setSrcIp(w.flow, rule.nat.externalIp);
  if (rule.mac !== null) w.flow.ethSrc = rule.mac;
  if (!w.full) return w.add(null);
  const kind =
    rule.nat.type === 'snat'
      ? 'SNAT'
      : rule.distributed
        ? 'floating IP (distributed) SNAT'
        : 'floating IP SNAT';
  const mac = rule.mac !== null ? ` (eth.src ${rule.nat.externalMac})` : '';
  return w.add(
    snatHop(
      cr,
      out,
      `${kind} ${formatIp(src)} -> ${formatIp(rule.nat.externalIp)}${mac} leaving ${cr.router.name} by gateway port ${out.name}`,
    ),
  );
}

/**
 * lr_out_egr_loop: a packet leaving by a gateway port to one of its NAT external IPs is cloned back
 * into the router's ingress at that port (eth addresses swapped), where DNAT applies: how OVN carries
 * east-west traffic to a floating IP.
 */
function egressLoop(w: Walk, cr: CompiledRouter, out: RouterPort): void {
  const hop = {
    index: 0,
    datapath: cr.router.name,
    component: `egress(dp="${cr.router.name}", outport="${out.name}")`,
    type: 'nat' as const,
    action: 'forward' as const,
    stage: 'lr_out_egr_loop',
    next_hop: out.name,
    description: `${formatIp(dstIp(w.flow))} is a NAT external IP of gateway port ${out.name}: the packet loops back into ${cr.router.name} by ${out.name}`,
  };
  if (!w.add(w.full ? hop : null)) return;
  const src = w.flow.ethSrc;
  w.flow.ethSrc = w.flow.ethDst;
  w.flow.ethDst = src;
  routerIngress(w, out.name);
}
