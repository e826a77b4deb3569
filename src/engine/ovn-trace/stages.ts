// Maps OVN logical pipeline stage names to the API's hop types for the ovn-trace engine. The mapping
// itself is the engines' shared hop rule (../result/hop-stages.ts); ACL stage names of every release come
// from the version table (src/engine/ovn-version.ts: 23.03 `ls_in_acl`…, 23.06+ `*_acl_eval` /
// `*_acl_action`). A stage we do not know is a plain `flow` stage, so a newer OVN never breaks a trace.

import { ACL_ACTION_STAGES, ACL_DECIDE_STAGES } from '../ovn-version.ts';

export { hopTypeOfStage } from '../result/hop-stages.ts';

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
