// Which datapaths may behave differently between two topologies, by object identity: a live NB source
// keeps unchanged rows as the same objects across rebuilds, so a changed object is a changed row. A
// topology that shares nothing with the previous one (a file reload) makes everything count as changed.
// The monitor re-runs first the checks whose last trace visited a changed datapath; `global` says that
// every check may be affected (destination resolution, routing, NB options), so all re-run behind them.

import { references } from '../expr/index.ts';
import type { Acl, SwitchPort, Topology } from './types.ts';

export interface TopologyDiff {
  /** Names of switches and routers whose pipeline may differ (in the old or the new topology). */
  readonly datapaths: ReadonlySet<string>;
  /**
   * Ports touched directly: changed ports and members (old or new) of changed port groups. Checks from
   * or to them are the likeliest to flip (an ovn-kubernetes policy edits its namespace's group), so
   * they re-run before the other affected ones.
   */
  readonly ports: ReadonlySet<string>;
  /** True when a change can affect traces that visited none of `datapaths`. */
  readonly global: boolean;
  /** Why `global` is set (for logs). */
  readonly reasons: readonly string[];
}

type Named<T> = ReadonlyMap<string, T>;

/** Keys whose value is not the same object in both maps (added, removed or replaced). */
function changedKeys<T>(prev: Named<T>, cur: Named<T>): string[] {
  const out: string[] = [];
  for (const [k, v] of cur) if (prev.get(k) !== v) out.push(k);
  for (const k of prev.keys()) if (!cur.has(k)) out.push(k);
  return out;
}

/** Switches holding members of a port group in a topology. */
function groupSwitches(t: Topology, group: string, out: Set<string>): void {
  for (const p of t.portGroups.get(group)?.ports ?? []) {
    const sw = t.ports.get(p)?.switchName;
    if (sw) out.add(sw);
  }
}

/** Datapaths where an ACL is applied: its switch, or the switches of its port group's members. */
function aclOwners(t: Topology, acl: Acl, out: Set<string>): void {
  if (acl.owner.kind === 'switch') out.add(acl.owner.name);
  else groupSwitches(t, acl.owner.name, out);
}

function* aclsOf(t: Topology): Generator<Acl> {
  for (const sw of t.switches.values()) yield* sw.acls;
  for (const pg of t.portGroups.values()) yield* pg.acls;
}

/**
 * Per ACL object, the names its match refers to: address sets, port groups and the groups behind
 * derived `$pg_ip4`/`$pg_ip6` sets. Unchanged ACL rows stay the same objects across live rebuilds, so
 * each match is analysed once, not per change.
 */
const refsCache = new WeakMap<Acl, readonly string[]>();

function refsOf(acl: Acl): readonly string[] {
  let refs = refsCache.get(acl);
  if (!refs) {
    const r = references(acl.match);
    const names = [...r.addressSets, ...r.portGroups, ...r.derived.map((d) => d.group)];
    refsCache.set(acl, (refs = [...new Set(names)]));
  }
  return refs;
}

/**
 * Owners of the ACLs of `t` whose match names one of `names` (as `$name`, `$name_ip4`, `$name_ip6`
 * or `@name`). One pass over every ACL; only called when an address set or port group changed.
 */
function ownersOfAclsNaming(t: Topology, names: ReadonlySet<string>, out: Set<string>): void {
  if (names.size === 0) return;
  for (const acl of aclsOf(t)) if (refsOf(acl).some((n) => names.has(n))) aclOwners(t, acl, out);
}

/** The set of datapaths whose behaviour may differ between `prev` and `cur` (see the file header). */
export function diffTopologies(prev: Topology | null, cur: Topology): TopologyDiff {
  const dps = new Set<string>();
  const ports = new Set<string>();
  const reasons: string[] = [];
  if (!prev) {
    const all = new Set([...cur.switches.keys(), ...cur.routers.keys()]);
    return { datapaths: all, ports, global: true, reasons: ['no previous topology'] };
  }
  if (prev.nbGlobal !== cur.nbGlobal) reasons.push('NB_Global changed');
  for (const s of changedKeys(prev.switches, cur.switches)) dps.add(s);
  diffPorts(prev, cur, dps, ports, reasons);
  const groups = new Set(changedKeys(prev.portGroups, cur.portGroups));
  for (const g of groups)
    for (const t of [prev, cur]) {
      groupSwitches(t, g, dps);
      for (const p of t.portGroups.get(g)?.ports ?? []) ports.add(p);
    }
  const sets = new Set([...groups, ...changedKeys(prev.addressSets, cur.addressSets)]);
  ownersOfAclsNaming(prev, sets, dps);
  ownersOfAclsNaming(cur, sets, dps);
  diffLoadBalancers(prev, cur, dps, reasons);
  const routers = changedKeys(prev.routers, cur.routers);
  for (const rp of changedKeys(prev.routerPorts, cur.routerPorts))
    routers.push((cur.routerPorts.get(rp) ?? prev.routerPorts.get(rp))!.routerName);
  for (const r of routers) dps.add(r);
  if (routers.length > 0) reasons.push(`router ${[...new Set(routers)].slice(0, 3).join(', ')} changed`);
  return { datapaths: dps, ports, global: reasons.length > 0, reasons };
}

/** A port's addresses as written: a rebuilt row has new arrays even when they say the same. */
function addressText(p: SwitchPort): string {
  return `${p.addresses.map((a) => a.raw).join(' ')}|${p.dynamicAddresses?.raw ?? ''}`;
}

/** A changed port changes its switch; added, removed or re-addressed ports change who owns an IP. */
function diffPorts(
  prev: Topology,
  cur: Topology,
  dps: Set<string>,
  ports: Set<string>,
  reasons: string[],
): void {
  let readdressed = 0;
  for (const name of changedKeys(prev.ports, cur.ports)) {
    ports.add(name);
    const a = prev.ports.get(name);
    const b = cur.ports.get(name);
    if (a) dps.add(a.switchName);
    if (b) dps.add(b.switchName);
    if (!a || !b || addressText(a) !== addressText(b)) readdressed++;
  }
  if (readdressed > 0) reasons.push(`${readdressed} port(s) added, removed or re-addressed`);
}

/** A changed load balancer changes the switches and routers using it (in either topology). */
function diffLoadBalancers(prev: Topology, cur: Topology, dps: Set<string>, reasons: string[]): void {
  for (const lb of changedKeys(prev.loadBalancers, cur.loadBalancers)) {
    let onRouter = false;
    for (const t of [prev, cur]) {
      const users = t.index.lbUsers.get(lb);
      for (const s of users?.switches ?? []) dps.add(s);
      for (const r of users?.routers ?? []) dps.add(r);
      onRouter ||= (users?.routers.length ?? 0) > 0;
    }
    if (onRouter) reasons.push(`load balancer ${lb} of a router changed`);
  }
}
