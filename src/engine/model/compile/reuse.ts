// What a compiled part depends on, so compileNetwork can reuse it for a new topology when every input
// is the identical object (topology sources keep unchanged rows as the same objects across rebuilds).
// An ACL's compiled match depends on its row and on every address set and port group it names
// (for `$pg_ip4`/`$pg_ip6`, also the member ports); a switch on its row, ports, the router ports its
// router-type ports name, load balancers and the port groups with members on it; a router on its row,
// ports and their peer switches, load balancers and what its policies name.

import { derivedSet, references } from '../../../ovn/expr/index.ts';
import type { LogicalRouter, LogicalSwitch, PortGroup, Topology } from '../../../ovn/topology/types.ts';

/** True when both lists hold the identical objects in the same order. */
export function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The port group a `$name` may be derived from (see derivedSet), if it exists in `t`. */
function derivedGroup(t: Topology, setName: string): PortGroup | undefined {
  const d = derivedSet(setName);
  return d ? t.portGroups.get(d.group) : undefined;
}

/** The rows a match's meaning depends on besides its own text (names it refers to, as found now). */
export function matchDeps(
  t: Topology,
  groups: readonly string[],
  sets: readonly string[],
  out: unknown[] = [],
): unknown[] {
  for (const g of groups) out.push(t.portGroups.get(g));
  for (const n of sets) {
    out.push(t.addressSets.get(n));
    // `$<group>_ip4` / `$<group>_ip6`: derived from the group's member ports' addresses.
    const pg = derivedGroup(t, n);
    out.push(pg);
    for (const p of pg?.ports ?? []) out.push(t.ports.get(p));
  }
  return out;
}

/**
 * True when `deps` (matchDeps of an earlier topology) still holds in `t`; compares in place, without
 * building the list: a recompile checks every ACL this way.
 */
export function sameMatchDeps(
  t: Topology,
  groups: readonly string[],
  sets: readonly string[],
  deps: readonly unknown[],
): boolean {
  let i = 0;
  for (const g of groups) if (deps[i++] !== t.portGroups.get(g)) return false;
  for (const n of sets) {
    if (deps[i++] !== t.addressSets.get(n)) return false;
    const pg = derivedGroup(t, n);
    if (deps[i++] !== pg) return false;
    for (const p of pg?.ports ?? []) if (deps[i++] !== t.ports.get(p)) return false;
  }
  return i === deps.length;
}

/** Inputs of a switch's compiled form, except its ACLs' matches (checked one by one). */
export function switchDeps(t: Topology, sw: LogicalSwitch): unknown[] {
  const out: unknown[] = [sw];
  for (const pn of sw.ports) {
    const p = t.ports.get(pn);
    out.push(p);
    if (p?.type === 'router') out.push(t.routerPorts.get(p.options['router-port'] ?? ''));
  }
  for (const n of sw.loadBalancers) out.push(t.loadBalancers.get(n));
  for (const g of t.index.groupsBySwitch.get(sw.name) ?? []) out.push(t.portGroups.get(g));
  return out;
}

/** True when switchDeps(t, sw) would equal `deps` (checked in place: most switches are reused). */
export function sameSwitchDeps(t: Topology, sw: LogicalSwitch, deps: readonly unknown[]): boolean {
  let i = 0;
  if (deps[i++] !== sw) return false;
  for (const pn of sw.ports) {
    const p = t.ports.get(pn);
    if (deps[i++] !== p) return false;
    if (p?.type === 'router' && deps[i++] !== t.routerPorts.get(p.options['router-port'] ?? '')) return false;
  }
  for (const n of sw.loadBalancers) if (deps[i++] !== t.loadBalancers.get(n)) return false;
  for (const g of t.index.groupsBySwitch.get(sw.name) ?? [])
    if (deps[i++] !== t.portGroups.get(g)) return false;
  return i === deps.length;
}

export function routerDeps(t: Topology, r: LogicalRouter): unknown[] {
  const out: unknown[] = [r];
  for (const pn of r.ports) {
    out.push(t.routerPorts.get(pn));
    // The peer switch: whether it has a localnet port decides if a gateway port's NAT is distributed (25.03+).
    const lsp = t.ports.get(t.index.switchPortByRouterPort.get(pn) ?? '');
    out.push(lsp ? t.switches.get(lsp.switchName) : undefined);
  }
  for (const n of r.loadBalancers) out.push(t.loadBalancers.get(n));
  for (const p of r.policies) {
    const refs = references(p.match);
    matchDeps(t, refs.portGroups, refs.addressSets, out);
  }
  return out;
}
