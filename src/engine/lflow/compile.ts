// The Southbound compiled for tracing: every logical flow's match compiled through src/ovn/expr and its
// actions parsed, placed in per-datapath, per-pipeline tables sorted by priority (highest first), plus
// the lookups the actions need (ports by name, peers, multicast groups, MAC bindings, FDB, LB VIPs).
// `apply(changes)` keeps it current from SB row changes: a changed flow recompiles only itself; a
// changed address set or port group recompiles the flows that name it; other tables rebuild their
// small lookups. A CompiledSb is owned by whoever feeds it (an SB file load, a live follower); traces
// read it synchronously, so an apply between two traces never shows a half-changed SB to either.
// A whole SB compiles in steps (`compileSteps`): a daemon runs them in short slices between other work
// (an L-size SB is ~58k flows, seconds of CPU), a one-shot command runs them at once (`compileSb`). The
// last steps build every table's flow index (tables of one datapath group share theirs), so the first
// traces after a sync run at full speed; after an apply a changed table is rebuilt on its next lookup.

import { compileMatch, type RefResolver, tokenize } from '../../ovn/expr/index.ts';
import { parseIp, parseMac } from '../../ovn/net/addr.ts';
import {
  applySbChanges,
  type DatapathBinding,
  type LogicalFlow,
  type PortBinding,
  type SbChange,
  type SbDatabase,
} from '../../ovn/sb/types.ts';
import { type Action, ActionSyntaxError, type Pipeline, parseActions } from './actions.ts';
import { type CFlow, FlowIndex, IndexShare } from './flow-index.ts';
import { flowKeys } from './flow-keys.ts';
import { IdlOrder, uuidHash } from './idl-order.ts';
import { expandTemplates } from './templates.ts';

export type { CFlow } from './flow-index.ts';

/** Port-security entry of a port: MAC and the addresses allowed with it. */
export interface PortSecEntry {
  readonly mac: bigint;
  readonly ip4: readonly number[];
  readonly ip6: readonly bigint[];
}

export interface CPort {
  readonly name: string;
  readonly uuid: string;
  /** Datapath_Binding UUID. */
  readonly dp: string;
  readonly key: number;
  readonly type: string;
  /** The other end of a patch / l3gateway port, by name. */
  peer: string | null;
  /** chassisredirect ports: the distributed port they stand for. */
  readonly distributedPort: string | null;
  readonly portSecurity: readonly PortSecEntry[];
  readonly row: PortBinding;
}

export interface CDatapath {
  readonly uuid: string;
  readonly name: string;
  readonly key: number;
  readonly isRouter: boolean;
  /** ovn-trace treats every gateway router as local: argument-less ct_snat does nothing there. */
  hasL3Gateway: boolean;
  readonly ingress: FlowIndex;
  readonly egress: FlowIndex;
  /** Multicast group name -> member port names. */
  mcgroups: Map<string, string[]>;
}

/** A logical flow that could not be compiled (OVN ignores it too), with why. */
export interface FlowProblem {
  readonly uuid: string;
  readonly stage: string;
  readonly message: string;
  /** Template variables the flow names that have no value here (templates.ts): why it was ignored. */
  readonly templates?: readonly string[];
}

export interface LbVip {
  readonly family: 4 | 6;
  readonly ip: bigint;
  readonly port: number;
  readonly text: string;
}

interface FlowEntry {
  readonly flow: LogicalFlow;
  /** The compiled flow: one compile serves every datapath it is placed on. */
  readonly cf: CFlow | null;
  /** Datapath UUIDs the compiled flow is placed on. */
  readonly placed: readonly string[];
  /** Address sets and port groups (SB names) the match named. */
  readonly refs: readonly string[];
}

/** What the match compile of one flow named, filled by the compiled SB's resolver. */
interface Named {
  readonly refs: Set<string>;
  /** Port groups (NB names) the match names: the flow is placed only where each has ports. */
  readonly pgs: string[];
}

