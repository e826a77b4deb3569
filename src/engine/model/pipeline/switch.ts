// A logical switch's ingress and egress pipelines as the model engine runs them: port security,
// from-lport ACLs, load balancer DNAT, after-LB ACLs, L2 lookup (MACs, router ports, `unknown`,
// flooding), then to-lport ACLs, egress port security and output or hand-off to a router.
// Hops follow the engines' hop rule (../../result/hop-stages.ts): port security in and out and the L2
// lookup are always hops, an ACL stage only when an ACL matched or it dropped, the LB when it DNATs.
// Hop objects are built only with detail 'full' (drops always), from strings compiled once per port.

import { CT } from '../../../ovn/expr/index.ts';
import { formatMac } from '../../../ovn/net/addr.ts';
import { natMacTarget } from '../compile/gateway-port.ts';
import type { CompiledPort, CompiledSwitch, CompiledVip } from '../compile/network.ts';
import { dstKey, isIp, srcKey } from '../packet.ts';
import { aclStage } from './acl-stage.ts';
import { forkPerBackend, matchVip } from './load-balancer.ts';
import { egressViolation, ingressViolation, securityEntries } from './port-security.ts';
import type { Walk } from './walk.ts';

const NO_CONNTRACK_TYPES = new Set(['router', 'localnet']);

function isMcast(mac: bigint): boolean {
  return (mac & 0x010000000000n) !== 0n;
}

/** The compiled form of a port of `cs` (strings and values a trace needs), built on first use. */
function compiledPort(w: Walk, cs: CompiledSwitch, name: string): CompiledPort | null {
  let cp = cs.ports.get(name);
  if (cp) return cp;
  const port = w.ctx.net.topology.ports.get(name);
  if (!port) return null;
  const what =
    port.type === 'router'
      ? 'router port (not checked)'
      : port.portSecurity.length === 0
        ? 'no port security (unrestricted)'
        : 'MAC and IP validation passed';
  cp = {
    port,
    ingressComponent: `ingress(dp="${cs.sw.name}", inport="${name}")`,
    egressComponent: `egress(dp="${cs.sw.name}", outport="${name}")`,
    portSecurityPassed: `Port security check on ${name} - ${what}`,
    outputDescription:
      port.type === 'router'
        ? `Egress port security on ${name} - ${what}; to router port ${port.options['router-port'] ?? ''}`
        : `Egress port security on ${name} - ${what}; output to port ${name}`,
    security: securityEntries(port),
  };
  cs.ports.set(name, cp);
  return cp;
}

function portSecurityStage(w: Walk, cs: CompiledSwitch, cp: CompiledPort): boolean {
  const port = cp.port;
  const psDrop = (description: string) =>
    w.drop({
      index: 0,
      type: 'port_security',
      component: cp.ingressComponent,
      datapath: cs.sw.name,
      stage: 'ls_in_check_port_sec',
      action: 'drop',
      description,
    });
  if (port.enabled === false) {
    psDrop(`Port ${port.name} is disabled (enabled=false)`);
    return false;
  }
  if (isMcast(w.flow.ethSrc)) {
    psDrop('Broadcast/multicast source MAC is invalid');
    return false;
  }
  // A router port has no port security, but the stage still runs (and is a hop) as for any port.
  const bad = port.type === 'router' ? null : ingressViolation(cp, w.flow);
  if (bad) {
    psDrop(`Port security violation on ${port.name}: ${bad}`);
    return false;
  }
  if (!w.full) return w.add(null);
  return w.add({
    index: 0,
    type: 'port_security',
    component: cp.ingressComponent,
    datapath: cs.sw.name,
    stage: 'ls_in_check_port_sec',
    action: 'forward',
    description: cp.portSecurityPassed,
  });
}

/**
 * Whether the packet goes through conntrack at this port's ACL stage (then its state is new): IP on a
 * stateful switch, not allowed by an allow-stateless ACL, not from/to a router or localnet port.
 */
function tracked(w: Walk, cs: CompiledSwitch, stateless: boolean, port: CompiledPort): boolean {
  const f = w.flow;
  return (
    isIp(f) && cs.stateful && !stateless && !NO_CONNTRACK_TYPES.has(port.port.type) && !isMcast(f.ethDst)
  );
}

