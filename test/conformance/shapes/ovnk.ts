// A seeded generator of networks shaped the way ovn-kubernetes (default network, shared gateway mode)
// writes them, with packets, for conformance against real ovn-trace and between engines:
// - per node: switch `<node>` with the `k8s-<node>` management port and pods `<ns>_<pod>`,
//   `ovn_cluster_router` (rtos-<node>, per-node src-ip egress routes, the 1004 reroute of traffic for
//   the node's own IP to its management port, the 102 pod-to-pod allows), `join`, gateway router
//   `GR_<node>` (options:chassis, SNAT of the cluster subnet to the node IP, default route) and
//   `ext_<node>` with a localnet port;
// - Services: a cluster load balancer (ClusterIP VIPs) on every node switch and GR, one NodePort load
//   balancer per node (VIP = the GR's own address) on its GR and node switch; session affinity
//   (affinity_timeout), no-endpoint services (options:reject), hairpin (a backend to its own service);
// - policy: NetworkPolicy as port groups + namespace address sets + ACLs (ingress to-lport, egress
//   from-lport apply-after-lb, default-deny groups), and on NBs with ACL tiers AdminNetworkPolicy
//   (tier 1, allow/deny/pass) and BaselineAdminNetworkPolicy (tier 3), NetworkPolicy in tier 2;
// - external_ids as ovn-kubernetes writes them (k8s.ovn.org/owner-type, k8s.ovn.org/name, …).
// - with the round's extras (ovnk-egress.ts): EgressIP reroutes and SNAT, EgressFirewall ACLs on `join`,
//   and the cluster-wide Service load balancers in a Load_Balancer_Group; dual-stack (ovnk-ipv6.ts).
// Names follow ovn-kubernetes; its hashed port group / address set names are `a<decimal hash>` here too.
// Each Service VIP has one backend, so OVN's backend choice is known (ovn-trace picks one at random).
// Not generated: dynamic_neigh_routers
// (next hops would need learned SB MAC_Bindings, which a fresh bed has not: every trace would end in an
// ARP request).

import type { TraceRequest } from '../../../src/engine/types.ts';
import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import { type GenFeatures, Rng } from '../generator.ts';
import type { CaseSource } from '../run-conformance.ts';
import { addEgress, type OvnkEgress } from './ovnk-egress.ts';
import { addIpv6, podIp6, serviceIp6, toV6 } from './ovnk-ipv6.ts';
import { type Acl, k8sAclIds, lbIds, nsAddressSet, podMac } from './ovnk-names.ts';
import { addPolicies, type PolicyCtx } from './ovnk-policy.ts';

type Doc = SnapshotDoc;
type Router = NonNullable<Doc['routers']>[number];
type Lb = NonNullable<Doc['load_balancers']>[number];

export interface OvnkPod {
  readonly name: string;
  readonly ns: string;
  readonly node: number;
  readonly ip: string;
  readonly mac: string;
}

export interface OvnkService {
  readonly name: string;
  readonly ns: string;
  readonly protocol: 'tcp' | 'udp';
  readonly clusterIp: string;
  readonly port: number;
  readonly backend: OvnkPod | null;
  readonly targetPort: number;
  readonly nodePort: number | null;
  readonly affinity: boolean;
}

/** An ovn-kubernetes-shaped network: the document, its pods, services and what the packets aim at. */
export interface OvnkNet {
  readonly doc: Doc;
  readonly nodes: number;
  readonly pods: OvnkPod[];
  readonly services: OvnkService[];
  readonly namespaces: string[];
  /** Ports (pod containers) that NetworkPolicy rules name, worth aiming at. */
  readonly policyPorts: number[];
  /** ovn-trace picks an ECMP member by --select-id: never ECMP here. */
  readonly ecmp: false;
  /** Classes of the network (ovnkCaseTags adds the packet's own). */
  readonly tags: string[];
  readonly tiers: boolean;
  /** EgressIP, EgressFirewall and LB groups (none without `extras`). */
  readonly egress: OvnkEgress;
  /** Dual-stack (ovnk-ipv6.ts): a share of the packets is IPv6. */
  readonly dualStack: boolean;
  /** The round's second stream (extras), continued by the packets (IPv6 twins). */
  readonly extras: Rng | null;
}

export const CLUSTER_CIDR = '10.244.0.0/16';
export const NODE_PORT_BASE = 30000;
const NAMESPACES = ['shop', 'web', 'db', 'ops'];
const APP_PORTS = [80, 443, 5432, 8080];