/** ovn-trace skips a table whose winning flow is `1` with `next;` to the following table. */
function omittable(match: string, actions: readonly Action[], table: number): boolean {
  if (actions.length !== 1 || match.trim() !== '1') return false;
  const a = actions[0]!;
  return a.k === 'next' && a.pipeline === null && (a.table === null || a.table === table + 1);
}

function dpName(d: DatapathBinding): string {
  return d.externalIds.get('name') ?? d.externalIds.get('name2') ?? d.uuid;
}

function parsePortSecurity(entries: readonly string[]): PortSecEntry[] {
  const out: PortSecEntry[] = [];
  for (const e of entries) {
    const words = e.trim().split(/\s+/);
    const mac = parseMac(words[0] ?? '');
    if (mac === null) continue;
    const ip4: number[] = [];
    const ip6: bigint[] = [];
    for (const w of words.slice(1)) {
      const ip = parseIp(w.split('/')[0] ?? '');
      if (ip?.family === 4) ip4.push(Number(ip.value));
      else if (ip?.family === 6) ip6.push(ip.value);
    }
    out.push({ mac, ip4, ip6 });
  }
  return out;
}

export class CompiledSb {
  db: SbDatabase;
  readonly datapaths = new Map<string, CDatapath>();
  readonly datapathsByName = new Map<string, CDatapath>();
  /** Port name -> port (ovn-trace keys ports by logical_port, first one wins). */
  readonly ports = new Map<string, CPort>();
  /** `${dpUuid}|${portKey}|${ip}` -> MAC (MAC_Binding, then Static_MAC_Binding where it overrides). */
  macBindings = new Map<string, bigint>();
  /** `${dpKey}|${mac}` -> port key. */
  fdb = new Map<string, number>();
  vips: LbVip[] = [];
  readonly problems = new Map<string, FlowProblem>();
  private readonly flows = new Map<string, FlowEntry>();
  /** SB Address_Set / Port_Group name -> flows naming it. */
  private readonly byRef = new Map<string, Set<string>>();
  /** Logical_DP_Group UUID -> flows placed through it. */
  private readonly byGroup = new Map<string, Set<string>>();
  private readonly dpGroups = new Map<string, readonly string[]>();
  /** Datapath or group UUID -> its datapaths that exist (see placeable); cleared with the datapaths. */
  private readonly placeCache = new Map<
    string,
    { readonly dps: readonly CDatapath[]; readonly uuids: readonly string[] }
  >();
  private addressSets = new Map<string, readonly string[]>();
  private portGroups = new Map<string, readonly string[]>();
  /** NB port group name -> tunnel keys of the datapaths with an SB group of it (`<key>_<name>`). */
  private pgDatapaths = new Map<string, Set<number>>();
  /** NB port group name -> members over every datapath (the per-datapath SB groups united). */
  private pgUnion = new Map<string, readonly string[]>();
  /** Bumped by every apply: results may say which SB state they were traced on. */
  generation = 0;
  /**
   * Trees built since the last apply, for the tables that apply left unbuilt (rebuilt on their next
   * lookup): one changed flow placed through a datapath group unbuilds the same table on every datapath
   * of the group (at L, one ACL: 10 × ~17 ms of tree builds on the first traces after the change, 23 ms
   * in all shared). Renewed by every apply, so it holds only the trees of one change.
   */
  private changedShare: IndexShare | undefined;
  private readonly shareOfChanges = () => this.changedShare;
  /** Template variable values (the chosen chassis's; none without one, as ovn-trace). */
  private templateVars: ReadonlyMap<string, string> = new Map();
  /** Flows whose text names a template variable (recompiled when the values change). */
  private readonly templated = new Set<string>();
  private gaps: { generation: number; byTable: Map<string, string[]> } | null = null;

  /** Action text -> parsed actions while a whole SB loads (many flows share their actions). */
  private parsedActions: Map<string, Action[] | ActionSyntaxError> | null = null;

  /** ovn-trace's order among flows of equal priority (idl-order.ts), shared by every table. */
  private readonly order: IdlOrder;