/** Runs the switch ingress pipeline for a packet entering `sw` through `inport`. */
export function switchIngress(w: Walk, swName: string, inport: string): void {
  const ctx = w.ctx;
  const cs = ctx.net.switches.get(swName);
  const cp = cs ? compiledPort(w, cs, inport) : null;
  if (!cs || !cp) {
    w.drop({
      index: 0,
      type: 'flow',
      component: 'ingress',
      action: 'drop',
      description: `Unknown port ${inport}`,
    });
    return;
  }
  w.enter(swName);
  for (const note of cs.ignored) ctx.warnings.add(note);
  w.flow.inport = inport;
  w.flow.outport = '';
  if (!portSecurityStage(w, cs, cp)) return;
  const stateless = isIp(w.flow) && cs.statelessIn.first(w.flow, inport, ctx.ignored) !== null;
  const ct = tracked(w, cs, stateless, cp);
  if (!aclStage(w, cs, 'ingress', ct)) return;
  // The LB stage matches ct.new. A stateless-allowed packet skips conntrack here, as does one from a
  // router port, but ovn-trace keeps the ct state of an earlier switch, so such a packet can still be
  // load balanced on a later switch.
  const vip = (w.flow.ctState & CT.new) !== 0 ? matchVip(cs.vipIndex, w.flow) : null;
  if (vip) {
    for (const b of forkPerBackend(w, vip, cs.sw.name, 'ls_in_lb')) {
      // A client load-balanced to itself.
      if (srcKey(b.flow) === dstKey(b.flow)) hairpin(b, cs, cp, vip);
      else afterLoadBalancer(b, cs, cp);
    }
    return;
  }
  if (hairpinLoop(w, cs, cp)) return;
  afterLoadBalancer(w, cs, cp);
}

/**
 * A packet a router's load balancer sent back to its own sender, entering the sender's switch from the
 * router: the switch's hairpin check (ls_in_pre_hairpin, chk_lb_hairpin: DNATed by an LB and source ==
 * destination, on a switch with VIPs) sends it back out of the port it came in by, to the router, which
 * routes it here again. Whether that repeats depends on the conntrack state crossing the router port:
 * from 23.03 on (OvnBehaviour.routerPortEgressCtClear) a switch without an allow-related ACL clears it
 * on the way out (ct_clear in ls_out_pre_lb), so on the next pass the packet is no longer DNATed, is not
 * hairpinned and reaches the sender (what the L2 lookup below gives). A switch with one (or any switch
 * before) keeps the DNAT state, so the check holds again every pass: ovn-trace follows that loop to its
 * depth limit (the datapath until the TTL runs out) and nothing is delivered. Before 24.03 ovn-trace
 * knows only the load balancers of switches: a router-only VIP is never hairpinned there. From 25.09 a
 * gateway router's egress ct_dnat makes the backend the connection's destination (fromGatewayRouter):
 * the check fails on the second pass and the packet reaches the sender.
 */
function hairpinLoop(w: Walk, cs: CompiledSwitch, cp: CompiledPort): boolean {
  if (cp.port.type !== 'router' || w.backend === null || cs.vips.length === 0) return false;
  const b = w.ctx.net.behaviour;
  if (b.routerPortEgressCtClear && !cs.statefulAcl) return false;
  if (!b.sbHasRouterOnlyLbs && !onSomeSwitch(w, w.lbVip)) return false;
  if (b.traceCtFields && fromGatewayRouter(w, cp)) return false;
  if (srcKey(w.flow) !== dstKey(w.flow)) return false;
  w.drop({
    index: 0,
    type: 'load_balancer',
    component: 'LB hairpin',
    datapath: cs.sw.name,
    stage: 'ls_in_hairpin',
    action: 'drop',
    description: `Load balanced back to its own sender by a router: ${cs.sw.name} hairpins it to the router port ${cp.port.name} it came from with its DNAT conntrack state kept, and the router routes it back (a loop; nothing is delivered)`,
  });
  return true;
}

/**
 * Whether the switch port `cp` leads to a gateway router. Every packet leaving a gateway router with a
 * load balancer meets `ct_dnat` (lr_out_undnat); from 25.09 ovn-trace records the packet's destination,
 * now the backend, as the connection's at that step (OvnBehaviour.traceCtFields), so the switch's
 * chk_lb_hairpin no longer finds the VIP. measured on 26.03: a distributed router has no such step and
 * still loops.
 */
function fromGatewayRouter(w: Walk, cp: CompiledPort): boolean {
  const rp = w.ctx.net.topology.routerPorts.get(cp.port.options['router-port'] ?? '');
  return rp !== undefined && w.ctx.net.routers.get(rp.routerName)?.gateway === true;
}

/** Whether the load balancer of `v` is also on a switch (so in the SB of a release before 24.03). */
function onSomeSwitch(w: Walk, v: CompiledVip | null): boolean {
  if (v === null) return false;
  for (const cs of w.ctx.net.switches.values()) if (cs.sw.loadBalancers.includes(v.lb.name)) return true;
  return false;
}

/** A client load-balanced to itself: OVN sends the packet back out of its port, SNATed to the VIP. */
function hairpin(w: Walk, cs: CompiledSwitch, cp: CompiledPort, vip: CompiledVip): void {
  const f = w.flow;
  [f.ethSrc, f.ethDst] = [f.ethDst, f.ethSrc];
  // OVN's datapath SNATs the hairpinned packet to the VIP (ct_snat_to_vip), but ovn-trace 23.03 does not
  // apply that action: its egress ACLs see the client's own address. We follow ovn-trace, the reference.
  const name = cp.port.name;
  const ok = w.add(
    w.full
      ? {
          index: 0,
          type: 'load_balancer',
          component: 'LB hairpin',
          action: 'forward',
          datapath: cs.sw.name,
          stage: 'ls_in_hairpin',
          description: `Backend is the client itself: hairpin back to ${name} (OVN SNATs it to VIP ${vip.vip.key})`,
          next_hop: name,
        }
      : null,
  );
  if (ok) switchEgress(w, cs, name);
}

