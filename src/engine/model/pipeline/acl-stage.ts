// One ACL stage of a logical switch (ingress, after-LB or egress) as the topology's OVN release builds
// it: the highest priority ACL whose match holds decides (allow, allow-related, allow-stateless let the
// packet through; drop and reject do not); from 23.06 tier by tier, `pass` moving on to the next tier.
// With no decision the packet passes unless NB_Global options:default_acl_drop=true and the switch has
// ACLs (or, before 23.06, for IP in the ACL stages, a load balancer). With conntrack state new at every
// ct step, allow and allow-related give the same verdict for the first packet of a connection.

import { CT } from '../../../ovn/expr/index.ts';
import type { AclStageKind } from '../../ovn-version.ts';
import type { AclDecision } from '../../result/tree.ts';
import type { AclMatch, Hop } from '../../types.ts';
import type { CompiledAcl, CompiledSwitch } from '../compile/network.ts';
import type { Walk } from './walk.ts';

export type AclStage = AclStageKind;

const STAGE_NAME: Record<AclStage, string> = {
  ingress: 'ingress ACL',
  'after-lb': 'ingress ACL (after load balancer)',
  egress: 'egress ACL',
};

const NO_PASSES: CompiledAcl[] = [];

/**
 * Runs a stage on the walk's packet and records its hop: only when an ACL matched or the stage dropped
 * (the hop rule, result/hop-stages.ts); a default allow is a decision without a hop. `tracked` says whether the packet went through a ct step here (then ct.new).
 * Returns false when the walk ended here (dropped, or out of hops).
 */
export function aclStage(w: Walk, cs: CompiledSwitch, stage: AclStage, tracked: boolean): boolean {
  const f = w.flow;
  // A ct step gives state new; without one the state stays what an earlier ct step left, even on
  // another datapath (that is how ovn-trace 23.03 carries it).
  if (tracked) f.ctState = CT.new | CT.trk;
  const list = stage === 'ingress' ? cs.aclIn : stage === 'egress' ? cs.aclOut : cs.aclAfterLb;
  const passes: CompiledAcl[] = list.tiers ? [] : NO_PASSES;
  const port = stage === 'egress' ? f.outport : f.inport;
  const hit = list.first(f, port, w.ctx.ignored, list.tiers ? (c) => passes.push(c) : undefined);
  const direction = stage === 'egress' ? 'egress' : 'ingress';
  for (const c of passes)
    if (!w.add(w.full ? hop(w, cs, stage, 'forward', c.verdict, [c.aclMatch]) : null)) return false;
  if (hit) {
    const acl = hit.aclMatch;
    if (hit.denies) {
      decide(w, cs, stage, direction, 'drop', acl);
      w.drop(hop(w, cs, stage, 'drop', hit.verdict, [acl]));
      return false;
    }
    decide(w, cs, stage, direction, 'allow', acl);
    return w.add(w.full ? hop(w, cs, stage, 'forward', hit.verdict, [acl]) : null);
  }
  const isIp = f.ethType === 0x0800 || f.ethType === 0x86dd;
  const lbDrop =
    w.ctx.net.behaviour.defaultDropOnLbOnlySwitch && stage !== 'after-lb' && isIp && cs.vips.length > 0;
  if (w.ctx.net.defaultAclDrop && (cs.hasAcls || lbDrop)) {
    decide(w, cs, stage, direction, 'drop', null);
    w.drop(hop(w, cs, stage, 'drop', cs.defaultText[stage][1], []));
    return false;
  }
  if (list.size === 0) return true;
  // The default allowed it: a decision (allowed_by names it) but no hop, as no ACL acted (hop-stages.ts).
  decide(w, cs, stage, direction, 'allow', null);
  return true;
}

/** Records the stage's decision in the trace (a stage with no ACLs and no default drop decides nothing). */
function decide(
  w: Walk,
  cs: CompiledSwitch,
  stage: AclStage,
  direction: AclDecision['direction'],
  verdict: AclDecision['verdict'],
  acl: AclMatch | null,
): void {
  const stageId = w.ctx.net.behaviour.aclStages[stage].decide;
  w.ctx.acl.push({ stage: stageId, datapath: cs.sw.name, direction, verdict, acl });
}

function hop(
  w: Walk,
  cs: CompiledSwitch,
  stage: AclStage,
  action: 'forward' | 'drop',
  description: string,
  acl_matches: Hop['acl_matches'],
): Hop {
  return {
    index: 0,
    type: 'acl',
    component: STAGE_NAME[stage],
    datapath: cs.sw.name,
    stage: w.ctx.net.behaviour.aclStages[stage].decide,
    action,
    description,
    acl_matches,
  };
}
