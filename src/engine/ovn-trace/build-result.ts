// Turns one parsed ovn-trace run into a branch of the result tree: hops made by the engines' shared hop
// rule (../result/hop-stages.ts: one hop per stage that acted, verbose adds details, never hops), the ports the traced packet was delivered to (not replies OVN generated, not patch hops
// between datapaths), whether it reached the destination (DESIGN.md §2), the hop where it died, and
// what each ACL stage decided. unite-results.ts makes the tree from one run or several.

import type { Topology } from '../../ovn/topology/types.ts';
import { type FlowEvent, type FlowHop, groupFlows } from '../result/hop-stages.ts';
import type { AclDecision, TraceBranch } from '../result/tree.ts';
import type { AclMatch, Hop, HopAction, ResolvedRequest, TraceRequest } from '../types.ts';
import { nameAcl, type StageHintLookup } from './acl-names.ts';
import type { BlockContext, NoteStep, ParsedTrace, TableStep } from './parse-detailed.ts';
import { isAclDecisionStage, stageDirection } from './stages.ts';

export interface BuildInput {
  readonly parsed: ParsedTrace;
  readonly resolved: ResolvedRequest;
  readonly request: TraceRequest;
  readonly topology: Topology;
  readonly stageHints: StageHintLookup | null;
  readonly raw: string;
}

function header(c: BlockContext): string {
  const parts = [`dp=${JSON.stringify(c.datapath ?? '')}`];
  if (c.inport) parts.push(`inport=${JSON.stringify(c.inport)}`);
  if (c.outport) parts.push(`outport=${JSON.stringify(c.outport)}`);
  return `${c.pipeline ?? 'pipeline'}(${parts.join(', ')})`;
}

/** A flow that rewrote the packet's addresses: NAT or LB with a target, a swap (ping answer, hairpin). */
const CHANGE_RE =
  /^ct_(dnat|snat|lb|lb_mark)(_in_czone)?\(|^(eth|ip4|ip6)\.(src|dst)\s*<->|^(ip4|ip6)\.(src|dst)\s*=/;
const LB_RE = /^ct_lb(_mark)?\(/;

/** One printed step with what the hop rule needs (result/hop-stages.ts). */
interface StepEvent extends FlowEvent {
  readonly step: TableStep | NoteStep;
  /** The NB ACL of an ACL decision flow (null: northd's default flow), when it is one. */
  readonly acl: AclMatch | null;
}

/**
 * With `--lb-dst` ovn-trace applies the backend at the argument-less `ct_lb_mark;` of the pre-stateful
 * stage (as an existing connection would be), and the LB stage itself prints nothing: that flow is the
 * load balancing, so it is the LB hop (stage id of the LB stage, as every engine names it).
 */
const LB_DST_RE = /^ct_lb(_mark)?;/;

function lbDstEvent(step: TableStep): Partial<StepEvent> | null {
  if (!step.actions.some((a) => LB_DST_RE.test(a))) return null;
  const stage = step.stage.startsWith('ls_') ? 'ls_in_lb' : 'lr_in_dnat';
  return { stage, changed: true, loadBalances: true };
}

async function eventOf(step: TableStep | NoteStep, input: BuildInput, lbDst: boolean): Promise<StepEvent> {
  const dropped = step.dropped && !step.generated;
  // A packet OVN generated (ICMP error, TCP reset, ARP request) is not the traced one: never a hop.
  if (step.kind === 'note' || step.generated)
    return {
      step,
      stage: '',
      pass: step.context,
      dropped,
      rule: false,
      changed: false,
      loadBalances: false,
      acl: null,
    };
  const acl =
    isAclDecisionStage(step.stage) && !step.generated
      ? await nameAcl(input.topology, step, input.stageHints)
      : null;
  // A router policy's flow, not northd's priority-0 default.
  const policy = step.stage === 'lr_in_policy' && (step.priority > 0 || step.match !== '1');
  return {
    step,
    stage: step.stage,
    pass: step.context,
    dropped,
    rule: acl !== null || policy,
    changed: step.actions.some((a) => CHANGE_RE.test(a)),
    loadBalances: step.actions.some((a) => LB_RE.test(a)),
    acl,
    ...(lbDst ? lbDstEvent(step) : null),
  };
}

function component(context: BlockContext, type: Hop['type'], stage: string): string {
  const pipe = context.pipeline ?? 'ingress';
  switch (type) {
    case 'port_security':
      return header(context);
    case 'acl':
      return `${pipe} ACL`;
    case 'l2_lookup':
      return 'L2 forwarding';
    case 'l3_routing':
      return `router ${context.datapath ?? ''}`.trim();
    case 'nat':
      return 'NAT';
    case 'load_balancer':
      return 'load balancer';
    default:
      return stage || (context.datapath ? header(context) : 'ovn-trace');
  }
}

function tables(events: readonly StepEvent[]): TableStep[] {
  const out: TableStep[] = [];
  for (const e of events) if (e.step.kind === 'table') out.push(e.step);
  return out;
}

function nextHop(steps: readonly TableStep[]): string | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    for (const a of [...steps[i]!.actions].reverse()) {
      const m = /^outport = "((?:[^"\\]|\\.)*)";/.exec(a);
      if (m) return JSON.parse(`"${m[1]}"`) as string;
    }
  }
  for (let i = steps.length - 1; i >= 0; i--) {
    const o = steps[i]!.outputs.at(-1);
    if (o) return o.port;
  }
  return undefined;
}

