// Load_Balancer_Group in a snapshot document: a switch or router naming groups in
// `load_balancer_groups` gets every group's load balancers as if listed in its own `load_balancers`,
// which is what ovn-northd makes of them (and how the live NB source writes a snapshot: it flattens
// groups too). Flattening once before the build keeps groups out of the engines entirely.

import type { SnapshotDoc } from './snapshot-schema.ts';

type Issue = (path: (string | number)[], message: string) => void;

/** The document with groups resolved into each switch's and router's load_balancers. */
export function flattenLbGroups(doc: SnapshotDoc, issue: Issue): SnapshotDoc {
  const groups = doc.load_balancer_groups ?? [];
  const named =
    (doc.switches ?? []).some((s) => s.load_balancer_groups?.length) ||
    (doc.routers ?? []).some((r) => r.load_balancer_groups?.length);
  if (groups.length === 0 && !named) return doc;
  const lbNames = new Set((doc.load_balancers ?? []).map((l) => l.name));
  const members = new Map<string, string[]>();
  groups.forEach((g, gi) => {
    const known: string[] = [];
    (g.load_balancers ?? []).forEach((l, li) => {
      if (lbNames.has(l)) known.push(l);
      else issue(['load_balancer_groups', gi, 'load_balancers', li], `unknown load balancer "${l}"`);
    });
    members.set(g.name, known);
  });
  const resolve = <T extends { load_balancers?: string[]; load_balancer_groups?: string[] }>(
    e: T,
    base: (string | number)[],
  ): T => {
    if (!e.load_balancer_groups?.length) return e;
    const lbs = [...(e.load_balancers ?? [])];
    e.load_balancer_groups.forEach((g, gi) => {
      const m = members.get(g);
      if (!m) issue([...base, 'load_balancer_groups', gi], `unknown load balancer group "${g}"`);
      for (const l of m ?? []) if (!lbs.includes(l)) lbs.push(l);
    });
    return { ...e, load_balancers: lbs };
  };
  return {
    ...doc,
    switches: doc.switches?.map((s, si) => resolve(s, ['switches', si])),
    routers: doc.routers?.map((r, ri) => resolve(r, ['routers', ri])),
  };
}