  /** Empty: `load` fills it (see compileSb / compileSteps). */
  constructor(
    db: SbDatabase,
    private readonly opts: CompileSbOptions = {},
  ) {
    this.db = db;
    this.order = new IdlOrder(
      db.Logical_Flow.size,
      () => this.db.Logical_Flow.keys(),
      opts.tieOrder === 'reversed',
    );
  }

  /**
   * Builds the lookups and adds every flow of the SB, yielding between the lookups and after each
   * `chunk` flows so a caller can slice the work (each step a few ms at L).
   */
  *load(chunk = 8): Generator<void, this> {
    yield* this.loadFlows(chunk);
    yield* this.indexSteps();
    return this;
  }

  /** The first part of `load`: the lookups and every flow compiled and placed (indexes not built). */
  *loadFlows(chunk = 8): Generator<void, this> {
    this.rebuildTemplateVars();
    this.rebuildSets();
    yield;
    this.rebuildDatapaths();
    yield;
    yield* this.portSteps();
    yield;
    this.rebuildLookups();
    yield;
    this.parsedActions = new Map();
    try {
      let n = 0;
      for (const f of this.db.Logical_Flow.values()) {
        this.addFlow(f);
        if (++n % chunk === 0) yield;
      }
    } finally {
      this.parsedActions = null;
    }
    return this;
  }

  /**
   * The second part of `load`: builds every table's flow index now, a table per step, so the first
   * traces after a sync do not pay for it (a table changed later is rebuilt on its next lookup).
   */
  *indexSteps(): Generator<void, this> {
    yield* this.buildUnbuilt(new IndexShare(), () => true);
    return this;
  }

  /**
   * After an apply: builds the tables it left unbuilt (they would be built on their next lookup, by the
   * first traces after the change: at L one ACL change costs ~50 ms of tree builds there, and the
   * equal-priority order's recount after rows come or go as much again), a table per step, through the
   * trees this change shares between datapaths. A daemon runs these steps in slices right after the
   * update, while the never-stale gate still holds the checks. Ends early once another apply comes.
   */
  rebuildSteps(): Generator<void, void> {
    const generation = this.generation;
    return this.buildUnbuilt(this.changedShare, () => this.generation === generation);
  }

  /** Builds every unbuilt table, one per step, while `current()` holds. */
  private *buildUnbuilt(share: IndexShare | undefined, current: () => boolean): Generator<void, void> {
    for (const dp of this.datapaths.values())
      for (const index of [dp.ingress, dp.egress])
        for (let t = 0; t < index.length; t++) {
          if (!current()) return;
          if (yield* index.buildSteps(t, share)) yield;
        }
  }