function hopAction(members: readonly StepEvent[]): HopAction {
  if (members.some((e) => e.dropped)) return 'drop';
  const steps = tables(members);
  if (steps.some((s) => s.outputs.some((o) => !o.generated && !INTERNAL_PORT_TYPES.has(o.type))))
    return 'output';
  if (members.some((e) => e.changed)) return 'modify';
  return 'forward';
}

/** The flow that describes a hop: the one that dropped, else the group's own stage, else the first. */
function described(g: FlowHop<StepEvent>): StepEvent {
  return g.members.find((e) => e.dropped) ?? g.members.find((e) => e.stage === g.stage) ?? g.members[0]!;
}

function flowDetail(s: TableStep) {
  return {
    stage: s.stage,
    table: s.table,
    match: s.match,
    priority: s.priority,
    uuid: s.uuid,
    actions: s.actions,
  };
}

function verboseDetails(g: FlowHop<StepEvent>, main: StepEvent): Record<string, unknown> {
  const all = [...g.details, ...g.members];
  const notes = all.flatMap((e) =>
    e.step.kind === 'note'
      ? [e.step.generated ? `${e.step.text} (packet generated by OVN)` : e.step.text]
      : [],
  );
  const s = main.step;
  const own =
    s.kind === 'table'
      ? {
          table: s.table,
          match: s.match,
          priority: s.priority,
          uuid: s.uuid,
          source: s.source,
          actions: s.actions,
          generated: s.generated,
        }
      : {};
  return { ...own, flows: tables(all).map(flowDetail), notes };
}

function hopOf(g: FlowHop<StepEvent>, verbose: boolean): Hop {
  const main = described(g);
  const action = hopAction(g.members);
  const ctx = main.step.context;
  const dp = ctx.datapath ?? '?';
  const s = main.step;
  const hop: Hop = {
    index: 0,
    type: g.type,
    component: component(ctx, g.type, s.kind === 'table' ? s.stage : ''),
    action,
    description:
      s.kind === 'table'
        ? `${s.stage} (table ${s.table}) on ${dp}: ${s.match} [priority ${s.priority}] -> ${action}`
        : s.text,
    datapath: dp,
  };
  if (s.kind === 'table') hop.stage = g.stage;
  const nh = nextHop(tables(g.members));
  if (nh !== undefined) hop.next_hop = nh;
  const acl = g.members.find((e) => e.acl)?.acl;
  if (acl) {
    hop.acl_matches = [acl];
    hop.description = `${acl.direction} ACL ${acl.acl_name ?? '(unnamed)'} priority ${acl.priority}: ${acl.action} (${acl.match})`;
  }
  if (verbose) hop.details = verboseDetails(g, main);
  return hop;
}

/** Port types ovn-trace reports for links between datapaths (switch<->router, gateway routers). */
const INTERNAL_PORT_TYPES = new Set(['patch', 'l3gateway', 'chassisredirect']);