function afterLoadBalancer(w: Walk, cs: CompiledSwitch, cp: CompiledPort): void {
  if (aclStage(w, cs, 'after-lb', false)) l2Lookup(w, cs, cp.port.name);
}

function l2Drop(w: Walk, cs: CompiledSwitch, description: string): void {
  w.drop({
    index: 0,
    type: 'l2_lookup',
    component: 'L2 forwarding',
    datapath: cs.sw.name,
    stage: 'ls_in_l2_lkup',
    action: 'drop',
    description,
  });
}

function l2Lookup(w: Walk, cs: CompiledSwitch, inport: string): void {
  const dst = w.flow.ethDst;
  let targets: readonly string[];
  let how: string;
  // A miss may still be a distributed floating IP's external_mac (gateway-port.ts).
  const known = isMcast(dst)
    ? undefined
    : (cs.l2.get(dst) ?? natMacTarget(w.ctx.net.topology, cs.sw.name, dst));
  if (known) {
    targets = known.targets;
    how = known.how;
  } else if (isMcast(dst)) {
    targets = cs.sw.ports;
    how = `flood ${dst === 0xffffffffffffn ? 'broadcast' : 'multicast'} to every port`;
  } else if (cs.unknownPorts.length > 0) {
    targets = cs.unknownPorts;
    how = `MAC ${formatMac(dst)} unknown, forward to ports with "unknown" addresses`;
  } else {
    l2Drop(w, cs, `L2 lookup - no port on ${cs.sw.name} owns MAC ${formatMac(dst)}`);
    return;
  }
  const outs = targets.length === 1 && targets[0] !== inport ? targets : targets.filter((p) => p !== inport);
  if (outs.length === 0) {
    l2Drop(w, cs, `L2 lookup - ${how}, but that is the input port ${inport}`);
    return;
  }
  for (let i = 0; i < outs.length; i++) {
    const b = i === outs.length - 1 ? w : w.fork();
    const out = outs[i]!;
    const hop = w.full
      ? {
          index: 0,
          type: 'l2_lookup' as const,
          component: 'L2 forwarding',
          datapath: cs.sw.name,
          stage: 'ls_in_l2_lkup',
          action: 'forward' as const,
          description: `L2 lookup - ${how}`,
          next_hop: out,
        }
      : null;
    if (b.add(hop)) switchEgress(b, cs, out);
  }
}

function egressDrop(w: Walk, cs: CompiledSwitch, cp: CompiledPort, description: string): void {
  w.drop({
    index: 0,
    datapath: cs.sw.name,
    type: 'port_security',
    component: cp.egressComponent,
    stage: 'ls_out_check_port_sec',
    action: 'drop',
    description,
  });
}

/** Runs the egress pipeline towards `outport`, then outputs or hands off to the router. */
function switchEgress(w: Walk, cs: CompiledSwitch, outport: string): void {
  const cp = compiledPort(w, cs, outport);
  if (!cp) {
    w.drop({
      index: 0,
      type: 'flow',
      component: 'egress',
      action: 'drop',
      description: `Unknown port ${outport}`,
    });
    return;
  }
  const port = cp.port;
  w.flow.outport = outport;
  if (port.enabled === false) {
    egressDrop(w, cs, cp, `Port ${outport} is disabled (enabled=false)`);
    return;
  }
  const stateless = isIp(w.flow) && cs.statelessOut.first(w.flow, outport, w.ctx.ignored) !== null;
  const ct = tracked(w, cs, stateless, cp);
  if (!aclStage(w, cs, 'egress', ct)) return;
  const toRouter = port.type === 'router';
  const bad = toRouter ? null : egressViolation(cp, w.flow);
  if (bad) {
    egressDrop(w, cs, cp, `Port security violation on ${outport}: ${bad}`);
    return;
  }
  // Egress port security is the hop that outputs (or forwards to the router): always a hop.
  const hop = w.full
    ? {
        index: 0,
        type: 'port_security' as const,
        component: cp.egressComponent,
        datapath: cs.sw.name,
        stage: 'ls_out_check_port_sec',
        action: toRouter ? ('forward' as const) : ('output' as const),
        description: cp.outputDescription,
        next_hop: outport,
      }
    : null;
  if (!w.add(hop)) return;
  if (toRouter) w.ctx.handoff.routerIngress(w, port.options['router-port'] ?? '');
  else w.output(outport, cs.sw.name, 'port_security');
}
