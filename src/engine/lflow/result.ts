// The interpreter's leaves -> the shared result tree (src/engine/result/tree.ts): one branch per path
// of the traced packet that ended (replies OVN generated are not branches: their outputs are never
// deliveries), hops one per pipeline stage that acted (verbose: every table), the ACL behind an ACL
// stage named from the flow's stage-hint, its log(name=…) or its shape, and `raw` in ovn-trace's
// detailed style when verbose. Hops follow the shared hop rule (../result/hop-stages.ts: executed flows
// grouped by groupFlows, one hop per stage that acted; verbose adds the folded flows as details).

import { formatIp } from '../../ovn/net/addr.ts';
import { ruleOwner } from '../../ovn/topology/rule-owner.ts';
import type { Acl, Topology } from '../../ovn/topology/types.ts';
import { ACL_PRIORITY_OFFSET, aclsOnSwitch } from '../ovn-trace/acl-names.ts';
import { reachesDestination } from '../ovn-trace/build-result.ts';
import { stageDirection } from '../ovn-trace/stages.ts';
import { type FlowEvent, type FlowHop, groupFlows } from '../result/hop-stages.ts';
import type { AclDecision, TraceBranch, TraceTree } from '../result/tree.ts';
import type { AclMatch, Hop, HopAction, ResolvedRequest, TraceRequest } from '../types.ts';
import type { CDatapath, CFlow } from './compile.ts';
import type { Leaf, Step } from './steps.ts';

export interface TreeInput {
  readonly request: TraceRequest;
  readonly resolved: ResolvedRequest;
  readonly topology: Topology;
  readonly leaves: readonly Leaf[];
  readonly warnings: readonly string[];
}

const DENY = new Set(['drop', 'reject']);

/** A switch's ACLs, indexed the three ways a flow can name its ACL. */
interface SwitchAcls {
  readonly byHint: Map<string, Acl[]>;
  readonly byName: Map<string, Acl[]>;
  /** `direction priority` -> ACLs, for the flow-shape test. */
  readonly byPrio: Map<string, Acl[]>;
  /**
   * The ACL each flow of the switch's ACL stages names, as aclMatchOf renders it (null: none found): the
   * answer depends only on the flow (its stage-hint, its own log action, its match) and the topology, and
   * a trace asks it on every ACL stage it passes.
   */
  readonly byFlow: WeakMap<CFlow, AclMatch | null>;
}

/** Per topology, per switch (a trace names a few; a benchmark thousands per second). */
const aclCache = new WeakMap<Topology, Map<string, SwitchAcls>>();

function push<K>(m: Map<K, Acl[]>, k: K, a: Acl): void {
  const l = m.get(k);
  if (l) l.push(a);
  else m.set(k, [a]);
}

function switchAcls(t: Topology, sw: string): SwitchAcls {
  let m = aclCache.get(t);
  if (!m) aclCache.set(t, (m = new Map()));
  let s = m.get(sw);
  if (!s) {
    s = { byHint: new Map(), byName: new Map(), byPrio: new Map(), byFlow: new WeakMap() };
    for (const a of aclsOnSwitch(t, sw)) {
      push(s.byHint, a.uuid.slice(0, 8), a);
      if (a.name) push(s.byName, a.name, a);
      push(s.byPrio, `${a.direction} ${a.priority}`, a);
    }
    m.set(sw, s);
  }
  return s;
}

function aclName(acls: SwitchAcls, step: Step): Acl | null {
  if (!step.flow) return null;
  const hint = step.flow.flow.externalIds.get('stage-hint');
  const byHint = hint ? acls.byHint.get(hint.slice(0, 8)) : undefined;
  if (byHint?.length === 1) return byHint[0]!;
  const byName = step.logName ? acls.byName.get(step.logName) : undefined;
  if (byName?.length === 1) return byName[0]!;
  const dir = stageDirection(step.stage) === 'ingress' ? 'from-lport' : 'to-lport';
  const prio = step.flow.flow.priority - ACL_PRIORITY_OFFSET;
  const m = step.flow.flow.match;
  const shaped = (acls.byPrio.get(`${dir} ${prio}`) ?? []).filter(
    (a) => m === a.match || m.includes(`(${a.match})`) || m.endsWith(` && ${a.match}`),
  );
  return shaped.length === 1 ? shaped[0]! : null;
}

function aclMatchOf(t: Topology, step: Step, dropped: boolean): AclMatch | null {
  const cf = step.flow;
  const f = cf?.flow;
  if (!cf || !f || f.priority < ACL_PRIORITY_OFFSET) return null;
  const acls = switchAcls(t, step.dp.name);
  let named = acls.byFlow.get(cf);
  if (named === undefined) acls.byFlow.set(cf, (named = namedAclMatch(t, aclName(acls, step))));
  if (named) return named;
  const reject = cf.actions.some((a) => a.k === 'nest' && a.name === 'reject');
  return {
    acl_name: step.logName,
    priority: f.priority - ACL_PRIORITY_OFFSET,
    direction: stageDirection(step.stage),
    action: reject ? 'reject' : dropped ? 'drop' : 'allow',
    match: f.match,
  };
}

