// Dual-stack for the ovn-kubernetes shape (ovnk.ts), as ovn-kubernetes writes an IPv4+IPv6 cluster: every
// pod, management port and router port gets its IPv6 twin (cluster fd00:10:244::/48, a /64 per node,
// join fd98::/64, node network fc00:f853:ccd:e793::/64 as kind uses), the routes, the GR's SNAT and
// the cluster router's 102 / 1004 policies are doubled for IPv6, each Service LB carries the IPv6
// ClusterIP (and NodePort on the node's IPv6) beside the IPv4 one, and each ACL that names a pod IPv4
// address or an IPv4 address set names the IPv6 twin too (`(ip4.src == {$a} || ip6.src == {$b})`).
// EgressIP and EgressFirewall stay IPv4 only (as configured on most clusters). Packets: a share of the
// drawn requests is turned into its IPv6 twin (toV6 below).

import type { TraceRequest } from '../../../src/engine/types.ts';
import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import type { Rng } from '../generator.ts';
import { k8sHash } from './ovnk-names.ts';

type Doc = SnapshotDoc;

export const CLUSTER_CIDR6 = 'fd00:10:244::/48';
export const NODE_NET6 = 'fc00:f853:ccd:e793::';
export const EXTERNAL_HOST6 = `${NODE_NET6}64`;
const JOIN6 = 'fd98::';

/** The IPv6 twin of a cluster (10.244.x.y) address: fd00:10:244:x::y (y in hex). */
export function podIp6(ip4: string): string {
  const [, , x, y] = ip4.split('.').map(Number);
  return `fd00:10:244:${x}::${y!.toString(16)}`;
}
export const nodeIp6 = (n: number) => `${NODE_NET6}${(n + 1).toString(16)}`;
const joinIp6 = (n: number) => `${JOIN6}${(n + 1).toString(16)}`;
export const serviceIp6 = (ip4: string) => `fd00:10:96::${Number(ip4.split('.')[3]).toString(16)}`;

/** The IPv6 twin of an IPv4 endpoint "a.b.c.d:port" (cluster, service or node address). */
function endpoint6(ep: string, nodes: number): string {
  if (ep === '') return '';
  const [ip, port] = ep.split(':');
  return `[${twin(ip!, nodes)}]:${port}`;
}

function twin(ip4: string, nodes: number): string {
  if (ip4.startsWith('10.244.')) return podIp6(ip4);
  if (ip4.startsWith('10.96.')) return serviceIp6(ip4);
  for (let n = 1; n <= nodes; n++) if (ip4 === `172.18.0.${n + 1}`) return nodeIp6(n);
  throw new Error(`ovnk-ipv6: no twin for ${ip4}`);
}

function ports(doc: Doc, nodes: number): void {
  for (const sw of doc.switches ?? []) {
    for (const p of sw.ports ?? []) {
      const ip = /^(\S+) (10\.244\.\d+\.\d+)$/.exec(p.addresses?.[0] ?? '');
      if (!ip) continue;
      p.addresses = [`${ip[1]} ${ip[2]} ${podIp6(ip[2]!)}`];
      if (p.port_security?.length) p.port_security = [`${ip[1]} ${ip[2]} ${podIp6(ip[2]!)}`];
    }
  }
  for (const r of doc.routers ?? []) {
    for (const p of r.ports ?? []) {
      const [net] = p.networks;
      const m = /^(\d+\.\d+\.\d+\.\d+)\/\d+$/.exec(net!)!;
      if (m[1]!.startsWith('10.244.')) p.networks = [net!, `${podIp6(m[1]!)}/64`];
      else if (m[1]!.startsWith('100.64.0.'))
        p.networks = [net!, `${JOIN6}${Number(m[1]!.split('.')[3]).toString(16)}/64`];
      else p.networks = [net!, `${twin(m[1]!, nodes)}/64`];
    }
  }
}

