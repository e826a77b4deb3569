// The services (protocol + destination port) worth testing towards a port: the ones a request names,
// else ICMP plus the TCP/UDP destination ports that the ACLs guarding that port allow, else a default
// list. The ACL reading is deliberately textual (`tcp.dst == 3306`, `udp.dst == {53, 123}`): it only
// chooses what to trace; the traces themselves decide reachability.

import { PROTOCOLS, type Protocol } from '../engine/types.ts';
import { analyzeMatch, type GroupMembers, l4Constants, resolveScope } from '../ovn/expr/index.ts';
import type { Acl, Topology } from '../ovn/topology/types.ts';

export interface Service {
  readonly protocol: Protocol;
  /** Destination port; absent for ICMP. */
  readonly port?: number;
}

export const DEFAULT_PROTOCOLS: readonly Protocol[] = PROTOCOLS;
export const DEFAULT_PORTS: readonly number[] = [22, 80, 443, 3306, 5432, 6379, 8080];

/** `tcp:80`, `udp:53`, `icmp`: the key used in summaries and the connectivity protocols map. */
export function serviceKey(s: Service): string {
  return s.port === undefined ? s.protocol : `${s.protocol}:${s.port}`;
}

/** Every protocol × port, ICMP once, in the order given (duplicates removed). */
export function expandServices(
  protocols: readonly Protocol[] = DEFAULT_PROTOCOLS,
  ports: readonly number[] = DEFAULT_PORTS,
): Service[] {
  const out: Service[] = [];
  const seen = new Set<string>();
  for (const protocol of protocols) {
    const list: Service[] = protocol === 'icmp' ? [{ protocol }] : ports.map((port) => ({ protocol, port }));
    for (const s of list) {
      if (seen.has(serviceKey(s))) continue;
      seen.add(serviceKey(s));
      out.push(s);
    }
  }
  return out;
}

/** ACLs that guard traffic to `portName`: its switch's ACLs and those of port groups it belongs to. */
function guardingAcls(t: Topology, portName: string): Acl[] {
  const port = t.ports.get(portName);
  if (!port) return [];
  const acls = [...(t.switches.get(port.switchName)?.acls ?? [])];
  for (const g of t.index.groupsByPort.get(portName) ?? []) acls.push(...(t.portGroups.get(g)?.acls ?? []));
  const members = (g: string) => t.portGroups.get(g)?.ports;
  return acls.filter((a) => a.action.startsWith('allow') && !scopedElsewhere(a.match, portName, members));
}

/** True when a top-level `inport`/`outport` conjunct restricts the match to ports other than `portName`. */
function scopedElsewhere(match: string, portName: string, members: GroupMembers): boolean {
  const a = analyzeMatch(match);
  return [a.inport, a.outport].some((s) => !(resolveScope(s, members)?.includes(portName) ?? true));
}

/** Destination services the guarding ACLs allow, ICMP first; null when they name no TCP/UDP port. */
export function servicesFromAcls(t: Topology, portName: string): Service[] | null {
  const found: Service[] = [];
  for (const acl of guardingAcls(t, portName)) {
    for (const c of l4Constants(acl.match)) {
      const single = c.side === 'dst' && !c.negated && c.lo === c.hi;
      if (single && (c.protocol === 'tcp' || c.protocol === 'udp'))
        found.push({ protocol: c.protocol, port: c.lo });
    }
  }
  if (found.length === 0) return null;
  const unique = new Map(found.map((s) => [serviceKey(s), s]));
  const sorted = [...unique.values()].sort((a, b) => (a.port ?? 0) - (b.port ?? 0));
  return [{ protocol: 'icmp' }, ...sorted];
}
