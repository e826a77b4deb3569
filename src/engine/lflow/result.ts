// The interpreter's leaves -> the shared result tree (src/engine/result/tree.ts): one branch per path
// of the traced packet that ended (replies OVN generated are not branches: their outputs are never
// deliveries), hops one per pipeline stage that acted (verbose: every table), the ACL behind an ACL
// stage named from the flow's stage-hint, its log(name=…) or its shape, and `raw` in ovn-trace's
// detailed style when verbose.

import { formatIp } from '../../ovn/net/addr.ts';
import type { Acl, Topology } from '../../ovn/topology/types.ts';
import { ACL_PRIORITY_OFFSET, aclsOnSwitch } from '../ovn-trace/acl-names.ts';
import { reachesDestination } from '../ovn-trace/build-result.ts';
import { hopTypeOfStage, isAclDecisionStage, stageDirection } from '../ovn-trace/stages.ts';
import type { AclDecision, TraceBranch, TraceTree } from '../result/tree.ts';
import type { AclMatch, Hop, HopAction, ResolvedRequest, TraceRequest } from '../types.ts';
import type { Leaf, Step } from './steps.ts';

export interface TreeInput {
  readonly request: TraceRequest;
  readonly resolved: ResolvedRequest;
  readonly topology: Topology;
  readonly leaves: readonly Leaf[];
  readonly warnings: readonly string[];
}

const DENY = new Set(['drop', 'reject']);

/** The action a flow's step took, as a hop says it. */
function stepAction(step: Step, leaf: Leaf, last: boolean): HopAction {
  if (last) return leaf.kind === 'delivered' ? 'output' : leaf.kind === 'limit' ? 'forward' : 'drop';
  if (
    step.notes.some((n) =>
      /^(eth|ip4|ip6|ip|tcp|udp|icmp4|icmp6|arp|nd)\.|^ip\.ttl--|^ct_(dnat|snat|lb)/.test(n),
    )
  )
    return 'modify';
  return 'forward';
}

/** A switch's ACLs, indexed the three ways a flow can name its ACL. */
interface SwitchAcls {
  readonly byHint: Map<string, Acl[]>;
  readonly byName: Map<string, Acl[]>;
  /** `direction priority` -> ACLs, for the flow-shape test. */
  readonly byPrio: Map<string, Acl[]>;
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
    s = { byHint: new Map(), byName: new Map(), byPrio: new Map() };
    for (const a of aclsOnSwitch(t, sw)) {
      push(s.byHint, a.uuid.slice(0, 8), a);
      if (a.name) push(s.byName, a.name, a);
      push(s.byPrio, `${a.direction} ${a.priority}`, a);
    }
    m.set(sw, s);
  }
  return s;
}

function aclName(t: Topology, step: Step): Acl | null {
  if (!step.flow) return null;
  const acls = switchAcls(t, step.dp.name);
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
  const f = step.flow?.flow;
  if (!f || f.priority < ACL_PRIORITY_OFFSET) return null;
  const acl = aclName(t, step);
  if (acl)
    return {
      acl_name: acl.name,
      priority: acl.priority,
      direction: acl.direction === 'from-lport' ? 'ingress' : 'egress',
      action: acl.action,
      match: acl.match,
      owner: acl.owner.name,
      uuid: acl.uuid,
    };
  const reject = step.flow?.actions.some((a) => a.k === 'nest' && a.name === 'reject');
  return {
    acl_name: step.logName,
    priority: f.priority - ACL_PRIORITY_OFFSET,
    direction: stageDirection(step.stage),
    action: reject ? 'reject' : dropped ? 'drop' : 'allow',
    match: f.match,
  };
}