function routing(doc: Doc, nodes: number): void {
  const cr = doc.routers!.find((r) => r.name === 'ovn_cluster_router')!;
  for (let n = 1; n <= nodes; n++) {
    cr.static_routes!.push({ ip_prefix: `fd00:10:244:${n}::/64`, nexthop: joinIp6(n), policy: 'src-ip' });
    const reroute = cr.policies!.find((p) => p.priority === 1004 && p.match.includes(`"rtos-worker${n}"`))!;
    cr.policies!.push({
      ...reroute,
      match: `inport == "rtos-worker${n}" && ip6.dst == ${nodeIp6(n)} /* worker${n} */`,
      nexthops: [podIp6(`10.244.${n}.2`)],
    });
    const gr = doc.routers!.find((r) => r.name === `GR_worker${n}`)!;
    gr.static_routes!.push(
      { ip_prefix: CLUSTER_CIDR6, nexthop: `${JOIN6}1` },
      { ip_prefix: '::/0', nexthop: `${NODE_NET6}1`, output_port: `rtoe-GR_worker${n}` },
    );
    gr.nat!.push({ ...gr.nat![0]!, external_ip: nodeIp6(n), logical_ip: CLUSTER_CIDR6 });
    gr.external_ids = { ...gr.external_ids, physical_ips: `172.18.0.${n + 1},${nodeIp6(n)}` };
  }
  cr.policies!.push(
    { priority: 102, match: `ip6.src == ${CLUSTER_CIDR6} && ip6.dst == ${CLUSTER_CIDR6}`, action: 'allow' },
    { priority: 102, match: `ip6.src == ${CLUSTER_CIDR6} && ip6.dst == ${JOIN6}/64`, action: 'allow' },
  );
}

/** ACLs naming IPv4 pod addresses or sets of them also name their IPv6 twins. */
function acls(doc: Doc): void {
  const twins = new Map<string, string>();
  for (const s of [...(doc.address_sets ?? [])]) {
    const addrs = s.addresses ?? [];
    if (addrs.length === 0 || !addrs.every((a) => a.startsWith('10.244.'))) continue;
    const name = k8sHash(`${s.name}:v6`);
    twins.set(s.name, name);
    doc.address_sets!.push({
      name,
      addresses: addrs.map(podIp6),
      external_ids: { ...s.external_ids, 'k8s.ovn.org/ip-family': 'v6' },
    });
  }
  const rewrite = (match: string) =>
    match.replace(
      /ip4\.(src|dst) ?== ?(\{\$(\w+)\}|\$(\w+)|(10\.244\.\d+\.\d+))/g,
      (all, dir: string, _v, braced?: string, bare?: string, ip?: string) => {
        if (ip) return `(${all} || ip6.${dir} == ${podIp6(ip)})`;
        const t = twins.get((braced ?? bare)!);
        return t ? `(${all} || ip6.${dir} == ${braced ? `{$${t}}` : `$${t}`})` : all;
      },
    );
  const all = [
    ...(doc.switches ?? []).flatMap((s) => s.acls ?? []),
    ...(doc.port_groups ?? []).flatMap((g) => g.acls ?? []),
  ];
  for (const a of all)
    if (a.external_ids?.['k8s.ovn.org/owner-type'] !== 'EgressFirewall') a.match = rewrite(a.match);
}

function loadBalancers(doc: Doc, nodes: number): void {
  for (const lb of doc.load_balancers ?? []) {
    const vips = { ...lb.vips };
    for (const [vip, backends] of Object.entries(lb.vips ?? {})) {
      vips[endpoint6(vip, nodes)] = backends
        .split(',')
        .filter((b) => b !== '')
        .map((b) => endpoint6(b, nodes))
        .join(',');
    }
    lb.vips = vips;
  }
}

/** Makes an ovnk document dual-stack (in place). */
export function addIpv6(doc: Doc, nodes: number): void {
  ports(doc, nodes);
  routing(doc, nodes);
  acls(doc);
  loadBalancers(doc, nodes);
}

const OUTSIDE6: Record<string, string> = {
  '8.8.8.8': '2001:4860:4860::8888',
  '172.18.0.1': `${NODE_NET6}1`,
  '192.0.2.10': '2001:db8::10',
};

/** Sometimes turns a drawn IPv4 request into its IPv6 twin (same ports, same kind of destination). */
export function toV6(extras: Rng, req: TraceRequest, nodes: number): boolean {
  if (!extras.chance(0.35) || !req.destination_ip) return false;
  const dst = req.destination_ip;
  const six = OUTSIDE6[dst] ?? twin(dst, nodes);
  req.destination_ip = six;
  if (req.source_ip) req.source_ip = EXTERNAL_HOST6;
  return true;
}
