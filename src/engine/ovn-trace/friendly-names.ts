// ovn-trace prints "friendly" names, not the logical names we asked with: a datapath by its NB
// external_ids neutron:network_name / neutron:router_name and a port by its neutron:port_name when those
// are set (northd copies them to the SB as name2 / name), and any name that ends in a UUID with the UUID
// cut to its first 6 characters (ovn-trace's shorten_uuid). Neutron's names are all of that kind
// (`neutron-<uuid>`, ports named by their UUID), so the text is mapped back to the topology's names before
// it is parsed. `--no-friendly-names` is no way out: it prints every datapath by its NB UUID, which a
// snapshot file's topology does not know.

import type { Topology } from '../../ovn/topology/types.ts';

const UUID_TAIL = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What ovn-trace prints for a name: a trailing UUID cut to 6 hex digits. */
export function shortenUuid(name: string): string {
  return UUID_TAIL.test(name) ? name.slice(0, name.length - 30) : name;
}

const cache = new WeakMap<Topology, ReadonlyMap<string, string>>();

/** Printed name -> logical name, for the names ovn-trace prints differently (unambiguous ones only). */
export function friendlyNames(t: Topology): ReadonlyMap<string, string> {
  const hit = cache.get(t);
  if (hit) return hit;
  const out = new Map<string, string | null>();
  const add = (full: string, name2: string | undefined) => {
    const shown = shortenUuid(name2 ? name2 : full);
    if (shown === full) return;
    // Two rows printed alike cannot be told apart: leave that name as printed.
    out.set(shown, out.has(shown) && out.get(shown) !== full ? null : full);
  };
  for (const s of t.switches.values()) add(s.name, s.externalIds['neutron:network_name']);
  for (const r of t.routers.values()) add(r.name, r.externalIds['neutron:router_name']);
  for (const p of t.ports.values()) add(p.name, p.externalIds['neutron:port_name']);
  for (const p of t.routerPorts.values()) add(p.name, undefined);
  const names = new Map<string, string>();
  const real = (n: string) => t.switches.has(n) || t.routers.has(n) || t.ports.has(n) || t.routerPorts.has(n);
  for (const [shown, full] of out) if (full !== null && !real(shown)) names.set(shown, full);
  cache.set(t, names);
  return names;
}

/** The trace text with every quoted friendly name replaced by its logical name. */
export function unfriendly(text: string, names: ReadonlyMap<string, string>): string {
  if (names.size === 0) return text;
  return text.replace(/"([^"\n]*)"/g, (all, name: string) => {
    const full = names.get(name);
    return full === undefined ? all : `"${full}"`;
  });
}
