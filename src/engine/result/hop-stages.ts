// The hop rule every engine follows (issue 17: hops mean the same on every engine), defined once here.
//
// Contract:
// - A hop is one logical pipeline stage of one datapath pass that acted on the packet. Stages come in
//   groups (below): a group is one hop, named by its hop stage id (`stage` of the hop) and typed with
//   the seed's hop types. Several OVN stages of a group that run one after the other in the same
//   datapath pass (ls_in_check_port_sec + ls_in_apply_port_sec, *_acl_eval + *_acl_action,
//   lr_in_ip_routing_pre + lr_in_ip_routing + lr_in_ip_routing_ecmp, …) make one hop.
// - When a group is a hop (`when`):
//     'always': whenever the packet passes the stage (port security in and out, L2 lookup, IP routing);
//     'rule':   when a configured rule decided there (an ACL's match, a router policy), or it dropped;
//               a stage that only applied the default (no ACL matched, no policy) is no hop: its
//               decision still shows in `allowed_by`;
//     'change': when it rewrote the packet's addresses (NAT, load balancing, hairpin, a router
//               answering a ping), or it dropped;
//     'drop':   plumbing (pre-stages, hints, conntrack steps, neighbour learning, delivery): only when
//               it dropped the packet.
//   A stage this table does not know is plumbing of type `flow`, so a newer OVN never adds hops.
// - The packet's last hop is where it ended: the egress port security hop outputs to a VIF (action
//   `output`) or forwards to a router (`forward`); a drop is always a hop, the one it died at.
// - `verbose` adds detail inside hops (the logical flows folded into a hop, ovn-trace notes), never
//   hops: the hop list is the same with and without it.
// - `max_hops` cuts the list: a trace with more hops than that shows the first max_hops, says
//   `truncated`, and has no verdict from what it did not trace (not reached, dropped_at null).
// An engine that executes logical flows (ovn-trace, lflow) classifies each executed flow with
// `hopStageOf` and groups them with `groupFlows`; the model builds the same hops directly, taking each
// hop's type from `hopTypeOfStage`.

import { ACL_ACTION_STAGES, ACL_DECIDE_STAGES } from '../ovn-version.ts';
import type { HopType } from '../vocabulary.ts';

export type HopWhen = 'always' | 'rule' | 'change' | 'drop';

/** The hop a logical stage belongs to. */
export interface HopStage {
  /** The hop's stage id: the group's main stage (e.g. ls_in_check_port_sec for ls_in_apply_port_sec). */
  readonly stage: string;
  readonly type: HopType;
  readonly when: HopWhen;
}

const FIXED: Record<string, readonly [group: string, type: HopType, when: HopWhen]> = {
  ls_in_check_port_sec: ['ls_in_check_port_sec', 'port_security', 'always'],
  ls_in_apply_port_sec: ['ls_in_check_port_sec', 'port_security', 'always'],
  ls_in_port_sec_l2: ['ls_in_check_port_sec', 'port_security', 'always'],
  ls_in_port_sec_ip: ['ls_in_check_port_sec', 'port_security', 'always'],
  ls_in_port_sec_nd: ['ls_in_check_port_sec', 'port_security', 'always'],
  ls_out_check_port_sec: ['ls_out_check_port_sec', 'port_security', 'always'],
  ls_out_apply_port_sec: ['ls_out_check_port_sec', 'port_security', 'always'],
  ls_out_port_sec_l2: ['ls_out_check_port_sec', 'port_security', 'always'],
  ls_out_port_sec_ip: ['ls_out_check_port_sec', 'port_security', 'always'],
  ls_in_lb: ['ls_in_lb', 'load_balancer', 'change'],
  ls_in_pre_hairpin: ['ls_in_hairpin', 'load_balancer', 'change'],
  ls_in_nat_hairpin: ['ls_in_hairpin', 'load_balancer', 'change'],
  ls_in_hairpin: ['ls_in_hairpin', 'load_balancer', 'change'],
  ls_in_arp_rsp: ['ls_in_arp_rsp', 'l2_lookup', 'change'],
  ls_in_l2_lkup: ['ls_in_l2_lkup', 'l2_lookup', 'always'],
  ls_in_l2_unknown: ['ls_in_l2_lkup', 'l2_lookup', 'always'],
  lr_in_admission: ['lr_in_admission', 'l2_lookup', 'drop'],
  lr_in_ip_input: ['lr_in_ip_input', 'l3_routing', 'change'],
  lr_in_dnat: ['lr_in_dnat', 'nat', 'change'],
  lr_in_lb: ['lr_in_dnat', 'load_balancer', 'change'],
  lr_in_ip_routing_pre: ['lr_in_ip_routing', 'l3_routing', 'always'],
  lr_in_ip_routing: ['lr_in_ip_routing', 'l3_routing', 'always'],
  lr_in_ip_routing_ecmp: ['lr_in_ip_routing', 'l3_routing', 'always'],
  lr_in_policy: ['lr_in_policy', 'l3_routing', 'rule'],
  lr_in_policy_ecmp: ['lr_in_policy', 'l3_routing', 'rule'],
  lr_in_arp_resolve: ['lr_in_arp_resolve', 'l3_routing', 'drop'],
  lr_in_arp_request: ['lr_in_arp_resolve', 'l3_routing', 'drop'],
  lr_out_undnat: ['lr_out_undnat', 'nat', 'change'],
  lr_out_snat: ['lr_out_snat', 'nat', 'change'],
  lr_out_egr_loop: ['lr_out_egr_loop', 'nat', 'change'],
};