export const nodeName = (i: number) => `worker${i}`;
export const nodeIp = (i: number) => `172.18.0.${i + 1}`;
const joinIp = (i: number) => `100.64.0.${i + 1}`;
const hex = (n: number) => n.toString(16).padStart(2, '0');
const routerMac = (a: number, b: number) => `0a:58:64:40:${hex(a)}:${hex(b)}`;
export const gwMac = (i: number) => `02:42:ac:12:00:${hex(i + 1)}`;
/** An external host on the node network (172.18.0.0/16), e.g. a client of a NodePort. */
export const EXTERNAL_HOST = { ip: '172.18.0.100', mac: '02:42:ac:12:00:64' };

const routerLsp = (name: string, rport: string, extra: Record<string, string> = {}) => ({
  name,
  type: 'router',
  addresses: ['router'],
  options: { 'router-port': rport, ...extra },
});

function makePods(rng: Rng, nodes: number, namespaces: string[]): OvnkPod[] {
  const pods: OvnkPod[] = [];
  for (let n = 1; n <= nodes; n++) {
    const count = rng.int(2, 4);
    for (let k = 0; k < count; k++) {
      const ns = rng.pick(namespaces);
      const ip = `10.244.${n}.${5 + k}`;
      pods.push({ name: `${ns}_${ns}-${n}${String.fromCharCode(97 + k)}`, ns, node: n, ip, mac: podMac(ip) });
    }
  }
  return pods;
}

function nodeSwitch(n: number, pods: OvnkPod[]): NonNullable<Doc['switches']>[number] {
  const mgmtIp = `10.244.${n}.2`;
  return {
    name: nodeName(n),
    other_config: { subnet: `10.244.${n}.0/24`, exclude_ips: mgmtIp },
    ports: [
      routerLsp(`stor-${nodeName(n)}`, `rtos-${nodeName(n)}`),
      { name: `k8s-${nodeName(n)}`, addresses: [`${podMac(mgmtIp)} ${mgmtIp}`] },
      ...pods
        .filter((p) => p.node === n)
        .map((p) => ({
          name: p.name,
          addresses: [`${p.mac} ${p.ip}`],
          port_security: [`${p.mac} ${p.ip}`],
          external_ids: { namespace: p.ns, pod: 'true' },
        })),
    ],
    // The management port may always reach the node's pods (kubelet health checks).
    acls: [],
  };
}

function clusterRouter(nodes: number): Router {
  const ports: Router['ports'] & object = [
    { name: 'rtoj-ovn_cluster_router', mac: routerMac(0, 1), networks: ['100.64.0.1/16'] },
  ];
  const static_routes: Router['static_routes'] & object = [];
  const policies: Router['policies'] & object = [
    { priority: 102, match: 'ip4.src == 10.244.0.0/16 && ip4.dst == 10.244.0.0/16', action: 'allow' },
    { priority: 102, match: 'ip4.src == 10.244.0.0/16 && ip4.dst == 100.64.0.0/16', action: 'allow' },
  ];
  for (let n = 1; n <= nodes; n++) {
    ports.push({ name: `rtos-${nodeName(n)}`, mac: podMac(`10.244.${n}.1`), networks: [`10.244.${n}.1/24`] });
    // Pod egress leaves by the pod's own node's gateway router.
    static_routes.push({ ip_prefix: `10.244.${n}.0/24`, nexthop: joinIp(n), policy: 'src-ip' });
    policies.push({
      priority: 1004,
      match: `inport == "rtos-${nodeName(n)}" && ip4.dst == ${nodeIp(n)} /* ${nodeName(n)} */`,
      action: 'reroute',
      nexthops: [`10.244.${n}.2`],
      external_ids: { 'k8s.ovn.org/owner-type': 'DefaultNetworkController', 'k8s.ovn.org/name': nodeName(n) },
    });
  }
  return {
    name: 'ovn_cluster_router',
    ports,
    static_routes,
    policies,
    options: { mcast_relay: 'false' },
    external_ids: { 'k8s-cluster-router': 'yes', 'k8s-ovn-topo-version': '12' },
  };
}