function hopOf(input: TreeInput, step: Step, leaf: Leaf, last: boolean, index: number): Hop {
  const type = hopTypeOfStage(step.stage);
  const action = stepAction(step, leaf, last);
  const f = step.flow?.flow;
  const what = f ? `${f.match} [priority ${f.priority}]` : 'no match (implicit drop)';
  const hop: Hop = {
    index,
    type,
    component: `${step.pipeline}(dp=${JSON.stringify(step.dp.name)})`,
    action,
    description: `${step.stage} (table ${step.table}) on ${step.dp.name}: ${what} -> ${action}`,
    datapath: step.dp.name,
    stage: step.stage,
  };
  if (last && leaf.port) hop.next_hop = leaf.port;
  if (type === 'acl' && isAclDecisionStage(step.stage)) {
    const acl = aclMatchOf(input.topology, step, last && action === 'drop');
    if (acl) {
      hop.acl_matches = [acl];
      hop.description = `${acl.direction} ACL ${acl.acl_name ?? '(unnamed)'} priority ${acl.priority}: ${acl.action} (${acl.match})`;
    }
  }
  if (input.resolved.verbose)
    hop.details = {
      table: step.table,
      pipeline: step.pipeline,
      match: f?.match ?? null,
      priority: f?.priority ?? null,
      uuid: f?.uuid ?? null,
      actions: f?.actions ?? null,
      effects: step.notes,
    };
  return hop;
}

/** Non-verbose: stages that decide something, plus the last; verbose: every table. */
function keep(step: Step, last: boolean, verbose: boolean): boolean {
  return verbose || last || hopTypeOfStage(step.stage) !== 'flow';
}

function branchOf(input: TreeInput, leaf: Leaf): { branch: TraceBranch; acl: AclDecision[]; cut: boolean } {
  const verbose = input.resolved.verbose;
  const steps = leaf.steps;
  const all: Hop[] = [];
  steps.forEach((s, i) => {
    const last = i === steps.length - 1;
    if (keep(s, last, verbose)) all.push(hopOf(input, s, leaf, last, all.length));
  });
  const max = input.resolved.maxHops;
  const hops = all.length <= max ? all : [...all.slice(0, max - 1), all.at(-1)!];
  hops.forEach((h, i) => {
    h.index = i;
  });
  const outputs = leaf.kind === 'delivered' && leaf.port ? [leaf.port] : [];
  const lb = leaf.choices.find((c) => !c.startsWith('member '));
  const reached =
    reachesDestination(input.topology, input.resolved, outputs) || reachesBackend(input, lb, outputs);
  const last = hops.at(-1) ?? null;
  const member = leaf.choices.find((c) => c.startsWith('member '));
  const branch: TraceBranch = {
    hops,
    count: hops.length,
    outputs,
    dropped: reached ? null : last,
    lastType: last?.type ?? null,
    backend: lb ?? null,
    member: member ? member.slice('member '.length) : null,
    answeredBy: null,
    reached,
  };
  return { branch, acl: decisions(all), cut: hops !== all };
}

/** A VIP's path reaches its destination when it is delivered to the port owning its backend. */
function reachesBackend(input: TreeInput, backend: string | undefined, outputs: readonly string[]): boolean {
  if (!backend || input.resolved.destinationPort) return false;
  const ip = backend.startsWith('[') ? backend.slice(1, backend.indexOf(']')) : backend.split(':')[0]!;
  const owners = input.topology.index.portsByIp.get(ip) ?? [];
  return outputs.some((o) => owners.includes(o));
}

function decisions(hops: readonly Hop[]): AclDecision[] {
  const out: AclDecision[] = [];
  hops.forEach((h, i) => {
    if (h.type !== 'acl' || !h.stage || !isAclDecisionStage(h.stage)) return;
    const acl = h.acl_matches?.[0] ?? null;
    const next = hops[i + 1];
    const actionHop = next?.stage?.endsWith('_action') && next.datapath === h.datapath ? next : null;
    const drops = acl ? DENY.has(acl.action) : h.action === 'drop' || actionHop?.action === 'drop';
    out.push({
      stage: h.stage,
      datapath: h.datapath ?? '?',
      direction: stageDirection(h.stage),
      verdict: drops ? 'drop' : 'allow',
      acl,
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
  if (input.leaves.some((l) => l.kind === 'limit')) warnings.push('trace stopped by the loop guard');
  const visited = new Set<string>();
  for (const l of input.leaves) for (const s of l.steps) visited.add(s.dp.name);
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
