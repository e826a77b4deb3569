// Generates ovn-kubernetes-shaped logical networks of named sizes as snapshot documents, with the
// critical paths to check on them. Shared by the benchmarks (and usable by tests): one node switch per
// node, pods spread over nodes, one port group + address set per namespace, per-namespace default-deny
// ingress with allow rules, a cluster-wide address set, and service VIPs on load balancers attached to
// every node switch, all joined by one cluster router.

import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { prng } from '../../test/helpers/prng.ts';

export interface SizeSpec {
  readonly name: string;
  readonly nodes: number;
  readonly namespaces: number;
  readonly podsPerNamespace: number;
  /** ACLs per namespace port group (first is default deny, second allow same namespace). */
  readonly aclsPerNamespace: number;
  readonly vips: number;
  readonly backendsPerVip: number;
  /** Number of critical paths to generate. */
  readonly paths: number;
}

export const SIZES: Record<string, SizeSpec> = {
  S: {
    name: 'S',
    nodes: 5,
    namespaces: 10,
    podsPerNamespace: 10,
    aclsPerNamespace: 6,
    vips: 10,
    backendsPerVip: 3,
    paths: 100,
  },
  M: {
    name: 'M',
    nodes: 20,
    namespaces: 100,
    podsPerNamespace: 10,
    aclsPerNamespace: 50,
    vips: 100,
    backendsPerVip: 3,
    paths: 1000,
  },
  L: {
    name: 'L',
    nodes: 100,
    namespaces: 1000,
    podsPerNamespace: 10,
    aclsPerNamespace: 6,
    vips: 1000,
    backendsPerVip: 3,
    paths: 10000,
  },
  XL: {
    name: 'XL',
    nodes: 250,
    namespaces: 5000,
    podsPerNamespace: 10,
    aclsPerNamespace: 6,
    vips: 5000,
    backendsPerVip: 3,
    paths: 20000,
  },
};

export interface Pod {
  readonly port: string;
  readonly ns: number;
  readonly node: number;
  readonly mac: string;
  readonly ip: string;
}

export interface GeneratedPath {
  readonly name: string;
  readonly source_port: string;
  readonly destination?: string;
  readonly destination_ip?: string;
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly port?: number;
  readonly expect: 'reachable' | 'blocked';
  readonly kind: 'same-namespace' | 'cross-namespace' | 'vip';
}

