// The lookup indexes of a Topology (ports by UUID, MAC and IP, port groups by port and switch, …): built
// whole for a new topology, or updated from the previous topology's index when a live source rebuilt with
// most objects unchanged (by identity), touching only what the changed ports, groups and router ports
// contributed. Either way the result is equal, list order included.

import { formatIp, type IpAddr } from '../net/addr.ts';
import { OverlayMap } from './overlay-map.ts';
import type { SwitchPort, Topology, TopologyIndex } from './types.ts';

export type IndexParts = Omit<Topology, 'index' | 'ovn' | 'source' | 'builtAt'>;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) {
    if (!list.includes(v)) list.push(v);
  } else m.set(k, [v]);
}

/** Every IP a switch port owns: static addresses, then IPAM-assigned dynamic ones. */
export function portIps(port: SwitchPort): IpAddr[] {
  const out: IpAddr[] = [];
  for (const a of [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])]) {
    if (a.kind === 'static') out.push(...a.ips);
  }
  return out;
}

/** Every MAC a switch port owns (static addresses and IPAM). */
export function portMacs(port: SwitchPort): string[] {
  const out: string[] = [];
  for (const a of [...port.addresses, ...(port.dynamicAddresses ? [port.dynamicAddresses] : [])]) {
    if (a.kind === 'static' && !out.includes(a.mac)) out.push(a.mac);
  }
  return out;
}

export function buildIndex(t: IndexParts): TopologyIndex {
  const portByUuid = new Map([...t.ports.values()].map((p) => [p.uuid, p]));
  const portsByMac = new Map<string, Map<string, string[]>>();
  const portsByIp = new Map<string, string[]>();
  for (const p of t.ports.values()) {
    let macs = portsByMac.get(p.switchName);
    if (!macs) portsByMac.set(p.switchName, (macs = new Map()));
    for (const m of portMacs(p)) push(macs, m, p.name);
    for (const ip of portIps(p)) push(portsByIp, formatIp(ip), p.name);
    const lrp = p.type === 'router' ? t.routerPorts.get(p.options['router-port'] ?? '') : undefined;
    if (lrp) push(macs, lrp.mac, p.name);
  }
  const groupsByPort = new Map<string, string[]>();
  const groupsBySwitch = new Map<string, string[]>();
  for (const g of t.portGroups.values()) {
    for (const pn of g.ports) {
      push(groupsByPort, pn, g.name);
      const sw = t.ports.get(pn)?.switchName;
      if (sw) push(groupsBySwitch, sw, g.name);
    }
  }
  return { portByUuid, portsByMac, portsByIp, groupsByPort, groupsBySwitch, ...smallIndexes(t) };
}

interface Change<T> {
  readonly old?: T | undefined;
  readonly now?: T | undefined;
}

/** Entries of two name-keyed maps that are not the same object (added, removed or replaced). */
function changes<T>(prev: ReadonlyMap<string, T>, next: ReadonlyMap<string, T>): Change<T>[] {
  const out: Change<T>[] = [];
  for (const [k, v] of next) {
    const o = prev.get(k);
    if (o !== v) out.push({ old: o, now: v });
  }
  for (const [k, o] of prev) if (!next.has(k)) out.push({ old: o });
  return out;
}

/** Positions in a map's iteration order, for putting touched lists back in full-build order. */
function positions(m: ReadonlyMap<string, unknown>): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  for (const k of m.keys()) out.set(k, i++);
  return out;
}

/**
 * Edits to a multimap (key -> names) over the previous topology's, which keeps its own lists: a list is
 * copied before it changes. finish() drops emptied keys, orders touched lists as a full build would, and
 * lays the edits over the previous map.
 */
class ListPatch {
  private readonly edits = new Map<string, readonly string[]>();
  constructor(private readonly prev: ReadonlyMap<string, readonly string[]>) {}
  private list(k: string): readonly string[] {
    return this.edits.get(k) ?? this.prev.get(k) ?? [];
  }
  remove(k: string, v: string): void {
    const l = this.list(k);
    if (l.includes(v))
      this.edits.set(
        k,
        l.filter((x) => x !== v),
      );
  }
  add(k: string, v: string): void {
    const l = this.list(k);
    if (!l.includes(v)) this.edits.set(k, [...l, v]);
  }
  finish(order: () => ReadonlyMap<string, number>): ReadonlyMap<string, readonly string[]> {
    const changes = new Map<string, readonly string[] | undefined>();
    for (const [k, l] of this.edits) {
      if (l.length === 0) changes.set(k, undefined);
      else if (l.length === 1) changes.set(k, l);
      else {
        const pos = order();
        changes.set(
          k,
          [...l].sort((a, b) => (pos.get(a) ?? 0) - (pos.get(b) ?? 0)),
        );
      }
    }
    return OverlayMap.patch(this.prev, changes);
  }
}

function lazy<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}

function macsOfSwitch(t: IndexParts, portNames: readonly string[]): Map<string, string[]> {
  const macs = new Map<string, string[]>();
  for (const pn of portNames) {
    const p = t.ports.get(pn);
    if (!p) continue;
    for (const m of portMacs(p)) push(macs, m, p.name);
    const rp = p.type === 'router' ? p.options['router-port'] : undefined;
    const lrp = rp ? t.routerPorts.get(rp) : undefined;
    if (lrp) push(macs, lrp.mac, p.name);
  }
  return macs;
}

type PortChange = Change<SwitchPort>;