/** An NB ACL as a hop shows it (shared by every trace that passes its flow: read-only). */
function namedAclMatch(t: Topology, acl: Acl | null): AclMatch | null {
  if (acl)
    return {
      acl_name: acl.name,
      priority: acl.priority,
      direction: acl.direction === 'from-lport' ? 'ingress' : 'egress',
      action: acl.action,
      match: acl.match,
      attached_to: `${acl.owner.kind === 'switch' ? 'switch' : 'port group'} ${acl.owner.name}`,
      owner: ruleOwner(acl, t),
      uuid: acl.uuid,
      ...(acl.tier !== 0 ? { tier: acl.tier } : {}),
    };
  return null;
}

/** One executed flow as the shared hop rule (result/hop-stages.ts) sees it. */
interface StepEvent extends FlowEvent {
  readonly step: Step;
  readonly acl: AclMatch | null;
  /** The step's stage chooses an ACL. */
  readonly aclDecision: boolean;
}

function eventsOf(input: TreeInput, leaf: Leaf): StepEvent[] {
  const steps = leaf.steps;
  const events: StepEvent[] = [];
  let pass = 0;
  let prev: Step | null = null;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    // A datapath pass: consecutive tables of one datapath and pipeline; a hop never spans two.
    if (prev && (prev.dp !== step.dp || prev.pipeline !== step.pipeline || step.table <= prev.table)) pass++;
    prev = step;
    const dropped = i === steps.length - 1 && leaf.kind === 'dropped';
    const info = step.info;
    const acl = info.aclDecision ? aclMatchOf(input.topology, step, dropped) : null;
    events.push({
      step,
      stage: step.stage,
      hop: info.hop,
      pass,
      dropped,
      rule: acl !== null || info.policy,
      changed: info.changed,
      loadBalances: info.loadBalances,
      acl,
      aclDecision: info.aclDecision,
    });
  }
  return events;
}

function flowDetail(step: Step) {
  const f = step.flow?.flow;
  return {
    stage: step.stage,
    table: step.table,
    pipeline: step.pipeline,
    match: f?.match ?? null,
    priority: f?.priority ?? null,
    uuid: f?.uuid ?? null,
    effects: step.notes ?? [],
  };
}

/** `ingress(dp="name")` per datapath and pipeline (a hop's component; every trace names a few). */
const components = new WeakMap<CDatapath, { ingress: string; egress: string }>();

function componentOf(step: Step): string {
  let c = components.get(step.dp);
  if (!c) {
    const dp = JSON.stringify(step.dp.name);
    c = { ingress: `ingress(dp=${dp})`, egress: `egress(dp=${dp})` };
    components.set(step.dp, c);
  }
  return c[step.pipeline];
}

function hopOf(g: FlowHop<StepEvent>, leaf: Leaf, isLast: boolean, verbose: boolean): Hop {
  // One pass over the members: the one that dropped, else the first of the hop's own stage, else the
  // first; whether any rewrote the packet; the first ACL named.
  let dropped: StepEvent | null = null;
  let own: StepEvent | null = null;
  let changed = false;
  let acl: AclMatch | null = null;
  for (const e of g.members) {
    if (e.dropped && !dropped) dropped = e;
    if (!own && e.stage === g.stage) own = e;
    if (e.changed) changed = true;
    if (!acl && e.acl) acl = e.acl;
  }
  const step = (dropped ?? own ?? g.members[0]!).step;
  let action: HopAction;
  if (isLast) action = leaf.kind === 'delivered' ? 'output' : leaf.kind === 'limit' ? 'forward' : 'drop';
  else action = changed ? 'modify' : 'forward';
  const f = step.flow?.flow;
  const what = f ? `${f.match} [priority ${f.priority}]` : 'no match (implicit drop)';
  const hop: Hop = {
    index: 0,
    type: g.type,
    component: componentOf(step),
    action,
    description: `${step.stage} (table ${step.table}) on ${step.dp.name}: ${what} -> ${action}`,
    datapath: step.dp.name,
    stage: g.stage,
  };
  if (isLast && leaf.port) hop.next_hop = leaf.port;
  if (acl) {
    hop.acl_matches = [acl];
    hop.description = `${acl.direction} ACL ${acl.acl_name ?? '(unnamed)'} priority ${acl.priority}: ${acl.action} (${acl.match})`;
  }
  if (verbose) {
    const all = [...g.details, ...g.members].map((e) => e.step);
    hop.details = {
      table: step.table,
      pipeline: step.pipeline,
      match: f?.match ?? null,
      priority: f?.priority ?? null,
      uuid: f?.uuid ?? null,
      actions: f?.actions ?? null,
      effects: step.notes ?? [],
      flows: all.map(flowDetail),
    };
  }
  return hop;
}