  /**
   * Applies SB row changes (from a monitor update); returns this, current. `after` is the database with
   * the changes applied when the caller has it already (the live SB does), saving a copy of big tables.
   */
  apply(changes: readonly SbChange[], after?: SbDatabase): this {
    if (changes.length === 0) return this;
    this.db = after ?? applySbChanges(this.db, changes);
    this.generation++;
    this.changedShare = new IndexShare();
    const touched = new Set(changes.map((c) => c.table));
    const recompile = new Set<string>();
    if (touched.has('Address_Set') || touched.has('Port_Group')) {
      const old = { as: this.addressSets, pg: this.pgUnion, pgDp: this.portGroups };
      this.rebuildSets();
      for (const name of changedNames(old.as, this.addressSets)) this.flowsNaming(`$${name}`, recompile);
      for (const name of changedNames(old.pg, this.pgUnion)) this.flowsNaming(`@${name}`, recompile);
      // A per-datapath group appearing or going away changes where flows naming it are placed.
      for (const name of changedNames(old.pgDp, this.portGroups)) {
        const m = /^\d+_(.+)$/.exec(name);
        if (m) this.flowsNaming(`@${m[1]}`, recompile);
      }
    }
    if (touched.has('Datapath_Binding') || touched.has('Logical_DP_Group')) {
      const dps = new Set(this.rebuildDatapaths());
      // A changed group moves only the flows placed through it (a new group's flows come as changes);
      // only a changed datapath needs the walk over every flow (rare: northd renumbering one).
      for (const c of changes)
        if (c.table === 'Logical_DP_Group') for (const u of this.byGroup.get(c.uuid) ?? []) recompile.add(u);
      if (dps.size > 0)
        for (const f of this.flows.values())
          if (f.placed.some((d) => dps.has(d)) || this.datapathsOf(f.flow).some((d) => dps.has(d)))
            recompile.add(f.flow.uuid);
    }
    if (touched.has('Port_Binding') || touched.has('Multicast_Group') || touched.has('Datapath_Binding'))
      this.rebuildPorts();
    if (this.opts.chassis !== undefined)
      for (const c of changes)
        if (c.table === 'Port_Binding' && c.old?.chassis !== c.new?.chassis)
          this.flowsNaming(`%${(c.new ?? c.old)!.logicalPort}`, recompile);
    if (['MAC_Binding', 'Static_MAC_Binding', 'FDB', 'Load_Balancer'].some((t) => touched.has(t as never)))
      this.rebuildLookups();
    if (touched.has('Chassis_Template_Var') || (touched.has('Chassis') && this.opts.chassis !== undefined)) {
      this.rebuildTemplateVars();
      for (const uuid of this.templated) recompile.add(uuid);
    }
    for (const c of changes) {
      if (c.table !== 'Logical_Flow') continue;
      recompile.delete(c.uuid);
      this.removeFlow(c.uuid);
      if (c.new) this.addFlow(c.new);
    }
    for (const uuid of recompile) {
      const f = this.flows.get(uuid)?.flow;
      this.removeFlow(uuid);
      if (f) this.addFlow(f);
    }
    // Rows came or went: ovn-trace's row map may have a new bucket count (then equal priorities may
    // sort anew everywhere) and the rows' places in it move.
    const rowsMoved = changes.some((c) => c.table === 'Logical_Flow' && (!c.old || !c.new));
    if (rowsMoved && this.order.resize(this.db.Logical_Flow.size))
      for (const dp of this.datapaths.values()) {
        dp.ingress.unbuildAll();
        dp.egress.unbuildAll();
      }
    return this;
  }

  /**
   * `is_chassis_resident(port)`: true for every port, as ovn-trace, unless a chassis was named; then
   * true when the port (or the chassisredirect port) is bound to that chassis.
   */
  private resident(port: string): boolean {
    const chassis = this.opts.chassis;
    if (chassis === undefined) return true;
    const uuid = this.ports.get(port)?.row.chassis;
    const row = uuid ? this.db.Chassis.get(uuid) : undefined;
    return row !== undefined && (row.name === chassis || row.hostname === chassis);
  }

  /** The chosen chassis's template variables (by Chassis name, or the name of the Chassis so hosted). */
  private rebuildTemplateVars(): void {
    const want = this.opts.chassis;
    if (want === undefined) return;
    const names = new Set([want]);
    for (const c of this.db.Chassis.values()) if (c.hostname === want) names.add(c.name);
    const row = [...this.db.Chassis_Template_Var.values()].find((t) => names.has(t.chassis));
    this.templateVars = row?.variables ?? new Map();
  }

  /**
   * Template variables of flows ignored for want of a value, by `${dpUuid}|${pipeline}|${table}`: a trace
   * passing such a table warns that a chassis with values may decide otherwise.
   */
  templateGaps(): ReadonlyMap<string, readonly string[]> {
    if (this.gaps?.generation === this.generation) return this.gaps.byTable;
    const byTable = new Map<string, string[]>();
    for (const p of this.problems.values()) {
      const f = p.templates ? this.flows.get(p.uuid)?.flow : undefined;
      if (!f) continue;
      for (const dp of this.datapathsOf(f)) {
        const key = `${dp}|${f.pipeline}|${f.tableId}`;
        const names = byTable.get(key) ?? [];
        for (const n of p.templates!) if (!names.includes(n)) names.push(n);
        byTable.set(key, names);
      }
    }
    this.gaps = { generation: this.generation, byTable };
    return byTable;
  }