function gatewayRouter(n: number): Router {
  const gr = `GR_${nodeName(n)}`;
  return {
    name: gr,
    ports: [
      { name: `rtoj-${gr}`, mac: routerMac(0, n + 1), networks: [`${joinIp(n)}/16`] },
      { name: `rtoe-${gr}`, mac: gwMac(n), networks: [`${nodeIp(n)}/16`] },
    ],
    static_routes: [
      { ip_prefix: CLUSTER_CIDR, nexthop: '100.64.0.1' },
      { ip_prefix: '0.0.0.0/0', nexthop: '172.18.0.1', output_port: `rtoe-${gr}` },
    ],
    nat: [
      {
        type: 'snat',
        external_ip: nodeIp(n),
        logical_ip: CLUSTER_CIDR,
        external_ids: { 'k8s.ovn.org/owner-type': 'DefaultNetworkController' },
      },
    ],
    options: {
      chassis: `chassis-${nodeName(n)}`,
      lb_force_snat_ip: 'router_ip',
      'snat-ct-zone': '0',
      always_learn_from_arp_request: 'false',
    },
    external_ids: { physical_ip: nodeIp(n), physical_ips: nodeIp(n) },
  };
}

function makeServices(rng: Rng, pods: OvnkPod[], nodes: number): OvnkService[] {
  const out: OvnkService[] = [];
  const count = rng.int(2, 4);
  for (let k = 0; k < count; k++) {
    const noEndpoints = rng.chance(0.15);
    const backend = noEndpoints ? null : rng.pick(pods);
    const ns = backend?.ns ?? rng.pick(NAMESPACES);
    const udp = rng.chance(0.2);
    out.push({
      name: `svc${k + 1}`,
      ns,
      protocol: udp ? 'udp' : 'tcp',
      clusterIp: `10.96.0.${10 + k}`,
      port: udp ? 53 : rng.pick([80, 443, 8080]),
      backend,
      targetPort: udp ? 5353 : rng.pick(APP_PORTS),
      nodePort: !udp && nodes > 0 && rng.chance(0.6) ? NODE_PORT_BASE + 80 + k : null,
      affinity: rng.chance(0.3),
    });
  }
  return out;
}

function lbOptions(s: OvnkService): Record<string, string> {
  return {
    event: 'false',
    reject: 'true',
    skip_snat: 'false',
    hairpin_snat_ip: '169.254.0.5 fd69::5',
    ...(s.affinity ? { affinity_timeout: '10800' } : {}),
  };
}

const backendOf = (s: OvnkService) => (s.backend ? `${s.backend.ip}:${s.targetPort}` : '');

/** Every Service's load balancers, attached where ovn-kubernetes attaches them. */
function addServices(doc: Doc, services: OvnkService[], nodes: number): void {
  const lbs: Lb[] = [];
  for (const s of services) {
    const proto = s.protocol.toUpperCase();
    const cluster = `Service_${s.ns}/${s.name}_${proto}_cluster`;
    lbs.push({
      name: cluster,
      protocol: s.protocol,
      vips: { [`${s.clusterIp}:${s.port}`]: backendOf(s) },
      options: lbOptions(s),
      external_ids: lbIds(s.ns, s.name),
    });
    for (const sw of doc.switches!.filter((x) => x.other_config?.subnet)) sw.load_balancers!.push(cluster);
    for (const r of doc.routers!.filter((x) => x.name.startsWith('GR_'))) r.load_balancers!.push(cluster);
    if (s.nodePort === null) continue;
    for (let n = 1; n <= nodes; n++) {
      const name = `Service_${s.ns}/${s.name}_${proto}_node_router+switch_${nodeName(n)}`;
      lbs.push({
        name,
        protocol: s.protocol,
        vips: { [`${nodeIp(n)}:${s.nodePort}`]: backendOf(s) },
        options: lbOptions(s),
        external_ids: lbIds(s.ns, s.name),
      });
      doc.switches!.find((x) => x.name === nodeName(n))!.load_balancers!.push(name);
      doc.routers!.find((x) => x.name === `GR_${nodeName(n)}`)!.load_balancers!.push(name);
    }
  }
  doc.load_balancers = lbs;
}

/** The switches and routers of `nodes` nodes, with their pods. */
function topology(nodes: number, pods: OvnkPod[]): Doc {
  const join = {
    name: 'join',
    ports: [routerLsp('jtor-ovn_cluster_router', 'rtoj-ovn_cluster_router')],
  };
  const switches: NonNullable<Doc['switches']> = [];
  const routers: Router[] = [clusterRouter(nodes)];
  for (let n = 1; n <= nodes; n++) {
    switches.push({ ...nodeSwitch(n, pods), load_balancers: [] });
    join.ports.push(routerLsp(`jtor-GR_${nodeName(n)}`, `rtoj-GR_${nodeName(n)}`));
    switches.push({
      name: `ext_${nodeName(n)}`,
      ports: [
        routerLsp(`etor-GR_${nodeName(n)}`, `rtoe-GR_${nodeName(n)}`, { 'nat-addresses': 'router' }),
        {
          name: `breth0_${nodeName(n)}`,
          type: 'localnet',
          addresses: ['unknown'],
          options: { network_name: 'physnet' },
        },
      ],
    });
    routers.push({ ...gatewayRouter(n), load_balancers: [] });
  }
  switches.push(join);
  return { switches, routers };
}

