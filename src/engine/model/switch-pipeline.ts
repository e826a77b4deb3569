// A logical switch's ingress and egress pipelines as the model engine runs them: port security,
// from-lport ACLs, load balancer DNAT, after-LB ACLs, L2 lookup (MACs, router ports, `unknown`,
// flooding), then to-lport ACLs, egress port security and output or hand-off to a router.

import { CT } from '../../ovn/expr/index.ts';
import { formatMac } from '../../ovn/net/addr.ts';
import type { SwitchPort } from '../../ovn/topology/types.ts';
import { aclHop, evalAclStage } from './acl-stage.ts';
import type { CompiledSwitch, CompiledVip } from './compile.ts';
import { applyVip, matchVip } from './load-balancer.ts';
import { dstIp, isIp, srcIp } from './packet.ts';
import { egressViolation, ingressViolation } from './port-security.ts';
import { routerIngress } from './router-pipeline.ts';
import type { Walk } from './walk.ts';

const ignoredBy = (w: Walk): ((why: string) => void) => w.ctx.ignored;

const NO_CONNTRACK_TYPES = new Set(['router', 'localnet']);

function isMcast(mac: bigint): boolean {
  return (mac & 0x010000000000n) !== 0n;
}

function portSecurityStage(w: Walk, cs: CompiledSwitch, port: SwitchPort, component: string): boolean {
  const base = {
    type: 'port_security' as const,
    component,
    datapath: cs.sw.name,
    stage: 'ls_in_check_port_sec',
  };
  if (port.enabled === false) {
    w.drop({ ...base, action: 'drop', description: `Port ${port.name} is disabled (enabled=false)` });
    return false;
  }
  if (isMcast(w.flow.ethSrc)) {
    w.drop({ ...base, action: 'drop', description: 'Broadcast/multicast source MAC is invalid' });
    return false;
  }
  if (port.type === 'router') return true;
  const bad = ingressViolation(port, w.flow);
  if (bad) {
    w.drop({ ...base, action: 'drop', description: `Port security violation on ${port.name}: ${bad}` });
    return false;
  }
  const what =
    port.portSecurity.length === 0 ? 'no port security (unrestricted)' : 'MAC and IP validation passed';
  return w.add({ ...base, action: 'forward', description: `Port security check on ${port.name} - ${what}` });
}

/** Runs the switch ingress pipeline for a packet entering `sw` through `inport`. */
export function switchIngress(w: Walk, swName: string, inport: string): void {
  const ctx = w.ctx;
  const cs = ctx.net.switches.get(swName);
  const port = ctx.net.topology.ports.get(inport);
  if (!cs || !port) {
    w.drop({ type: 'flow', component: 'ingress', action: 'drop', description: `Unknown port ${inport}` });
    return;
  }
  for (const note of cs.ignored) ctx.warnings.add(note);
  w.flow.inport = inport;
  w.flow.outport = '';
  if (!portSecurityStage(w, cs, port, `ingress(dp="${swName}", inport="${inport}")`)) return;
  const ip = isIp(w.flow);
  const stateless = ip && cs.statelessIn.first(w.flow, inport, ignoredBy(w)) !== null;
  const stateful = cs.hasStatefulAcl || cs.vips.length > 0;
  const tracked =
    ip && stateful && !stateless && !NO_CONNTRACK_TYPES.has(port.type) && !isMcast(w.flow.ethDst);
  const v = evalAclStage(cs, 'ingress', w.flow, tracked, ctx.net.defaultAclDrop, ignoredBy(w));
  const hop = aclHop(cs, 'ingress', v);
  if (!v.allowed) {
    w.drop(hop!);
    return;
  }
  if (hop && !w.add(hop)) return;
  // The LB stage matches ct.new. A stateless-allowed packet skips conntrack here, as does one from a
  // router port, but ovn-trace keeps the ct state of an earlier switch, so such a packet can still be
  // load balanced on a later switch.
  const vip = (w.flow.ctState & CT.new) !== 0 ? matchVip(cs.vips, w.flow) : null;
  if (vip) {
    for (const b of forkBackends(w, vip, cs.sw.name)) {
      if (isHairpin(b)) hairpin(b, cs, port, vip);
      else afterLoadBalancer(b, cs, port);
    }
    return;
  }
  afterLoadBalancer(w, cs, port);
}

function forkBackends(w: Walk, vip: CompiledVip, where: string): Walk[] {
  if (vip.vip.backends.length === 0) {
    w.drop({
      type: 'load_balancer',
      component: `load balancer ${vip.lb.name}`,
      action: 'drop',
      datapath: where,
      description: `Load balancer ${vip.lb.name}: VIP ${vip.vip.key} has no backends`,
    });
    return [];
  }
  return vip.vip.backends
    .map((_backend) => w.fork())
    .filter((b, i) => applyVip(b, vip, vip.vip.backends[i]!, where));
}

/** A client load-balanced to itself: OVN sends the packet back out of its port, SNATed to the VIP. */
function isHairpin(w: Walk): boolean {
  const s = srcIp(w.flow);
  const d = dstIp(w.flow);
  return s.family === d.family && s.value === d.value;
}