  /** The compiled forms of one logical flow (one per datapath it is placed on); tests check reuse. */
  compiledFlow(uuid: string): readonly CFlow[] {
    const e = this.flows.get(uuid);
    return e?.cf ? e.placed.map(() => e.cf!) : [];
  }

  flowCount(): number {
    return this.flows.size;
  }

  private flowsNaming(ref: string, out: Set<string>): void {
    for (const uuid of this.byRef.get(ref) ?? []) out.add(uuid);
  }

  private rebuildSets(): void {
    this.addressSets = new Map([...this.db.Address_Set.values()].map((a) => [a.name, a.addresses]));
    this.portGroups = new Map([...this.db.Port_Group.values()].map((g) => [g.name, g.ports]));
    const union = new Map<string, string[]>();
    const add = (name: string, ports: readonly string[]) => {
      let u = union.get(name);
      if (!u) union.set(name, (u = []));
      u.push(...ports);
    };
    const dps = new Map<string, Set<number>>();
    for (const [name, ports] of this.portGroups) {
      add(name, ports);
      const m = /^(\d+)_(.+)$/.exec(name);
      if (!m) continue;
      add(m[2]!, ports);
      let keys = dps.get(m[2]!);
      if (!keys) dps.set(m[2]!, (keys = new Set()));
      keys.add(Number(m[1]));
    }
    this.pgUnion = union;
    this.pgDatapaths = dps;
  }

  /** Rebuilds the datapath list, keeping the flow tables of datapaths whose key/name did not change. */
  private rebuildDatapaths(): string[] {
    const changed: string[] = [];
    const seen = new Set<string>();
    for (const d of this.db.Datapath_Binding.values()) {
      seen.add(d.uuid);
      const old = this.datapaths.get(d.uuid);
      const name = dpName(d);
      if (old && old.key === d.tunnelKey && old.name === name) continue;
      if (old) this.datapathsByName.delete(old.name);
      const isRouter = d.externalIds.has('logical-router');
      const dp: CDatapath = {
        uuid: d.uuid,
        name,
        key: d.tunnelKey,
        isRouter,
        hasL3Gateway: false,
        ingress: new FlowIndex(this.shareOfChanges, this.order),
        egress: new FlowIndex(this.shareOfChanges, this.order),
        mcgroups: new Map(),
      };
      this.datapaths.set(d.uuid, dp);
      this.datapathsByName.set(name, dp);
      changed.push(d.uuid);
    }
    for (const [uuid, dp] of this.datapaths) {
      if (seen.has(uuid)) continue;
      this.datapaths.delete(uuid);
      if (this.datapathsByName.get(dp.name) === dp) this.datapathsByName.delete(dp.name);
      changed.push(uuid);
    }
    this.dpGroups.clear();
    this.placeCache.clear();
    for (const g of this.db.Logical_DP_Group.values()) this.dpGroups.set(g.uuid, g.datapaths);
    return changed;
  }

  private rebuildPorts(): void {
    const steps = this.portSteps();
    while (!steps.next().done);
  }

  /** rebuildPorts in steps of 1024 port bindings (10k ports at L take tens of ms). */
  private *portSteps(): Generator<void, void> {
    this.ports.clear();
    for (const dp of this.datapaths.values()) dp.hasL3Gateway = false;
    const rows = [...this.db.Port_Binding.values()];
    let n = 0;
    for (const pb of rows) {
      if (++n % 1024 === 0) yield;
      const dp = this.datapaths.get(pb.datapath);
      if (!dp || this.ports.has(pb.logicalPort)) continue;
      if (pb.type === 'l3gateway') dp.hasL3Gateway = true;
      this.ports.set(pb.logicalPort, {
        name: pb.logicalPort,
        uuid: pb.uuid,
        dp: pb.datapath,
        key: pb.tunnelKey,
        type: pb.type,
        peer: null,
        distributedPort: pb.type === 'chassisredirect' ? (pb.options.get('distributed-port') ?? null) : null,
        portSecurity: parsePortSecurity(pb.portSecurity),
        row: pb,
      });
    }
    for (const p of this.ports.values()) {
      if (p.type !== 'patch' && p.type !== 'l3gateway') continue;
      const peer = this.ports.get(p.row.options.get('peer') ?? '');
      if (peer) {
        p.peer = peer.name;
        peer.peer = p.name;
      }
    }
    const byUuid = new Map(rows.map((r) => [r.uuid, r.logicalPort]));
    for (const dp of this.datapaths.values()) dp.mcgroups = new Map();
    for (const g of this.db.Multicast_Group.values()) {
      const dp = this.datapaths.get(g.datapath);
      if (!dp) continue;
      const names = g.ports.map((u) => byUuid.get(u)).filter((n): n is string => n !== undefined);
      dp.mcgroups.set(g.name, names.sort());
    }
  }

