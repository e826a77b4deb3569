// Names the NB ACL behind an ACL-stage logical flow of a trace. Three ways, cheapest first: the flow
// itself (priority = ACL priority + 1000, the ACL match embedded, direction from the stage) when exactly
// one ACL on the datapath fits; the `log(name=…)` action; and the SB Logical_Flow's
// `external_ids:stage-hint` (first 8 hex digits of the NB ACL uuid; needs an ovn-sbctl call, and works
// only when the topology came from that NB: snapshot files have other uuids).

import { ruleOwner } from '../../ovn/topology/rule-owner.ts';
import type { Acl, Topology } from '../../ovn/topology/types.ts';
import type { AclMatch } from '../types.ts';
import type { TableStep } from './parse-detailed.ts';
import { stageDirection } from './stages.ts';

/** ACL priorities map to flow priority + this offset in 23.03 (and later). */
export const ACL_PRIORITY_OFFSET = 1000;

/** Looks up `external_ids:stage-hint` of a SB logical flow by its uuid prefix; null when unknown. */
export type StageHintLookup = (lflowUuidPrefix: string) => Promise<string | null>;

/** Every ACL that can apply on a switch: its own, and those of port groups with a member on it. */
export function aclsOnSwitch(t: Topology, switchName: string): Acl[] {
  const sw = t.switches.get(switchName);
  const groups = t.index.groupsBySwitch.get(switchName) ?? [];
  return [...(sw?.acls ?? []), ...groups.flatMap((g) => t.portGroups.get(g)?.acls ?? [])];
}

function allAcls(t: Topology): Acl[] {
  return [...t.switches.values(), ...t.portGroups.values()].flatMap((o) => o.acls);
}

function toMatch(t: Topology, acl: Acl): AclMatch {
  const m: AclMatch = {
    acl_name: acl.name,
    priority: acl.priority,
    direction: acl.direction === 'from-lport' ? 'ingress' : 'egress',
    action: acl.action,
    match: acl.match,
    attached_to: `${acl.owner.kind === 'switch' ? 'switch' : 'port group'} ${acl.owner.name}`,
    owner: ruleOwner(acl, t),
    uuid: acl.uuid,
  };
  if (acl.tier !== 0) m.tier = acl.tier;
  return m;
}

/**
 * northd uses the ACL match as is on a stateless switch, `… && (MATCH)` on a stateful one, and
 * `(…) && MATCH` for reject flows.
 */
function containsAclMatch(flowMatch: string, aclMatch: string): boolean {
  return (
    flowMatch === aclMatch || flowMatch.includes(`(${aclMatch})`) || flowMatch.endsWith(` && ${aclMatch}`)
  );
}

function byFlowShape(t: Topology, step: TableStep): Acl | null {
  const dir = stageDirection(step.stage) === 'ingress' ? 'from-lport' : 'to-lport';
  const prio = step.priority - ACL_PRIORITY_OFFSET;
  const candidates = aclsOnSwitch(t, step.context.datapath ?? '').filter(
    (a) => a.direction === dir && a.priority === prio && containsAclMatch(step.match, a.match),
  );
  return candidates.length === 1 ? candidates[0]! : null;
}

function byLogName(t: Topology, step: TableStep): Acl | null {
  const name = step.logs.find((l) => l.name)?.name;
  if (!name) return null;
  const hits = aclsOnSwitch(t, step.context.datapath ?? '').filter((a) => a.name === name);
  return hits.length === 1 ? hits[0]! : null;
}

/** Costs an ovn-sbctl call (cached), so it is the last resort. */
async function byStageHint(
  t: Topology,
  step: TableStep,
  lookup: StageHintLookup | null,
): Promise<Acl | null> {
  const hint = lookup ? await lookup(step.uuid).catch(() => null) : null;
  const hits = hint ? allAcls(t).filter((a) => a.uuid.startsWith(hint)) : [];
  return hits.length === 1 ? hits[0]! : null;
}

/** The NB ACL that made this flow, or a description built from the flow when none can be named. */
export async function nameAcl(
  t: Topology,
  step: TableStep,
  lookup: StageHintLookup | null,
): Promise<AclMatch | null> {
  if (step.priority < ACL_PRIORITY_OFFSET) return null; // northd's own default flows, not a user ACL
  const acl = byFlowShape(t, step) ?? byLogName(t, step) ?? (await byStageHint(t, step, lookup));
  if (acl) return toMatch(t, acl);
  const verdict = step.logs.find((l) => l.verdict)?.verdict;
  return {
    acl_name: step.logs.find((l) => l.name)?.name ?? null,
    priority: step.priority - ACL_PRIORITY_OFFSET,
    direction: stageDirection(step.stage),
    action:
      verdict ??
      (step.actions.some((a) => a.startsWith('reject')) ? 'reject' : step.dropped ? 'drop' : 'allow'),
    match: step.match,
  };
}