/**
 * One ovn-kubernetes-shaped network; `features.tiers` (the NB has ACL.tier) adds ANP/BANP tiers.
 * `extras` draws EgressIP / EgressFirewall / LB groups on top, from its own stream, so that the rest
 * of the network and its packets are what `rng` alone gives.
 */
export function genOvnkNetwork(rng: Rng, opts: { features?: GenFeatures; extras?: Rng } = {}): OvnkNet {
  const nodes = rng.int(2, 3);
  const namespaces = NAMESPACES.slice(0, rng.int(2, 4));
  const pods = makePods(rng, nodes, namespaces);
  const doc = topology(nodes, pods);
  const services = makeServices(rng, pods, nodes);
  addServices(doc, services, nodes);
  doc.address_sets = namespaces.map((ns) => nsAddressSet(ns, pods));
  const tiers = opts.features?.tiers ?? false;
  const ctx: PolicyCtx = { rng, doc, pods, namespaces, tiers, ports: [] };
  for (let n = 1; n <= nodes; n++) {
    const mgmtIp = `10.244.${n}.2`;
    const acl: Acl = {
      direction: 'to-lport',
      priority: 1001,
      match: `ip4.src==${mgmtIp}`,
      action: 'allow-related',
      external_ids: k8sAclIds('NetpolNode', nodeName(n), { 'k8s.ovn.org/ip': mgmtIp }),
      ...(tiers ? { tier: 2 } : {}),
    };
    doc.switches!.find((x) => x.name === nodeName(n))!.acls!.push(acl);
  }
  const policyTags = addPolicies(ctx);
  const egress: OvnkEgress = opts.extras
    ? addEgress(opts.extras, doc, { pods, nodes, namespaces, tiers })
    : { egressIps: new Map(), firewalled: [], lbGroups: false };
  const dualStack = opts.extras?.chance(0.5) ?? false;
  if (dualStack) addIpv6(doc, nodes);
  const tags = [...policyTags];
  if (services.some((s) => s.affinity)) tags.push('affinity');
  if (services.some((s) => s.backend === null)) tags.push('no-endpoints');
  return {
    doc,
    nodes,
    pods,
    services,
    namespaces,
    policyPorts: [...new Set(ctx.ports)],
    ecmp: false,
    tags: tags.length > 0 ? [...new Set(tags)].sort() : ['base'],
    tiers,
    egress,
    dualStack,
    extras: opts.extras ?? null,
  };
}

type Aim = (rng: Rng, net: OvnkNet, req: TraceRequest) => void;

const anyPort = (rng: Rng, net: OvnkNet) =>
  net.policyPorts.length > 0 && rng.chance(0.6) ? rng.pick(net.policyPorts) : rng.pick(APP_PORTS);

/** Pod to pod (same node or not), on a port some policy names half the time. */
const toPod: Aim = (rng, net, req) => {
  const dst = rng.pick(net.pods.filter((p) => p.name !== req.source_port));
  req.destination_ip = dst.ip;
  if (req.protocol !== 'icmp') req.destination_port_num = anyPort(rng, net);
};

/** Pod to a Service's ClusterIP (sometimes the wrong port), from its own backend now and then. */
const toService: Aim = (rng, net, req) => {
  const s = rng.pick(net.services);
  if (s.backend && rng.chance(0.25)) req.source_port = s.backend.name;
  req.destination_ip = s.clusterIp;
  req.protocol = s.protocol;
  req.destination_port_num = rng.chance(0.85) ? s.port : 22;
};

/** From outside (the node's localnet port) to a NodePort on that node's address, or to its address. */
const fromOutside: Aim = (rng, net, req) => {
  const n = rng.int(1, net.nodes);
  const np = net.services.filter((s) => s.nodePort !== null);
  req.source_port = `breth0_${nodeName(n)}`;
  req.source_mac = EXTERNAL_HOST.mac;
  req.source_ip = EXTERNAL_HOST.ip;
  req.destination_mac = gwMac(n);
  req.destination_ip = nodeIp(n);
  req.protocol = 'tcp';
  req.destination_port_num = np.length > 0 && rng.chance(0.85) ? rng.pick(np).nodePort! : 22;
};