function branchOf(input: TreeInput, leaf: Leaf): { branch: TraceBranch; acl: AclDecision[]; cut: boolean } {
  const events = eventsOf(input, leaf);
  const groups = groupFlows(events);
  const all = groups.map((g, i) => hopOf(g, leaf, i === groups.length - 1, input.resolved.verbose));
  // max_hops cuts the list: what lies beyond is not traced as far as the result goes (hop-stages.ts).
  const truncated = all.length > input.resolved.maxHops;
  const hops = truncated ? all.slice(0, input.resolved.maxHops) : all;
  hops.forEach((h, i) => {
    h.index = i;
  });
  const outputs = !truncated && leaf.kind === 'delivered' && leaf.port ? [leaf.port] : [];
  const lb = leaf.choices.find((c) => !c.startsWith('member '));
  const reached =
    reachesDestination(input.topology, input.resolved, outputs) || reachesBackend(input, lb, outputs);
  const last = hops.at(-1) ?? null;
  const member = leaf.choices.find((c) => c.startsWith('member '));
  const branch: TraceBranch = {
    hops,
    count: hops.length,
    outputs,
    dropped: reached || truncated ? null : (hops.find((h) => h.action === 'drop') ?? last),
    lastType: last?.type ?? null,
    backend: lb ?? null,
    member: member ? member.slice('member '.length) : null,
    answeredBy: null,
    reached,
    truncated,
  };
  return { branch, acl: decisions(events), cut: truncated };
}

/** A VIP's path reaches its destination when it is delivered to the port owning its backend. */
function reachesBackend(input: TreeInput, backend: string | undefined, outputs: readonly string[]): boolean {
  if (!backend || input.resolved.destinationPort) return false;
  const ip = backend.startsWith('[') ? backend.slice(1, backend.indexOf(']')) : backend.split(':')[0]!;
  const owners = input.topology.index.portsByIp.get(ip) ?? [];
  return outputs.some((o) => owners.includes(o));
}

/** What each ACL decision stage said: the ACL it named (null: the default) and allow/drop. */
function decisions(events: readonly StepEvent[]): AclDecision[] {
  const out: AclDecision[] = [];
  events.forEach((e, i) => {
    const st = e.step.stage;
    if (!e.aclDecision) return;
    const next = events[i + 1];
    const actionStep = next?.step.stage.endsWith('_action') && next.step.dp === e.step.dp ? next : null;
    const drops = e.acl ? DENY.has(e.acl.action) : e.dropped || actionStep?.dropped === true;
    out.push({
      stage: st,
      datapath: e.step.dp.name,
      direction: stageDirection(st),
      verdict: drops ? 'drop' : 'allow',
      acl: e.acl,
    });
  });
  return out;
}

export function buildTree(input: TreeInput, raw: string | null): TraceTree {
  const own = input.leaves.filter((l) => !l.reply);
  const built = own.map((l) => branchOf(input, l));
  // Shown: the first path that reached; else the first that died somewhere (not one a flood skipped
  // because it would go back out of its own port).
  const reachedIdx = built.findIndex((b) => b.branch.reached);
  const diedIdx = own.findIndex((l) => l.kind !== 'omitted');
  const shownIdx = reachedIdx >= 0 ? reachedIdx : Math.max(0, diedIdx);
  const shown = built[shownIdx];
  const warnings = [...input.resolved.warnings, ...input.warnings];
  const reached = built.some((b) => b.branch.reached);
  const lbs = [...new Set(built.map((b) => b.branch.backend).filter((x): x is string => x !== null))];
  const missed = lbs.filter((lb) => !built.some((b) => b.branch.backend === lb && b.branch.reached));
  if (reached && missed.length > 0) warnings.push(`load-balancer backends not reached: ${missed.join(', ')}`);
  const limits = new Set(input.leaves.filter((l) => l.kind === 'limit').map((l) => l.reason));
  for (const why of limits) warnings.push(`trace stopped by the loop guard: ${why}`);
  const visited = new Set<string>();
  for (const l of input.leaves) {
    let last: CDatapath | null = null;
    for (const s of l.steps)
      if (s.dp !== last) {
        last = s.dp;
        visited.add(s.dp.name);
      }
  }
  const fallback: TraceBranch = {
    hops: [],
    count: 0,
    outputs: [],
    dropped: null,
    lastType: null,
    backend: null,
    member: null,
    answeredBy: null,
    reached: false,
    truncated: false,
  };
  const tree: TraceTree = {
    engine: 'lflow',
    request: input.request,
    from: input.resolved.sourcePort,
    to: formatIp(input.resolved.dstIp),
    branches: built.length > 0 ? built.map((b) => b.branch) : [fallback],
    shown: shown?.branch ?? fallback,
    reached,
    outputPorts: [...new Set(built.flatMap((b) => b.branch.outputs))],
    visited: [...visited],
    warnings,
    acl: shown?.acl ?? [],
    truncated: built.some((b) => b.cut),
  };
  return raw === null ? tree : { ...tree, raw };
}
