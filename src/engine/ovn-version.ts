// The one table of OVN behaviour that differs between releases, for the engines: logical stage names
// and features, by release (the topology's OvnInfo says which release wrote it). Each entry says when
// it changed and how we know: "measured" = real ovn-trace on both sides (DESIGN.md §3a: 23.03 here,
// 25.03 in a chroot); "history" = read in OVN's git history (northd/northd.c, northd/northd.h at the
// release tags, commit named). Engines ask this table instead of testing versions themselves.

import { compareReleases } from '../ovn/topology/ovn-releases.ts';
import { OVN_RELEASES, type OvnInfo, type OvnRelease } from '../ovn/topology/types.ts';

/** The three ACL stages of a switch pipeline (before LB, after LB, egress). */
export type AclStageKind = 'ingress' | 'after-lb' | 'egress';

/** One ACL stage's logical stage names in a release. */
export interface AclStageNames {
  /** Where the matching ACL is chosen (and, before 23.06, acted on). */
  readonly decide: string;
  /** Where the chosen ACL's verdict is carried out (23.06+), else null. */
  readonly action: string | null;
  /** Where a sampled ACL is sampled (24.09+), else null. */
  readonly sample: string | null;
}

/** Logical flow priorities of router routes: prefix length × perPrefixBit + the offset of its kind. */
export interface RoutePriority {
  readonly perPrefixBit: number;
  readonly connected: number;
  readonly staticDstIp: number;
  readonly srcIp: number;
}

export interface OvnBehaviour {
  readonly release: OvnRelease;
  readonly aclStages: Readonly<Record<AclStageKind, AclStageNames>>;
  /** Switch stages of network functions (26.03+), ingress and egress. */
  readonly networkFunctionStages: readonly string[];
  /** ACL `tier` and the `pass` action. */
  readonly aclTiers: boolean;
  /** ACL `sample_new` / `sample_est` and the sample stages. */
  readonly aclSampling: boolean;
  /** ACL `options:persist-established`. */
  readonly aclPersistEstablished: boolean;
  /** Logical_Router_Policy `chain` and the `jump` action. */
  readonly policyChains: boolean;
  /**
   * A reroute policy keeps the next hops a router port reaches and installs a flow when one is left
   * (before: one unreachable next hop and the policy installs nothing).
   */
  readonly policyDropsUnreachableNexthops: boolean;
  /**
   * A reroute policy of several next hops (the ECMP form) matches without its chain's id, so it
   * applies in every chain, the default one included.
   */
  readonly ecmpPolicyInEveryChain: boolean;
  readonly routePriority: RoutePriority;
  /** default_acl_drop=true also drops new IP traffic on a switch with a load balancer and no ACLs. */
  readonly defaultDropOnLbOnlySwitch: boolean;
  /** A reject ACL whose match has a top-level `||` is ignored (its flow does not parse). */
  readonly rejectTopLevelOrIgnored: boolean;
  /**
   * A dnat_and_snat with logical_port + external_mac is distributed only when the gateway port's switch
   * has a localnet port (else the gateway port is centralized and the external MAC drops at admission).
   */
  readonly distributedNatNeedsLocalnet: boolean;
  /**
   * A global (empty route_table) src-ip static route also applies to packets entering a port with a
   * route table (its flow has no `reg7 == 0`); from 25.03 it applies only to ports without one.
   */
  readonly globalSrcIpRouteInEveryTable: boolean;
  /**
   * A router that must ARP/ND for the next hop also outputs the packet itself (`arp {…}; output;`), with
   * eth.dst 00:00:00:00:00:00: ovn-trace follows it to the switch's unknown-MAC ports.
   */
  readonly arpRequestOutputsPacket: boolean;
  /**
   * ovn-trace fills the connection's fields (ct_nw_dst, ct_tp_dst, …) from the packet at every ct
   * action, and answers ct_proto()/ct_tp_dst() with the packet's own protocol and destination port.
   * So a gateway router's egress ct_dnat (lr_out_undnat) records a load-balanced packet's backend as
   * its destination: a switch's chk_lb_hairpin after it no longer finds the VIP (switch.ts hairpinLoop).
   */
  readonly traceCtFields: boolean;
  /**
   * A gateway router skips lr_in_unsnat (priority 120 `next;`) for a load-balancer VIP that is also a
   * NAT external IP; without it the VIP's traffic meets `ct_snat;`, where ovn-trace ends.
   */
  readonly unsnatSkippedForNatVips: boolean;
  /**
   * A switch without an allow-related ACL clears the conntrack state of IP packets it sends to a router
   * port (ls_out_pre_lb `ct_clear; next;`); before, and with such an ACL, the state goes on to the router.
   */
  readonly routerPortEgressCtClear: boolean;
  /**
   * The SB Load_Balancer table also holds load balancers only routers use (lr_datapath_group); before,
   * only those of a switch, and ovn-trace's chk_lb_hairpin finds the VIP of a packet only there.
   */
  readonly sbHasRouterOnlyLbs: boolean;
}