  private rebuildLookups(): void {
    const macs = new Map<string, bigint>();
    const put = (dpUuid: string, port: string, ip: string, mac: string, override: boolean) => {
      const p = this.ports.get(port);
      const addr = parseIp(ip);
      const m = parseMac(mac);
      if (!p || !addr || m === null) return;
      const key = `${dpUuid || p.dp}|${p.key}|${addr.family}:${addr.value}`;
      if (override || !macs.has(key)) macs.set(key, m);
    };
    for (const b of this.db.MAC_Binding.values()) put(b.datapath, b.logicalPort, b.ip, b.mac, true);
    for (const b of this.db.Static_MAC_Binding.values())
      put(b.datapath, b.logicalPort, b.ip, b.mac, b.overrideDynamicMac);
    this.macBindings = macs;
    this.fdb = new Map();
    for (const e of this.db.FDB.values()) {
      const m = parseMac(e.mac);
      if (m !== null) this.fdb.set(`${e.dpKey}|${m}`, e.portKey);
    }
    this.vips = [];
    for (const lb of this.db.Load_Balancer.values())
      for (const key of lb.vips.keys()) {
        const vip = parseVip(key);
        if (vip) this.vips.push(vip);
      }
  }

  private datapathsOf(f: LogicalFlow): readonly string[] {
    if (f.logicalDatapath) return [f.logicalDatapath];
    return f.logicalDpGroup ? (this.dpGroups.get(f.logicalDpGroup) ?? []) : [];
  }

  private addFlow(f: LogicalFlow): void {
    const stage = f.externalIds.get('stage-name') ?? `${f.pipeline}_${f.tableId}`;
    if (f.match.includes('^') || f.actions.includes('^')) this.templated.add(f.uuid);
    const text = {
      match: expandTemplates(f.match, this.templateVars),
      actions: expandTemplates(f.actions, this.templateVars),
    };
    const missing = [...new Set([...text.match.missing, ...text.actions.missing])];
    if (missing.length > 0) {
      // OVN cannot parse the flow without the values: ovn-trace (no chassis) ignores it, and so do we.
      const message = `template variable${missing.length > 1 ? 's' : ''} ${missing.map((n) => `^${n}`).join(', ')} without a value`;
      this.problems.set(f.uuid, { uuid: f.uuid, stage, message, templates: missing });
      this.flows.set(f.uuid, { flow: f, cf: null, placed: [], refs: [] });
      this.gaps = null;
      return;
    }
    const actions = this.actionsOf(text.actions.text);
    if (actions instanceof ActionSyntaxError) {
      this.problems.set(f.uuid, { uuid: f.uuid, stage, message: `actions: ${actions.message}` });
      this.flows.set(f.uuid, { flow: f, cf: null, placed: [], refs: [] });
      return;
    }
    const named: Named = { refs: new Set(), pgs: [] };
    const cf = this.compileFor(f, stage, actions, named, text.match.text);
    const placed = cf ? this.place(f, cf, named.pgs) : [];
    const refs = [...named.refs];
    this.flows.set(f.uuid, { flow: f, cf, placed, refs });
    if (f.logicalDpGroup) {
      let s = this.byGroup.get(f.logicalDpGroup);
      if (!s) this.byGroup.set(f.logicalDpGroup, (s = new Set()));
      s.add(f.uuid);
    }
    for (const r of refs) {
      let s = this.byRef.get(r);
      if (!s) this.byRef.set(r, (s = new Set()));
      s.add(f.uuid);
    }
  }