export interface Generated {
  readonly size: SizeSpec;
  readonly doc: SnapshotDoc;
  readonly pods: readonly Pod[];
  readonly paths: readonly GeneratedPath[];
  readonly counts: {
    ports: number;
    switches: number;
    acls: number;
    portGroups: number;
    addressSets: number;
    vips: number;
  };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const podMac = (i: number) => `0a:58:${hex2((i >> 16) & 255)}:${hex2((i >> 8) & 255)}:${hex2(i & 255)}:01`;
/** Node n owns 10.(128 + n/256).(n%256).0/24; pods take .2 upwards, the router port .1. */
const nodeNet = (n: number) => `10.${128 + (n >> 8)}.${n & 255}`;
const SERVICE_PORTS = [80, 443, 8080, 5432, 6379, 3306];

function makePods(s: SizeSpec): Pod[] {
  const perNode = new Array<number>(s.nodes).fill(0);
  const pods: Pod[] = [];
  for (let i = 0; i < s.namespaces * s.podsPerNamespace; i++) {
    const ns = Math.floor(i / s.podsPerNamespace);
    const node = i % s.nodes;
    const host = 2 + perNode[node]!++;
    if (host > 254) throw new Error(`size ${s.name}: more than 253 pods on node ${node}`);
    pods.push({
      port: `ns${ns}_pod${i % s.podsPerNamespace}`,
      ns,
      node,
      mac: podMac(i + 1),
      ip: `${nodeNet(node)}.${host}`,
    });
  }
  return pods;
}

/** Namespaces with an ACL on the cluster-wide address set: one in this many. */
const CLUSTER_SET_EVERY = 100;

/** The per-namespace ACL list: default deny, allow same namespace, then allow rules on service ports. */
function namespaceAcls(s: SizeSpec, ns: number) {
  const pg = `pg_ns${ns}`;
  const acls: NonNullable<SnapshotDoc['port_groups']>[number]['acls'] = [
    {
      name: `ns${ns}-default-deny`,
      direction: 'to-lport',
      priority: 1000,
      match: `outport == @${pg} && ip4`,
      action: 'drop',
    },
    {
      name: `ns${ns}-allow-same-ns`,
      direction: 'to-lport',
      priority: 1001,
      match: `outport == @${pg} && ip4.src == $as_ns${ns}`,
      action: 'allow-related',
    },
  ];
  for (let k = 2; k < s.aclsPerNamespace; k++) {
    const other = (ns + k * 7) % s.namespaces;
    const port = SERVICE_PORTS[k % SERVICE_PORTS.length]! + Math.floor(k / SERVICE_PORTS.length) * 1000;
    let match = `outport == @${pg} && ip4.src == $as_ns${other} && tcp.dst == ${port}`;
    if (k === 2) match = `outport == @${pg} && ip4.src == $as_cluster_monitoring && tcp.dst == 9100`;
    // The cluster-wide set (every pod IP: 10k entries at size L) on a port no path uses, in every
    // CLUSTER_SET_EVERY-th namespace only: in ovn-kubernetes few policies select every namespace, and
    // ovn-trace 23.03 expands the set into each flow that names it (in all 1,000 namespaces at L it
    // grew past 16 GB while loading the SB).
    if (k === 3 && ns % CLUSTER_SET_EVERY === 0)
      match = `outport == @${pg} && ip4.src == $as_cluster_all_pods && tcp.dst == 9153`;
    acls!.push({
      name: `ns${ns}-allow-${k}`,
      direction: 'to-lport',
      priority: 1001 + (k % 5),
      match,
      action: 'allow-related',
    });
  }
  return acls;
}

function makeDoc(s: SizeSpec, pods: readonly Pod[], rand: () => number): SnapshotDoc {
  const byNode = Array.from({ length: s.nodes }, () => [] as Pod[]);
  for (const p of pods) byNode[p.node]!.push(p);
  const vips: Record<string, string> = {};
  for (let v = 0; v < s.vips; v++) {
    const ns = v % s.namespaces;
    const backends = Array.from(
      { length: s.backendsPerVip },
      (_, b) => pods[ns * s.podsPerNamespace + ((v + b) % s.podsPerNamespace)]!,
    );
    vips[`172.30.${(v >> 8) & 255}.${v & 255}:80`] = backends.map((p) => `${p.ip}:8080`).join(',');
  }
  const monitoring = pods.filter(() => rand() < 0.01).map((p) => p.ip);
  return {
    version: 1,
    description: `generated ovn-kubernetes-shaped network, size ${s.name}`,
    address_sets: [
      ...Array.from({ length: s.namespaces }, (_, ns) => ({
        name: `as_ns${ns}`,
        addresses: pods.slice(ns * s.podsPerNamespace, (ns + 1) * s.podsPerNamespace).map((p) => p.ip),
      })),
      { name: 'as_cluster_all_pods', addresses: pods.map((p) => p.ip) },
      { name: 'as_cluster_monitoring', addresses: monitoring },
    ],
    port_groups: Array.from({ length: s.namespaces }, (_, ns) => ({
      name: `pg_ns${ns}`,
      ports: pods.slice(ns * s.podsPerNamespace, (ns + 1) * s.podsPerNamespace).map((p) => p.port),
      acls: namespaceAcls(s, ns),
    })),
    load_balancers: [{ name: 'cluster-services-tcp', protocol: 'tcp', vips }],
    switches: byNode.map((nodePods, n) => ({
      name: `node${n}`,
      load_balancers: ['cluster-services-tcp'],
      ports: [
        ...nodePods.map((p) => ({
          name: p.port,
          addresses: [`${p.mac} ${p.ip}`],
          port_security: [`${p.mac} ${p.ip}`],
        })),
        {
          name: `stor-node${n}`,
          type: 'router',
          addresses: ['router'],
          options: { 'router-port': `rtos-node${n}` },
        },
      ],
    })),
    routers: [
      {
        name: 'ovn_cluster_router',
        ports: byNode.map((_, n) => ({
          name: `rtos-node${n}`,
          mac: `0a:58:0a:${hex2(128 + (n >> 8))}:${hex2(n & 255)}:01`,
          networks: [`${nodeNet(n)}.1/24`],
        })),
      },
    ],
  };
}

function makePaths(s: SizeSpec, pods: readonly Pod[], rand: () => number): GeneratedPath[] {
  const pick = (ns: number) => pods[ns * s.podsPerNamespace + Math.floor(rand() * s.podsPerNamespace)]!;
  const paths: GeneratedPath[] = [];
  for (let i = 0; i < s.paths; i++) {
    const r = i % 10;
    const ns = Math.floor(rand() * s.namespaces);
    const src = pick(ns);
    if (r < 6) {
      let dst = pick(ns);
      if (dst === src) dst = pods[ns * s.podsPerNamespace + ((pods.indexOf(src) + 1) % s.podsPerNamespace)]!;
      paths.push({
        name: `p${i}-same-ns`,
        source_port: src.port,
        destination: dst.port,
        protocol: 'tcp',
        port: 8080,
        expect: 'reachable',
        kind: 'same-namespace',
      });
    } else if (r < 9) {
      // ns + 1 is never among the allowed sources of a namespace's allow rules (they use ns + 7k).
      const other = (ns + 1) % s.namespaces;
      paths.push({
        name: `p${i}-cross-ns`,
        source_port: src.port,
        destination: pick(other).port,
        protocol: 'tcp',
        port: 22,
        expect: 'blocked',
        kind: 'cross-namespace',
      });
    } else {
      const v = ns % Math.max(1, s.vips);
      paths.push({
        name: `p${i}-vip`,
        source_port: src.port,
        destination_ip: `172.30.${(v >> 8) & 255}.${v & 255}`,
        protocol: 'tcp',
        port: 80,
        expect: 'reachable',
        kind: 'vip',
      });
    }
  }
  return paths;
}

export function generate(sizeName: string, seed = 1): Generated {
  const size = SIZES[sizeName];
  if (!size) throw new Error(`unknown size ${sizeName} (sizes: ${Object.keys(SIZES).join(', ')})`);
  const rand = prng(seed);
  const pods = makePods(size);
  const doc = makeDoc(size, pods, rand);
  const paths = makePaths(size, pods, rand);
  const acls = (doc.port_groups ?? []).reduce((n, g) => n + (g.acls?.length ?? 0), 0);
  return {
    size,
    doc,
    pods,
    paths,
    counts: {
      ports: pods.length + size.nodes,
      switches: size.nodes,
      acls,
      portGroups: doc.port_groups?.length ?? 0,
      addressSets: doc.address_sets?.length ?? 0,
      vips: size.vips,
    },
  };
}
