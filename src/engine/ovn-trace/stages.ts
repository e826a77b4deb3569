// Maps OVN logical pipeline stage names to the API's hop types. ACL stage names of every release come
// from the version table (src/engine/ovn-version.ts: 23.03 `ls_in_acl`…, 23.06+ `*_acl_eval` /
// `*_acl_action`): a name never changes meaning between releases, so the union serves any ovn-trace.
// A stage we do not know is a plain `flow` hop, so a newer OVN never breaks a trace.

import { ACL_ACTION_STAGES, ACL_DECIDE_STAGES } from '../ovn-version.ts';
import type { HopType } from '../types.ts';

const RULES: ReadonlyArray<readonly [RegExp, HopType]> = [
  [/_port_sec/, 'port_security'],
  [/(^|_)(lb|pre_lb|lb_aff_check|lb_aff_learn|pre_hairpin|hairpin|nat_hairpin)$/, 'load_balancer'],
  [
    /(^|_)(un)?(snat|dnat)(_local|_from_ct)?$|_nat$|post_undnat|post_snat|chk_dnat_local|gw_redirect|defrag/,
    'nat',
  ],
  [
    /^lr_in_(ip_routing|ip_routing_pre|ip_routing_ecmp|policy|policy_ecmp|arp_resolve|arp_request|ip_input|chk_pkt_len|larger_pkts)$/,
    'l3_routing',
  ],
  [/^ls_in_(l2_lkup|l2_unknown|arp_rsp)$|^lr_in_admission$|^lr_out_delivery$/, 'l2_lookup'],
];

/** The hop type of a stage name (`flow` when unknown). */
export function hopTypeOfStage(stage: string): HopType {
  if (ACL_DECIDE_STAGES.has(stage) || ACL_ACTION_STAGES.has(stage)) return 'acl';
  for (const [re, type] of RULES) if (re.test(stage)) return type;
  return 'flow';
}

/** ACL stages that choose the ACL (not the hint/pre/action stages), in every OVN naming. */
export function isAclDecisionStage(stage: string): boolean {
  return ACL_DECIDE_STAGES.has(stage);
}

/** ACL stages that carry out the chosen ACL's verdict (23.06+ `*_acl_action`). */
export function isAclActionStage(stage: string): boolean {
  return ACL_ACTION_STAGES.has(stage);
}

/** 'ingress' for `ls_in_*`, 'egress' for `ls_out_*`/`lr_out_*`. */
export function stageDirection(stage: string): 'ingress' | 'egress' {
  return /^l[sr]_out_/.test(stage) ? 'egress' : 'ingress';
}