function hairpin(w: Walk, cs: CompiledSwitch, port: SwitchPort, vip: CompiledVip): void {
  const f = w.flow;
  [f.ethSrc, f.ethDst] = [f.ethDst, f.ethSrc];
  // OVN's datapath SNATs the hairpinned packet to the VIP (ct_snat_to_vip), but ovn-trace 23.03 does not
  // apply that action: its egress ACLs see the client's own address. We follow ovn-trace, the reference.
  const ok = w.add({
    type: 'l2_lookup',
    component: 'LB hairpin',
    action: 'forward',
    datapath: cs.sw.name,
    stage: 'ls_in_hairpin',
    description: `Backend is the client itself: hairpin back to ${port.name} (OVN SNATs it to VIP ${vip.vip.key})`,
    next_hop: port.name,
  });
  if (ok) switchEgress(w, cs, port.name);
}

function afterLoadBalancer(w: Walk, cs: CompiledSwitch, port: SwitchPort): void {
  const v = evalAclStage(cs, 'after-lb', w.flow, false, w.ctx.net.defaultAclDrop, ignoredBy(w));
  const hop = aclHop(cs, 'after-lb', v);
  if (!v.allowed) {
    w.drop(hop!);
    return;
  }
  if (hop && !w.add(hop)) return;
  l2Lookup(w, cs, port);
}

function l2Lookup(w: Walk, cs: CompiledSwitch, inport: SwitchPort): void {
  const mac = formatMac(w.flow.ethDst);
  const base = {
    type: 'l2_lookup' as const,
    component: 'L2 forwarding',
    datapath: cs.sw.name,
    stage: 'ls_in_l2_lkup',
  };
  let targets: readonly string[];
  let how: string;
  if (isMcast(w.flow.ethDst)) {
    targets = cs.sw.ports;
    how = `flood ${mac === 'ff:ff:ff:ff:ff:ff' ? 'broadcast' : 'multicast'} to every port`;
  } else if (cs.macTable.has(mac)) {
    targets = cs.macTable.get(mac)!;
    how = `forward to port for MAC ${mac}`;
  } else if (cs.unknownPorts.length > 0) {
    targets = cs.unknownPorts;
    how = `MAC ${mac} unknown, forward to ports with "unknown" addresses`;
  } else {
    w.drop({ ...base, action: 'drop', description: `L2 lookup - no port on ${cs.sw.name} owns MAC ${mac}` });
    return;
  }
  const outs = targets.filter((p) => p !== inport.name);
  if (outs.length === 0) {
    w.drop({
      ...base,
      action: 'drop',
      description: `L2 lookup - ${how}, but that is the input port ${inport.name}`,
    });
    return;
  }
  outs.forEach((out, i) => {
    const b = i === outs.length - 1 ? w : w.fork();
    if (b.add({ ...base, action: 'forward', description: `L2 lookup - ${how}`, next_hop: out }))
      switchEgress(b, cs, out);
  });
}

/** Runs the egress pipeline towards `outport`, then outputs or hands off to the router. */
function switchEgress(w: Walk, cs: CompiledSwitch, outport: string): void {
  const ctx = w.ctx;
  const port = ctx.net.topology.ports.get(outport);
  const l2 = w.hops.at(-1)!;
  if (!port) {
    w.drop({
      type: 'flow',
      component: 'egress',
      action: 'drop',
      description: `Unknown port ${outport}`,
    });
    return;
  }
  w.flow.outport = outport;
  const base = { datapath: cs.sw.name };
  if (port.enabled === false) {
    w.drop({
      ...base,
      type: 'flow',
      component: 'egress',
      action: 'drop',
      description: `Port ${outport} is disabled (enabled=false)`,
    });
    return;
  }
  const ip = isIp(w.flow);
  const stateless = ip && cs.statelessOut.first(w.flow, outport, ignoredBy(w)) !== null;
  const stateful = cs.hasStatefulAcl || cs.vips.length > 0;
  const tracked =
    ip && stateful && !stateless && !NO_CONNTRACK_TYPES.has(port.type) && !isMcast(w.flow.ethDst);
  const v = evalAclStage(cs, 'egress', w.flow, tracked, ctx.net.defaultAclDrop, ignoredBy(w));
  const hop = aclHop(cs, 'egress', v);
  if (!v.allowed) {
    w.drop(hop!);
    return;
  }
  if (hop && !w.add(hop)) return;
  const bad = port.type === 'router' ? null : egressViolation(port, w.flow);
  const psBase = {
    ...base,
    type: 'port_security' as const,
    component: `egress(dp="${cs.sw.name}", outport="${outport}")`,
    stage: 'ls_out_check_port_sec',
  };
  if (bad) {
    w.drop({
      ...psBase,
      action: 'drop',
      description: `Port security violation on ${outport}: ${bad}`,
    });
    return;
  }
  if (port.type === 'router') {
    const rp = port.options['router-port'] ?? '';
    routerIngress(w, rp);
    return;
  }
  if (w.hops.at(-1) === l2) {
    l2.action = 'output';
  } else if (
    !w.add({
      ...base,
      type: 'flow',
      component: 'output',
      action: 'output',
      description: `Output to port ${outport}`,
      next_hop: outport,
    })
  ) {
    return;
  }
  w.output(outport, cs.sw.name);
}