function patchPortIndexes(
  prev: TopologyIndex,
  changed: readonly PortChange[],
  order: () => Map<string, number>,
) {
  const byUuid = new Map<string, SwitchPort | undefined>();
  const byIp = new ListPatch(prev.portsByIp);
  for (const { old } of changed) {
    if (!old) continue;
    if (prev.portByUuid.get(old.uuid) === old) byUuid.set(old.uuid, undefined);
    for (const ip of portIps(old)) byIp.remove(formatIp(ip), old.name);
  }
  for (const { now } of changed) {
    if (!now) continue;
    byUuid.set(now.uuid, now);
    for (const ip of portIps(now)) byIp.add(formatIp(ip), now.name);
  }
  return { portByUuid: OverlayMap.patch(prev.portByUuid, byUuid), portsByIp: byIp.finish(order) };
}

function patchMacIndex(
  prev: IndexParts & { readonly index: TopologyIndex },
  t: IndexParts,
  changed: readonly PortChange[],
  switchPortByRouterPort: ReadonlyMap<string, string>,
): Map<string, ReadonlyMap<string, readonly string[]>> {
  const dirty = new Set<string>();
  for (const { old, now } of changed) {
    if (old) dirty.add(old.switchName);
    if (now) dirty.add(now.switchName);
  }
  // A router port's MAC also counts for the switch port attached to it.
  for (const { old, now } of changes(prev.routerPorts, t.routerPorts)) {
    for (const rp of [old, now]) {
      const lsp = rp
        ? (switchPortByRouterPort.get(rp.name) ?? prev.index.switchPortByRouterPort.get(rp.name))
        : undefined;
      const sw = lsp ? (t.ports.get(lsp) ?? prev.ports.get(lsp))?.switchName : undefined;
      if (sw) dirty.add(sw);
    }
  }
  const out = new Map<string, ReadonlyMap<string, readonly string[]>>();
  for (const s of t.switches.values()) {
    if (s.ports.length === 0) continue;
    const kept = dirty.has(s.name) ? undefined : prev.index.portsByMac.get(s.name);
    out.set(s.name, kept ?? macsOfSwitch(t, s.ports));
  }
  return out;
}

function patchGroupIndexes(
  prev: IndexParts & { readonly index: TopologyIndex },
  t: IndexParts,
  changedPorts: readonly PortChange[],
  order: () => Map<string, number>,
) {
  const pos = lazy(order);
  const byPort = new ListPatch(prev.index.groupsByPort);
  const dirty = new Set<string>();
  const switchOf = (pn: string) => t.ports.get(pn)?.switchName ?? prev.ports.get(pn)?.switchName;
  for (const { old, now } of changes(prev.portGroups, t.portGroups)) {
    for (const pn of old?.ports ?? []) byPort.remove(pn, old!.name);
    for (const pn of now?.ports ?? []) byPort.add(pn, now!.name);
    for (const pn of [...(old?.ports ?? []), ...(now?.ports ?? [])]) {
      const sw = switchOf(pn);
      if (sw) dirty.add(sw);
    }
  }
  const groupsByPort = byPort.finish(pos);
  for (const { old, now } of changedPorts) {
    if (old) dirty.add(old.switchName);
    if (now) dirty.add(now.switchName);
  }
  const groupsBySwitch = new Map(prev.index.groupsBySwitch);
  for (const sw of dirty) {
    const names = new Set<string>();
    for (const pn of t.switches.get(sw)?.ports ?? [])
      if (t.ports.get(pn)?.switchName === sw) for (const g of groupsByPort.get(pn) ?? []) names.add(g);
    if (names.size === 0) groupsBySwitch.delete(sw);
    else
      groupsBySwitch.set(
        sw,
        [...names].sort((a, b) => pos().get(a)! - pos().get(b)!),
      );
  }
  return { groupsByPort, groupsBySwitch };
}

/** The small indexes (router ports, LB users, router-port attachments), rebuilt whole: cheap at any size. */
function smallIndexes(t: IndexParts) {
  const routerPortByUuid = new Map([...t.routerPorts.values()].map((p) => [p.uuid, p]));
  const switchPortByRouterPort = new Map<string, string>();
  for (const p of t.ports.values()) {
    const rp = p.type === 'router' ? p.options['router-port'] : undefined;
    if (rp) switchPortByRouterPort.set(rp, p.name);
  }
  const lbUsers = new Map<string, { switches: string[]; routers: string[] }>();
  const user = (n: string) => {
    let u = lbUsers.get(n);
    if (!u) lbUsers.set(n, (u = { switches: [], routers: [] }));
    return u;
  };
  for (const s of t.switches.values()) for (const l of s.loadBalancers) user(l).switches.push(s.name);
  for (const r of t.routers.values()) for (const l of r.loadBalancers) user(l).routers.push(r.name);
  return { routerPortByUuid, switchPortByRouterPort, lbUsers };
}

/**
 * The index of `t` from the index of `prev`, the topology the same source built just before: only what
 * changed objects (by identity) contributed is redone. Equal to buildIndex(t), list order included.
 */
export function updateIndex(
  prev: IndexParts & { readonly index: TopologyIndex },
  t: IndexParts,
): TopologyIndex {
  const changedPorts = changes(prev.ports, t.ports);
  // With many ports changed, patching costs more than building.
  if (changedPorts.length > 1000 + t.ports.size / 10) return buildIndex(t);
  const small = smallIndexes(t);
  return {
    ...small,
    ...patchPortIndexes(
      prev.index,
      changedPorts,
      lazy(() => positions(t.ports)),
    ),
    portsByMac: patchMacIndex(prev, t, changedPorts, small.switchPortByRouterPort),
    ...patchGroupIndexes(prev, t, changedPorts, () => positions(t.portGroups)),
  };
}