const at = (release: OvnRelease, since: OvnRelease) => compareReleases(release, since) >= 0;

/** ACL stage names: 23.06 split each into eval + action; 24.09 added a sample stage between them. */
function aclStages(r: OvnRelease): Record<AclStageKind, AclStageNames> {
  const names = (base: string): AclStageNames =>
    // history: 46dacbb75 "northd: Break ACLs into two stages" (first in v23.06.0); *_acl_sample from
    // d15b12da6 "northd: Add ACL Sampling" (v24.09.0). measured: ls_in_acl (23.03), *_acl_eval/_action (25.03).
    at(r, '23.06')
      ? { decide: `${base}_eval`, action: `${base}_action`, sample: at(r, '24.09') ? `${base}_sample` : null }
      : { decide: base, action: null, sample: null };
  return {
    ingress: names('ls_in_acl'),
    'after-lb': names('ls_in_acl_after_lb'),
    egress: names('ls_out_acl'),
  };
}

function behaviour(r: OvnRelease): OvnBehaviour {
  return {
    release: r,
    aclStages: aclStages(r),
    // history: ls_{in,out}_network_function in northd.h from v26.03.0.
    networkFunctionStages: at(r, '26.03') ? ['ls_in_network_function', 'ls_out_network_function'] : [],
    // history: ACL.tier in ovn-nb.ovsschema from v23.06.0 (NB 7.0.4), with the `pass` action.
    aclTiers: at(r, '23.06'),
    // history: ACL.sample_new in ovn-nb.ovsschema from v24.09.0 (NB 7.6.0).
    aclSampling: at(r, '24.09'),
    // history: 03556dc05 "northd: Add "persist-established" ACL option." (v25.03.0); not measured.
    aclPersistEstablished: at(r, '25.03'),
    // history: Logical_Router_Policy.chain in ovn-nb.ovsschema from v25.03.0 (NB 7.11.0).
    policyChains: at(r, '25.03'),
    // history: next hops filtered by reachability when the router's policies are parsed, from 15c9c9f42
    // "northd: Add bfd, static_routes, route_policies and bfd_sync nodes to I-P engine." (v24.09.0);
    // 23.03 gives up on the whole policy. measured: 25.03 (version-cases.ts).
    policyDropsUnreachableNexthops: at(r, '24.09'),
    // history: build_ecmp_routing_policy_flows adds the rule's own match only, while the single-next-hop
    // flow gets the chain-id condition (v25.03.0 to v26.03.0). measured: 25.03 (version-cases.ts).
    ecmpPolicyInEveryChain: at(r, '25.03'),
    // measured: 3·plen+2 connected / +1 static on 23.03, 8·plen+6 / +4 on 25.03. history: multiplier 3
    // through v24.09.0, 8 from 966ca1c91 "northd: Handle learned routes" (v25.03.0); src-ip +0 in both.
    routePriority: at(r, '25.03')
      ? { perPrefixBit: 8, connected: 6, staticDstIp: 4, srcIp: 0 }
      : { perPrefixBit: 3, connected: 2, staticDstIp: 1, srcIp: 0 },
    // measured: drops on 23.03, not on 25.03. history: in 23.03 the LB-only switch's priority-1
    // `ip && !ct.est` ACL flow takes the default action; from 46dacbb75 (v23.06.0) such a switch's
    // *_acl_action stage is a plain `next;`.
    defaultDropOnLbOnlySwitch: !at(r, '23.06'),
    // measured: ignored on 23.03, applied on 25.03. history: 23.03's stateful reject flow is
    // `(hint) && MATCH` without parentheses around MATCH, which OVN's parser refuses when MATCH has a
    // top-level `||`; the eval/action split 46dacbb75 (v23.06.0) parenthesizes it.
    rejectTopLevelOrIgnored: !at(r, '23.06'),
    // measured: distributed regardless on 23.03, needs localnet on 25.03. history: c71383f85 "northd:
    // Autodiscover centralize_routing" (v25.03.0) centralizes a lone gateway port whose switch has no
    // localnet port (24.09 did so only with options:centralize_routing=true, 8d13579bf).
    distributedNatNeedsLocalnet: at(r, '25.03'),
    // measured: 25.03 writes `reg7 == 0 && ip4.src == …` for a global src-ip route (a packet from a port
    // with a route table misses it). history: through v24.09.0 build_route_match adds reg7 only when
    // `ofs == ROUTE_PRIO_OFFSET_STATIC`, and a src-ip route's ofs is 0 by then; 966ca1c91 "northd: Handle
    // learned routes" (v25.03.0) tests the route's source instead.
    globalSrcIpRouteInEveryTable: !at(r, '25.03'),
    // measured: 23.03 ends the trace in `arp { … };`, 25.03 then outputs the packet (eth.dst all zero) to
    // the unknown-MAC ports. history: c141d8b19 "northd, controller: Use paused controller action for
    // packet buffering" (v24.09.0) appends `output;` to the lr_in_arp_request flows.
    arpRequestOutputsPacket: at(r, '24.09'),
    // measured: 26.03's ovn-trace vs the lflow engine (hairpin and NodePort cases), 25.03 not; the
    // gateway-router hairpin loop of version-cases.ts ends on 26.03 only, the distributed one not. history:
    // acf9c8a9d "ovn-trace: Populate CT fields during CT actions." and 8e6f9a835 (ct_proto()/ct_tp_dst()
    // in ovn-trace, the ct_extract stages in northd), both first in v25.09.0.
    traceCtFields: at(r, '25.09'),
    // measured: the 120 flow is there on 23.03.1 and 26.03, not on 25.03.0 (ovn-trace then ends NodePort
    // traffic to a node address at ct_snat). history: ffe267317 "northd: Don't skip the unSNAT stage for
    // traffic towards VIPs." (v24.09.0; also backported to 22.03.7, 23.03.3, 23.06.3), reverted by
    // 342eb7fec (v25.09.0; backported to 24.03.7, 25.03.2). By feature release: x.y.0 behaviour.
    unsnatSkippedForNatVips: !at(r, '24.09') || at(r, '25.09'),
    // measured: ct_clear on 23.03.1, 25.03 and 26.03 (the router LB hairpin case of version-cases.ts).
    // history: d17ece7f3 "northd: prevents sending packet to conntrack for router ports" (v23.06.0,
    // backported to 23.03.1; 23.03.0 and 22.x lack it). By feature release: 23.03 counts as having it.
    routerPortEgressCtClear: at(r, '23.03'),
    // measured: 23.03.1's ovn-trace does not hairpin a router-only VIP (chk_lb_hairpin 0), 25.03 does.
    // history: Load_Balancer.lr_datapath_group in ovn-sb.ovsschema from v24.03.0.
    sbHasRouterOnlyLbs: at(r, '24.03'),
  };
}

