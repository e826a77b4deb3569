// What the hop rule (../result/hop-stages.ts) reads of an executed flow: the same for every trace that
// runs it, so it is worked out once per compiled flow (CFlow.hopInfo) and once per stage for tables no
// flow matched. The interpreter puts it on each Step as it runs the flow (the flow is in the CPU's caches
// then); the result builder reads it from the step. Equal answers are one shared object: a few dozen
// exist, and a trace's result reads them from the cache instead of from every flow it ran.

import { hopTypeOfStage, isAclDecisionStage } from '../ovn-trace/stages.ts';
import { hopStageOf } from '../result/hop-stages.ts';
import type { Action } from './actions.ts';
import type { CFlow, HopInfo } from './flow-index.ts';

/** A flow rewrote the packet's addresses: NAT or LB with a target, an address set or swapped. */
const ADDR_FIELD = /^(eth|ip4|ip6)\.(src|dst)$/;

function rewrites(a: Action): boolean {
  switch (a.k) {
    case 'ct':
      return a.nat !== null && a.addr !== null;
    case 'ct_lb':
      return a.backends.length > 0;
    case 'load':
    case 'move':
      return ADDR_FIELD.test(a.dst.text);
    case 'exchange':
      return ADDR_FIELD.test(a.a.text) || ADDR_FIELD.test(a.b.text);
    default:
      return false;
  }
}

const shared = new Map<string, HopInfo>();

function intern(info: HopInfo): HopInfo {
  const h = info.hop;
  const key = `${h.stage}|${h.type}|${h.when}|${+info.aclDecision}${+info.policy}${+info.changed}${+info.loadBalances}`;
  let s = shared.get(key);
  if (!s) {
    // Stage names come from the SB: bounded like the stage cache of hop-stages.ts would be by them.
    if (shared.size >= 10_000) shared.clear();
    shared.set(key, (s = info));
  }
  return s;
}

/** Per stage, for tables where no flow matched. */
const noFlow = new Map<string, HopInfo>();

/** The hop rule's view of running `cf` (null: no flow matched) at `stage`; computed once per flow. */
export function hopInfoOf(cf: CFlow | null, stage: string): HopInfo {
  if (cf?.hopInfo) return cf.hopInfo;
  if (!cf) {
    let info = noFlow.get(stage);
    if (!info) {
      if (noFlow.size >= 10_000) noFlow.clear();
      noFlow.set(stage, (info = compute(null, stage)));
    }
    return info;
  }
  return (cf.hopInfo = compute(cf, stage));
}

function compute(cf: CFlow | null, stage: string): HopInfo {
  const f = cf?.flow;
  const actions = cf?.actions ?? [];
  return intern({
    hop: hopStageOf(stage),
    aclDecision: hopTypeOfStage(stage) === 'acl' && isAclDecisionStage(stage),
    policy: stage === 'lr_in_policy' && !!f && (f.priority > 0 || f.match !== '1'),
    changed: actions.some(rewrites),
    loadBalances: actions.some((a) => a.k === 'ct_lb' && a.backends.length > 0),
  });
}
