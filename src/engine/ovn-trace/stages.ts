// Maps OVN logical pipeline stage names to the API's hop types. Covers the 23.03 names (`ls_in_acl`,
// `ls_out_acl`, `ls_in_acl_after_lb`) and the 23.06+ split (`*_acl_eval`, `*_acl_action`); a stage we do
// not know is a plain `flow` hop, so a newer OVN never breaks a trace.

import type { HopType } from '../types.ts';

const RULES: ReadonlyArray<readonly [RegExp, HopType]> = [
  [/_port_sec/, 'port_security'],
  [/^ls_(in|out)_acl(_after_lb)?(_eval|_action)?$/, 'acl'],
  [/^ls_(in|out)_acl_after_lb_(eval|action)$/, 'acl'],
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
  for (const [re, type] of RULES) if (re.test(stage)) return type;
  return 'flow';
}

/** ACL stages that decide a verdict (not the hint/pre stages), in every OVN naming. */
export function isAclDecisionStage(stage: string): boolean {
  return hopTypeOfStage(stage) === 'acl' && !stage.endsWith('_action');
}

/** 'ingress' for `ls_in_*`, 'egress' for `ls_out_*`/`lr_out_*`. */
export function stageDirection(stage: string): 'ingress' | 'egress' {
  return /^l[sr]_out_/.test(stage) ? 'egress' : 'ingress';
}
