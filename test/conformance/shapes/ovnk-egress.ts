// The parts of an ovn-kubernetes network that shape traffic leaving the cluster and that the first
// ovnk shape did not build (ovnk.ts adds them when its extras draw them):
// - EgressIP: the pods of a selected namespace leave by an egress node: on `ovn_cluster_router` a
//   priority-100 `reroute` of `ip4.src == <pod>` to the egress node's gateway router (its join address),
//   a priority-102 `allow` with `options:pkt_mark=1008` for those pods to the node addresses (so they
//   stay on their own node and are SNATed there), and on the egress node's GR a SNAT of the pod to the
//   EgressIP with `logical_port` = the node's management port, as ovn-kubernetes writes it;
// - EgressFirewall: ACLs on the `join` switch (to-lport, priority 10000 down, tier 2 with tiers) with
//   `ip4.dst == <CIDR> && ip4.src == $<namespace set>`, allow or drop, and the default `0.0.0.0/0` deny
//   at the bottom when the namespace has one;
// - Load_Balancer_Group: the cluster-wide Service load balancers in `clusterLBGroup` on every node
//   switch and GR (instead of each LB listed on each), plus the switch-only and router-only groups
//   ovn-kubernetes always creates (empty here).
// Drawn from their own Rng (seeded from the round's seed) so the rest of a seed's network and packets
// stay what they were.

import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import type { Rng } from '../generator.ts';
import { type Acl, k8sAclIds, k8sHash, k8sIds } from './ovnk-names.ts';

type Doc = SnapshotDoc;
type Pod = { readonly name: string; readonly ns: string; readonly node: number; readonly ip: string };

export interface OvnkEgress {
  /** Pod name -> the node number its traffic leaves by (EgressIP) and the address it is SNATed to. */
  readonly egressIps: Map<string, { node: number; ip: string }>;
  /** Namespaces with an EgressFirewall. */
  readonly firewalled: string[];
  readonly lbGroups: boolean;
}

export const EGRESS_FIREWALL_TARGETS = ['8.8.8.0/24', '8.8.8.8/32', '192.0.2.0/24', '172.18.0.0/16'];
const EIP_MARK = '1008';

const nodeName = (i: number) => `worker${i}`;
const joinIp = (i: number) => `100.64.0.${i + 1}`;
const nodeIp = (i: number) => `172.18.0.${i + 1}`;

function egressIp(rng: Rng, doc: Doc, pods: readonly Pod[], nodes: number, namespaces: readonly string[]) {
  const out = new Map<string, { node: number; ip: string }>();
  const ns = rng.pick(namespaces);
  const selected = pods.filter((p) => p.ns === ns);
  if (selected.length === 0) return out;
  const node = rng.int(1, nodes);
  const ip = `172.18.0.${200 + rng.int(0, 50)}`;
  const name = `eip-${ns}`;
  const cr = doc.routers!.find((r) => r.name === 'ovn_cluster_router')!;
  const gr = doc.routers!.find((r) => r.name === `GR_${nodeName(node)}`)!;
  const nodeSet = k8sHash('EgressIP:node-ips:v4');
  const podSet = k8sHash(`EgressIP:${name}:pods:v4`);
  doc.address_sets!.push(
    {
      name: nodeSet,
      addresses: Array.from({ length: nodes }, (_, i) => nodeIp(i + 1)),
      external_ids: k8sIds('EgressIP', 'node-ips', { 'k8s.ovn.org/ip-family': 'v4' }),
    },
    {
      name: podSet,
      addresses: selected.map((p) => p.ip),
      external_ids: k8sIds('EgressIP', name, { 'k8s.ovn.org/ip-family': 'v4' }),
    },
  );
  cr.policies!.push({
    priority: 102,
    match: `(ip4.src == $${podSet}) && ip4.dst == $${nodeSet}`,
    action: 'allow',
    options: { pkt_mark: EIP_MARK },
    external_ids: k8sIds('DefaultNetworkController', 'EIP-No-Reroute-Node'),
  });
  for (const p of selected) {
    cr.policies!.push({
      priority: 100,
      match: `ip4.src == ${p.ip}`,
      action: 'reroute',
      nexthops: [joinIp(node)],
      external_ids: k8sIds('EgressIP', `${name}_${p.ns}/${p.name}`),
    });
    gr.nat!.push({
      type: 'snat',
      external_ip: ip,
      logical_ip: p.ip,
      logical_port: `k8s-${nodeName(node)}`,
      options: { stateless: 'false' },
      external_ids: k8sIds('EgressIP', name),
    });
    out.set(p.name, { node, ip });
  }
  return out;
}