  /**
   * Puts the compiled flow in the tables of its datapaths; returns their UUIDs. One compile serves every
   * datapath of the flow. `@pg` names per-datapath SB groups (`<tunnel key>_<name>`, each holding that
   * datapath's ports); inport/outport are always ports of the datapath being traced, so testing them
   * against the union of those groups answers the same. A datapath without its group does not get the
   * flow (OVN could not parse it there).
   */
  private place(f: LogicalFlow, cf: CFlow, pgs: readonly string[]): readonly string[] {
    const on = this.placeable(f);
    // Per-datapath groups only: a global SB group of that name (no `<key>_` prefix) is everywhere.
    const need = pgs.filter((g) => !this.portGroups.has(g)).map((g) => this.pgDatapaths.get(g));
    let all = true;
    for (const dp of on.dps)
      if (need.every((keys) => keys?.has(dp.key)))
        (f.pipeline === 'ingress' ? dp.ingress : dp.egress).add(f.tableId, cf);
      else all = false;
    // The usual case (on every datapath of its group) shares the group's list of UUIDs.
    return all
      ? on.uuids
      : on.dps.filter((dp) => need.every((keys) => keys?.has(dp.key))).map((dp) => dp.uuid);
  }

  /** Datapaths of a flow that exist, cached per datapath group (58k flows, 374k placements at L). */
  private placeable(f: LogicalFlow): {
    readonly dps: readonly CDatapath[];
    readonly uuids: readonly string[];
  } {
    const key = f.logicalDatapath ?? f.logicalDpGroup ?? '';
    let on = this.placeCache.get(key);
    if (!on) {
      const dps = this.datapathsOf(f)
        .map((u) => this.datapaths.get(u))
        .filter((d): d is CDatapath => d !== undefined);
      this.placeCache.set(key, (on = { dps, uuids: dps.map((d) => d.uuid) }));
    }
    return on;
  }

  /** Parsed actions (readonly values, so flows with the same text share them during a load). */
  private actionsOf(text: string): Action[] | ActionSyntaxError {
    const known = this.parsedActions?.get(text);
    if (known) return known;
    let out: Action[] | ActionSyntaxError;
    try {
      out = this.portNames(parseActions(text));
    } catch (err) {
      if (!(err instanceof ActionSyntaxError)) throw err;
      out = err;
    }
    this.parsedActions?.set(text, out);
    return out;
  }

  /**
   * A port name as the one string object the port's binding holds (the key of `ports`), when the port
   * exists: a trace looks port names up by the packet's inport/outport on every hop, and the same object
   * is found by identity instead of by comparing the text.
   */
  private portName = (name: string): string => this.ports.get(name)?.name ?? name;

  /** Actions with the port names they load (`outport = "p"`) as the ports' own strings (portName). */
  private portNames(list: Action[]): Action[] {
    return list.map((a) => {
      if (a.k === 'load' && typeof a.value === 'string') return { ...a, value: this.portName(a.value) };
      if (a.k === 'nest') return { ...a, body: this.portNames([...a.body]) };
      return a;
    });
  }

  /** The flow being compiled: what the resolver notes its match names (see compileFor). */
  private naming: Named = { refs: new Set(), pgs: [] };
  /** One resolver for every flow (no closures per flow: 58k flows at L). */
  private readonly resolver: RefResolver = {
    addressSet: (name) => {
      this.naming.refs.add(`$${name}`);
      return this.addressSets.get(name);
    },
    portGroup: (name) => {
      this.naming.pgs.push(name);
      this.naming.refs.add(`@${name}`);
      return this.pgUnion.get(name);
    },
    portGroupAddresses: (name, family) => {
      this.naming.refs.add(`$${name}_ip${family}`);
      return this.addressSets.get(`${name}_ip${family}`);
    },
  };
  private readonly matchOptions = {
    laterSymbols: true,
    chassisResident: (port: string) => {
      this.naming.refs.add(`%${port}`);
      return this.resident(port);
    },
  };