/** Pod to the outside world, to a node's address (the management-port reroute) or to a management port. */
const toOutside: Aim = (rng, net, req) => {
  const r = rng.next();
  if (r < 0.4) req.destination_ip = rng.pick(['8.8.8.8', '172.18.0.1', '192.0.2.10']);
  else if (r < 0.7) req.destination_ip = nodeIp(rng.int(1, net.nodes));
  else req.destination_ip = `10.244.${rng.int(1, net.nodes)}.2`;
};

/** The management port to a pod of its node (health checks). */
const fromMgmt: Aim = (rng, net, req) => {
  const dst = rng.pick(net.pods);
  req.source_port = `k8s-${nodeName(dst.node)}`;
  req.destination_ip = dst.ip;
  if (req.protocol !== 'icmp') req.destination_port_num = anyPort(rng, net);
};

const AIMS: readonly [number, Aim][] = [
  [0.4, toPod],
  [0.65, toService],
  [0.8, fromOutside],
  [0.93, toOutside],
  [1, fromMgmt],
];

/** Packets on an ovn-kubernetes network: pod↔pod, to Services, NodePorts from outside, egress. */
export function genOvnkRequests(rng: Rng, net: OvnkNet, count: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (let i = 0; i < count; i++) {
    const src = rng.pick(net.pods);
    const protocol = rng.pick(['tcp', 'tcp', 'udp', 'icmp'] as const);
    const req: TraceRequest = { source_port: src.name, protocol };
    if (protocol !== 'icmp') req.source_port_num = rng.int(1024, 65535);
    const r = rng.next();
    AIMS.find(([p]) => r < p)![1](rng, net, req);
    if (req.protocol !== 'icmp') req.source_port_num ??= rng.int(1024, 65535);
    if (net.dualStack && net.extras) toV6(net.extras, req, net.nodes);
    out.push(req);
  }
  return out;
}

/** The classes of one case: the network's and the packet's (service, nodeport, hairpin, …). */
export function ovnkCaseTags(net: OvnkNet, req: TraceRequest): string[] {
  const tags = new Set(net.tags.filter((t) => t !== 'base' && t !== 'affinity' && t !== 'no-endpoints'));
  const dstIp = req.destination_ip ?? '';
  const v6 = dstIp.includes(':');
  const s = net.services.find(
    (x) =>
      ((x.clusterIp === dstIp || serviceIp6(x.clusterIp) === dstIp) && x.port === req.destination_port_num) ||
      (x.nodePort === req.destination_port_num && req.source_port.startsWith('breth0_')),
  );
  if (s && req.protocol === s.protocol) {
    const clusterIp = s.clusterIp === dstIp || serviceIp6(s.clusterIp) === dstIp;
    tags.add(clusterIp ? 'service' : 'nodeport');
    if (s.affinity) tags.add('affinity');
    if (!s.backend) tags.add('no-endpoints');
    else if (s.backend.name === req.source_port) tags.add('hairpin');
    if (clusterIp && net.egress.lbGroups) tags.add('lb-group');
  }
  if (req.source_port.startsWith('breth0_')) tags.add('from-outside');
  else if (req.source_port.startsWith('k8s-')) tags.add('from-mgmt');
  const dst = net.pods.find((p) => p.ip === dstIp || podIp6(p.ip) === dstIp);
  const src = net.pods.find((p) => p.name === req.source_port);
  if (dst && src) tags.add(dst.node === src.node ? 'pod-same-node' : 'pod-other-node');
  const cluster = dstIp.startsWith('10.244.') || dstIp.startsWith('fd00:10:244:');
  if (!dst && !s && src && !cluster) {
    tags.add('egress');
    // EgressIP and EgressFirewall are IPv4 only here.
    if (!v6 && net.egress.egressIps.has(src.name)) tags.add('egress-ip');
    if (!v6 && net.egress.firewalled.includes(src.ns)) tags.add('egress-firewall');
  }
  if (v6) tags.add('ipv6');
  return tags.size > 0 ? [...tags].sort() : ['base'];
}

/** The harness's case source (`--source ovnk`): ovn-kubernetes networks and packets. */
export const OVNK_SOURCE: CaseSource<OvnkNet> = {
  name: 'ovnk',
  network: (rng, opts) =>
    genOvnkNetwork(rng, { features: opts.features, extras: new Rng((opts.seed ^ 0x0e9e55) >>> 0) }),
  requests: (net, rng, n) => genOvnkRequests(rng, net, n),
  tags: ovnkCaseTags,
};
