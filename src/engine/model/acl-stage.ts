// One ACL stage of a logical switch (ingress, after-LB or egress) as OVN 23.03 builds it: the highest
// priority ACL whose match holds decides (allow, allow-related, allow-stateless pass; drop and reject
// do not); with no match the packet passes unless NB_Global options:default_acl_drop=true and the
// switch has ACLs (or, for IP in the ACL stages, a load balancer). With conntrack state new at every
// ct step, allow and allow-related give the same verdict for the first packet of a connection.

import { CT, type Flow } from '../../ovn/expr/index.ts';
import type { AclMatch } from '../types.ts';
import type { CompiledAcl } from './acl-index.ts';
import type { CompiledSwitch } from './compile.ts';
import type { HopInput } from './walk.ts';

export type AclStage = 'ingress' | 'after-lb' | 'egress';

export interface AclVerdict {
  readonly allowed: boolean;
  /** The ACL that decided, or null when the default decided. */
  readonly acl: CompiledAcl | null;
}

/** Evaluates a stage; `tracked` says whether the packet went through a ct step here (then ct.new). */
export function evalAclStage(
  cs: CompiledSwitch,
  stage: AclStage,
  f: Flow,
  tracked: boolean,
  defaultDrop: boolean,
  ignored: (why: string) => void,
): AclVerdict {
  // A ct step gives state new; without one the state stays what an earlier ct step left, even on
  // another datapath (that is how ovn-trace 23.03 carries it).
  if (tracked) f.ctState = CT.new | CT.trk;
  const isIp = f.ethType === 0x0800 || f.ethType === 0x86dd;
  const list = stage === 'ingress' ? cs.aclIn : stage === 'egress' ? cs.aclOut : cs.aclAfterLb;
  const hit = list.first(f, stage === 'egress' ? f.outport : f.inport, ignored);
  if (hit) return { allowed: hit.acl.action !== 'drop' && hit.acl.action !== 'reject', acl: hit };
  const lbDrop = stage !== 'after-lb' && isIp && cs.vips.length > 0;
  return { allowed: !(defaultDrop && (cs.hasAcls || lbDrop)), acl: null };
}

function aclMatch(c: CompiledAcl): AclMatch {
  const a = c.acl;
  return {
    acl_name: a.name,
    priority: a.priority,
    direction: a.direction === 'from-lport' ? 'ingress' : 'egress',
    action: a.action,
    match: a.match,
    owner: `${a.owner.kind === 'switch' ? 'switch' : 'port group'} ${a.owner.name}`,
    uuid: a.uuid,
  };
}

const STAGE_NAME: Record<AclStage, string> = {
  ingress: 'ingress ACL',
  'after-lb': 'ingress ACL (after load balancer)',
  egress: 'egress ACL',
};

/** The hop describing a stage's verdict; null when the stage had nothing to say (no ACLs, allowed). */
export function aclHop(cs: CompiledSwitch, stage: AclStage, v: AclVerdict): HopInput | null {
  const base = {
    type: 'acl' as const,
    component: STAGE_NAME[stage],
    datapath: cs.sw.name,
    stage: `ls_${stage === 'egress' ? 'out' : 'in'}_acl${stage === 'after-lb' ? '_after_lb' : ''}`,
  };
  if (v.acl) {
    const a = v.acl.acl;
    const who = a.name ? `ACL ${a.name}` : `unnamed ACL ${a.uuid.slice(0, 8)}`;
    const verb = v.allowed ? 'Allowed' : a.action === 'reject' ? 'Rejected' : 'Dropped';
    return {
      ...base,
      action: v.allowed ? 'forward' : 'drop',
      description: `${verb} by ${who} (priority ${a.priority}, ${a.action}): ${a.match}`,
      acl_matches: [aclMatch(v.acl)],
    };
  }
  if (!v.allowed) {
    return {
      ...base,
      action: 'drop',
      description: `No ${STAGE_NAME[stage]} matched on ${cs.sw.name}: dropped by default (default_acl_drop=true)`,
      acl_matches: [],
    };
  }
  const has = stage === 'ingress' ? cs.aclIn : stage === 'egress' ? cs.aclOut : cs.aclAfterLb;
  if (has.size === 0) return null;
  return {
    ...base,
    action: 'forward',
    description: `No ${STAGE_NAME[stage]} matched on ${cs.sw.name}: allowed by default`,
    acl_matches: [],
  };
}