  /** The match compiled (tokenized once for the compile and the index keys); what it names goes to `named`. */
  private compileFor(
    f: LogicalFlow,
    stage: string,
    actions: Action[],
    named: Named,
    match: string,
  ): CFlow | null {
    this.naming = named;
    const tokens = tokenize(match);
    const m = compileMatch(match, this.resolver, this.matchOptions, tokens, true);
    if (!m.ok) {
      this.problems.set(f.uuid, { uuid: f.uuid, stage, message: `match: ${m.message} (at ${m.offset})` });
      return null;
    }
    this.problems.delete(f.uuid);
    return {
      flow: f,
      rowHash: uuidHash(f.uuid),
      stage,
      evaluate: m.evaluate,
      actions,
      keys: flowKeys(tokens, this.resolver, m.tests, this.portName),
      omit: omittable(match, actions, f.tableId),
      hopInfo: null,
    };
  }

  private removeFlow(uuid: string): void {
    const e = this.flows.get(uuid);
    if (!e) return;
    for (const dpUuid of e.placed) {
      const dp = this.datapaths.get(dpUuid);
      if (dp && e.cf) (e.flow.pipeline === 'ingress' ? dp.ingress : dp.egress).remove(e.flow.tableId, e.cf);
    }
    for (const r of e.refs) this.byRef.get(r)?.delete(uuid);
    if (this.problems.get(uuid)?.templates) this.gaps = null;
    const g = e.flow.logicalDpGroup;
    if (g) {
      const s = this.byGroup.get(g);
      s?.delete(uuid);
      if (s?.size === 0) this.byGroup.delete(g);
    }
    this.problems.delete(uuid);
    this.templated.delete(uuid);
    this.flows.delete(uuid);
  }

  /** The table of `pipeline` on `dp`. */
  table(dp: CDatapath, pipeline: Pipeline): FlowIndex {
    return pipeline === 'ingress' ? dp.ingress : dp.egress;
  }
}

function changedNames(
  a: ReadonlyMap<string, readonly string[]>,
  b: ReadonlyMap<string, readonly string[]>,
): string[] {
  const out: string[] = [];
  for (const [k, v] of b) {
    const o = a.get(k);
    if (!o || o.length !== v.length || o.some((x, i) => x !== v[i])) out.push(k);
  }
  for (const k of a.keys()) if (!b.has(k)) out.push(k);
  return out;
}

/** `IP`, `IP:port`, `[IPv6]:port` as Load_Balancer.vips keys are written. */
function parseVip(key: string): LbVip | null {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(key);
  const text = v6 ? v6[1]! : key.includes('.') ? key.split(':')[0]! : key;
  const port = v6 ? Number(v6[2] ?? 0) : key.includes('.') ? Number(key.split(':')[1] ?? 0) : 0;
  const ip = parseIp(text);
  return ip ? { family: ip.family, ip: ip.value, port, text: key } : null;
}

export interface CompileSbOptions {
  /** Trace as seen from this chassis (name or hostname): is_chassis_resident() is then real. */
  readonly chassis?: string;
  /**
   * Equal-priority flows of a table in ovn-trace's order (default), or in the opposite order: a trace
   * whose answer differs between the two depends on which of two overlapping flows runs first.
   */
  readonly tieOrder?: 'ovn-trace' | 'reversed';
}

/** Compiles a whole SB at once (see CompiledSb.apply for updates). */
export function compileSb(db: SbDatabase, opts: CompileSbOptions = {}): CompiledSb {
  const steps = compileSteps(db, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Compiles a whole SB in steps: each `next()` does a bounded share of the work (a few ms). */
export function compileSteps(
  db: SbDatabase,
  opts: CompileSbOptions = {},
  chunk?: number,
): Generator<void, CompiledSb> {
  return new CompiledSb(db, opts).load(chunk);
}