/** One namespace's EgressFirewall: a few rules from the top, the default deny at the bottom (sometimes). */
function egressFirewall(rng: Rng, doc: Doc, ns: string, tiers: boolean): void {
  const join = doc.switches!.find((s) => s.name === 'join')!;
  join.acls ??= [];
  const src = `ip4.src == $${k8sHash(`Namespace:${ns}:v4`)}`;
  const rules = rng.int(1, 3);
  const acls: Acl[] = [];
  for (let r = 0; r < rules; r++) {
    const cidr = rng.pick(EGRESS_FIREWALL_TARGETS);
    acls.push({
      direction: 'to-lport',
      priority: 10000 - r,
      match: `(ip4.dst == ${cidr}) && ${src}`,
      action: rng.chance(0.5) ? 'allow' : 'drop',
      external_ids: k8sAclIds('EgressFirewall', ns, { 'k8s.ovn.org/rule-index': String(r) }),
    });
  }
  if (rng.chance(0.6)) {
    acls.push({
      direction: 'to-lport',
      priority: 10000 - rules,
      match: `(ip4.dst == 0.0.0.0/0 && ip4.dst != ${'10.244.0.0/16'}) && ${src}`,
      action: 'drop',
      external_ids: k8sAclIds('EgressFirewall', ns, { 'k8s.ovn.org/rule-index': String(rules) }),
    });
  }
  for (const a of acls) join.acls.push(tiers ? { ...a, tier: 2 } : a);
}

/** Puts the cluster-wide Service LBs into `clusterLBGroup` on every node switch and gateway router. */
function lbGroups(doc: Doc): void {
  const cluster = (doc.load_balancers ?? []).filter((l) => l.name.endsWith('_cluster')).map((l) => l.name);
  const inGroup = new Set(cluster);
  doc.load_balancer_groups = [
    { name: 'clusterLBGroup', load_balancers: cluster },
    { name: 'clusterSwitchLBGroup', load_balancers: [] },
    { name: 'clusterRouterLBGroup', load_balancers: [] },
  ];
  for (const s of doc.switches!.filter((x) => x.other_config?.subnet)) {
    s.load_balancers = (s.load_balancers ?? []).filter((l) => !inGroup.has(l));
    s.load_balancer_groups = ['clusterLBGroup', 'clusterSwitchLBGroup'];
  }
  for (const r of doc.routers!.filter((x) => x.name.startsWith('GR_'))) {
    r.load_balancers = (r.load_balancers ?? []).filter((l) => !inGroup.has(l));
    r.load_balancer_groups = ['clusterLBGroup', 'clusterRouterLBGroup'];
  }
}

/** Adds what `rng` draws of EgressIP, EgressFirewall and LB groups to an ovnk network document. */
export function addEgress(
  rng: Rng,
  doc: Doc,
  net: { pods: readonly Pod[]; nodes: number; namespaces: readonly string[]; tiers: boolean },
): OvnkEgress {
  const groups = rng.chance(0.6);
  if (groups) lbGroups(doc);
  const egressIps = rng.chance(0.6)
    ? egressIp(rng, doc, net.pods, net.nodes, net.namespaces)
    : new Map<string, { node: number; ip: string }>();
  const firewalled = net.namespaces.filter(() => rng.chance(0.4));
  for (const ns of firewalled) egressFirewall(rng, doc, ns, net.tiers);
  return { egressIps, firewalled, lbGroups: groups };
}