const TABLE: ReadonlyMap<OvnRelease, OvnBehaviour> = new Map(OVN_RELEASES.map((r) => [r, behaviour(r)]));

/** How a release (or the OVN a topology came from) behaves. */
export function ovnBehaviour(of: OvnRelease | OvnInfo): OvnBehaviour {
  return TABLE.get(typeof of === 'string' ? of : of.release)!;
}

/** Flow priority of a route in a release: longest prefix first, connected before static at equal length. */
export function routePriority(
  of: OvnRelease | OvnInfo,
  prefixLength: number,
  kind: 'connected' | 'static' | 'src-ip',
): number {
  const p = ovnBehaviour(of).routePriority;
  const offset = kind === 'connected' ? p.connected : kind === 'static' ? p.staticDstIp : p.srcIp;
  return prefixLength * p.perPrefixBit + offset;
}

/** Every ACL stage name of every release, by role: stage names never change meaning between releases. */
function allAclStageNames(role: keyof AclStageNames): ReadonlySet<string> {
  const out = new Set<string>();
  for (const b of TABLE.values())
    for (const s of Object.values(b.aclStages)) if (s[role] !== null) out.add(s[role]);
  return out;
}

/** ACL stages that choose an ACL (23.03 `ls_in_acl`, 23.06+ `*_acl_eval`), in any release. */
export const ACL_DECIDE_STAGES = allAclStageNames('decide');
/** ACL stages that carry out the chosen verdict (23.06+ `*_acl_action`). */
export const ACL_ACTION_STAGES = allAclStageNames('action');
/** ACL sampling stages (24.09+ `*_acl_sample`). */
export const ACL_SAMPLE_STAGES = allAclStageNames('sample');