/** Plumbing whose type still says what it belongs to (a drop there is typed by it). */
const PLUMBING: ReadonlyArray<readonly [RegExp, HopType]> = [
  [/(^|_)(pre_lb|lb_aff_check|lb_aff_learn)$/, 'load_balancer'],
  [/(^|_)(un)?(snat|dnat)(_local|_from_ct)?$|_nat$|post_undnat|post_snat|chk_dnat_local|gw_redirect/, 'nat'],
  [/^lr_in_(chk_pkt_len|larger_pkts|defrag)$/, 'l3_routing'],
  [/^lr_out_delivery$/, 'l2_lookup'],
];

const cache = new Map<string, HopStage>();

function classify(stage: string): HopStage {
  if (ACL_DECIDE_STAGES.has(stage)) return { stage, type: 'acl', when: 'rule' };
  // 24.09+ samples between eval and action: plumbing, so the action still joins the eval hop.
  if (ACL_ACTION_STAGES.has(stage))
    return { stage: stage.replace(/_action$/, '_eval'), type: 'acl', when: 'rule' };
  const fixed = FIXED[stage];
  if (fixed) return { stage: fixed[0], type: fixed[1], when: fixed[2] };
  for (const [re, type] of PLUMBING) if (re.test(stage)) return { stage, type, when: 'drop' };
  return { stage, type: 'flow', when: 'drop' };
}

/** The hop a logical stage (any OVN release's name) belongs to. */
export function hopStageOf(stage: string): HopStage {
  let s = cache.get(stage);
  if (!s) cache.set(stage, (s = classify(stage)));
  return s;
}

/** The hop type of a stage; a stage that load-balances is a load_balancer hop wherever it is. */
export function hopTypeOfStage(stage: string, loadBalances = false): HopType {
  return loadBalances ? 'load_balancer' : hopStageOf(stage).type;
}

/** One logical flow an engine executed, as the hop rule sees it. */
export interface FlowEvent {
  readonly stage: string;
  /** The datapath pass (compared by identity): a hop never spans two passes. */
  readonly pass: unknown;
  readonly dropped: boolean;
  /** A configured rule (an ACL, a router policy), not northd's default, decided here. */
  readonly rule: boolean;
  /** The flow rewrote the packet's addresses (NAT, LB, hairpin, ping answer). */
  readonly changed: boolean;
  /** The flow load-balanced (ct_lb with backends): the hop is a load_balancer hop. */
  readonly loadBalances: boolean;
  /** hopStageOf(stage), when the engine has it at hand (saves a lookup per executed flow). */
  readonly hop?: HopStage;
}

/** One hop made of executed flows: `members` are its stage's flows, `details` the plumbing folded in. */
export interface FlowHop<E extends FlowEvent> {
  readonly stage: string;
  type: HopType;
  readonly members: E[];
  readonly details: E[];
}

function acts(e: FlowEvent, s: HopStage): boolean {
  if (e.dropped) return true;
  if (s.when === 'always') return true;
  if (s.when === 'rule') return e.rule;
  if (s.when === 'change') return e.changed;
  return false;
}

/**
 * Groups executed flows into hops by the rule above. Plumbing is folded into the next hop (it prepares
 * that stage); plumbing after the last hop goes into the last one. Events without a stage (notes) can
 * be passed with stage '' and are folded the same way unless they dropped.
 */
export function groupFlows<E extends FlowEvent>(events: readonly E[]): FlowHop<E>[] {
  const hops: FlowHop<E>[] = [];
  let pending: E[] = [];
  let current: FlowHop<E> | null = null;
  let currentPass: unknown = null;
  for (const e of events) {
    const s = e.hop ?? hopStageOf(e.stage);
    const sameHop = current !== null && currentPass === e.pass && current.stage === s.stage;
    if (sameHop && (s.when !== 'drop' || e.dropped)) {
      current!.members.push(e);
      if (e.loadBalances) current!.type = 'load_balancer';
      continue;
    }
    if (!acts(e, s)) {
      pending.push(e);
      continue;
    }
    current = {
      stage: s.stage,
      type: e.loadBalances ? 'load_balancer' : s.type,
      members: [e],
      details: pending,
    };
    currentPass = e.pass;
    pending = [];
    hops.push(current);
  }
  if (pending.length > 0 && current) current.details.push(...pending);
  return hops;
}
