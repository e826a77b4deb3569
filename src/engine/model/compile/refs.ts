// The RefResolver the expression language needs (address sets, port groups and their derived
// `$pg_ip4`/`$pg_ip6` sets), built from a topology once and shared by every match compiled for it.

import type { RefResolver } from '../../../ovn/expr/index.ts';
import { formatIp } from '../../../ovn/net/addr.ts';
import { portIps } from '../../../ovn/topology/build.ts';
import type { Topology } from '../../../ovn/topology/types.ts';

export function topologyRefs(t: Topology): RefResolver {
  const derived = new Map<string, readonly string[]>();
  return {
    addressSet: (name) => t.addressSets.get(name)?.addresses,
    portGroup: (name) => t.portGroups.get(name)?.ports,
    portGroupAddresses(name, family) {
      const key = `${name}/${family}`;
      const hit = derived.get(key);
      if (hit) return hit;
      const g = t.portGroups.get(name);
      if (!g) return undefined;
      const out: string[] = [];
      for (const pn of g.ports) {
        const p = t.ports.get(pn);
        if (p) for (const ip of portIps(p)) if (ip.family === family) out.push(formatIp(ip));
      }
      derived.set(key, out);
      return out;
    },
  };
}