/** A hop between datapaths, not a delivery: by the type ovn-trace prints, or by the topology. */
function internalPort(t: Topology, port: string, type: string): boolean {
  return INTERNAL_PORT_TYPES.has(type) || t.routerPorts.has(port) || t.ports.get(port)?.type === 'router';
}

export function deliveredPorts(t: Topology, parsed: ParsedTrace): string[] {
  const ports = parsed.outputs
    .filter((o) => !o.generated && !internalPort(t, o.port, o.type))
    .map((o) => o.port);
  return [...new Set(ports)];
}

/** True when a router port holds `ip`: the router itself answers (e.g. an ICMP echo reply). */
function routerOwns(t: Topology, ip: ResolvedRequest['dstIp']): boolean {
  for (const rp of t.routerPorts.values())
    if (rp.networks.some((c) => c.family === ip.family && c.addr === ip.value)) return true;
  return false;
}

/**
 * DESIGN.md §2: delivered to the owner of the destination address; for an address no port owns, out
 * of OVN through any port but the one it came from (the model engine's reading of the same rule); for
 * a router's own address, the router's answer delivered back to the source.
 */
export function reachesDestination(t: Topology, r: ResolvedRequest, outputs: readonly string[]): boolean {
  if (r.destinationPort) return outputs.includes(r.destinationPort);
  if (routerOwns(t, r.dstIp)) return outputs.includes(r.sourcePort);
  return outputs.some((name) => name !== r.sourcePort);
}

const DENY = new Set(['drop', 'reject']);

/**
 * What each ACL decision stage said: the ACL it named (null: no ACL matched, the default applied) and
 * allow/drop, taken from the ACL's action, else from the stage (23.06+: its `_action` flow) dropping.
 */
function aclDecisions(events: readonly StepEvent[]): AclDecision[] {
  const out: AclDecision[] = [];
  events.forEach((e, i) => {
    const s = e.step;
    if (s.kind !== 'table' || s.generated || !isAclDecisionStage(s.stage)) return;
    const next = events[i + 1]?.step;
    const action =
      next?.kind === 'table' && next.stage.endsWith('_action') && next.context.datapath === s.context.datapath
        ? next
        : null;
    const drops = e.acl ? DENY.has(e.acl.action) : s.dropped || action?.dropped === true;
    out.push({
      stage: s.stage,
      datapath: s.context.datapath ?? '?',
      direction: stageDirection(s.stage),
      verdict: drops ? 'drop' : 'allow',
      acl: e.acl,
    });
  });
  return out;
}

/** One ovn-trace run as a branch, with what else the run says about the trace. */
export interface TraceRun {
  readonly branch: TraceBranch;
  /** The request's warnings plus the run's own (hop list cut, ct states used up). */
  readonly warnings: string[];
  readonly acl: AclDecision[];
  readonly truncated: boolean;
  readonly raw: string;
}

export async function buildRun(
  input: BuildInput,
  alternative: { backend?: string; member?: string } = {},
): Promise<TraceRun> {
  const { parsed, resolved: r } = input;
  const events: StepEvent[] = [];
  const lbDst = alternative.backend !== undefined;
  for (const step of parsed.steps) events.push(await eventOf(step, input, lbDst));
  const all = groupFlows(events).map((g) => hopOf(g, r.verbose));
  const warnings = [...r.warnings];
  // max_hops cuts the list: what lies beyond is not traced as far as the result goes (hop-stages.ts).
  const truncated = all.length > r.maxHops;
  const hops = truncated ? all.slice(0, r.maxHops) : all;
  hops.forEach((h, i) => {
    h.index = i;
  });
  const outputs = truncated ? [] : deliveredPorts(input.topology, parsed);
  const reached = reachesDestination(input.topology, r, outputs);
  const dropped =
    reached || truncated ? null : (hops.find((h) => h.action === 'drop') ?? hops.at(-1) ?? null);
  if (parsed.ctDefaultUsed) warnings.push('ovn-trace ran out of --ct states: some ct steps used est');
  const branch: TraceBranch = {
    hops,
    count: hops.length,
    outputs,
    dropped,
    lastType: hops.at(-1)?.type ?? null,
    backend: alternative.backend ?? null,
    member: alternative.member ?? null,
    answeredBy: null,
    reached,
    truncated,
  };
  return { branch, warnings, acl: aclDecisions(events), truncated, raw: input.raw };
}
