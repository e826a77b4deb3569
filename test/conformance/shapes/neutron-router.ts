// The Neutron router of a generated network (see neutron.ts): `neutron-<uuid>` with one `lrp-<port uuid>`
// per attached tenant subnet and a distributed gateway port on the provider network (gateway_chassis,
// its switch port with nat-addresses=router), the default route to the provider's gateway, SNAT per
// subnet, floating IPs (logical_port always; external_mac only when distributed, as the driver does
// with enable_distributed_floating_ip) and Octavia load balancers (OVN provider: VIP owned by an unbound
// VIP port, on the router and every switch it is attached to, sometimes with a floating IP of its own).

import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import type { Rng } from '../generator.ts';
import type { AddPort, NeutronNet, NNetwork, NPort } from './neutron.ts';
import { PROVIDER_CIDR } from './neutron-ids.ts';

type Router = NonNullable<SnapshotDoc['routers']>[number];
type Nat = NonNullable<Router['nat']>[number];

export interface NFip {
  readonly ip: string;
  readonly port: NPort;
  /** external_mac set: answered and NATed on the VM's chassis (only really so with a localnet). */
  readonly mac: string | null;
}

export interface NRouterInfo {
  readonly name: string;
  readonly gwIp: string;
  /** Tenant network numbers attached to the router. */
  readonly attached: number[];
  readonly snat: boolean;
  readonly fips: NFip[];
}

/** A router interface on network `nw`: the LRP and the switch's `router` port that peers with it. */
function attach(net: NeutronNet, router: Router, nw: NNetwork, networks: string[], gw: boolean): string {
  const id = net.ids.uuid();
  const lrp = `lrp-${id}`;
  const mac = net.ids.mac();
  router.ports!.push({
    name: lrp,
    mac,
    networks,
    ...(gw ? { gateway_chassis: ['hv1', 'hv2'] } : {}),
    external_ids: {
      'neutron:network_name': nw.switchName,
      'neutron:router_name': router.name.slice('neutron-'.length),
      'neutron:revision_number': '3',
      ...(gw ? { 'neutron:is_ext_gw': 'True' } : {}),
    },
  });
  const sw = net.doc.switches!.find((s) => s.name === nw.switchName)!;
  sw.ports!.push({
    name: id,
    type: 'router',
    addresses: ['router'],
    options: { 'router-port': lrp, ...(gw ? { 'nat-addresses': 'router' } : {}) },
    external_ids: {
      'neutron:device_owner': gw ? 'network:router_gateway' : 'network:router_interface',
      'neutron:network_name': nw.switchName,
      'neutron:project_id': net.ids.project,
    },
  });
  return lrp;
}

function addFips(rng: Rng, net: NeutronNet, router: Router, attached: number[]): NFip[] {
  const vms = net.ports.filter((p) => p.role === 'vm' && attached.includes(net.nets[p.net]!.n));
  const fips: NFip[] = [];
  for (const [i, p] of rng.subset(vms, 0.5).slice(0, 3).entries()) {
    const ip = `${PROVIDER_CIDR}.${100 + i}`;
    const mac = rng.chance(0.5) ? net.ids.mac() : null;
    const fipId = net.ids.uuid();
    router.nat!.push({
      type: 'dnat_and_snat',
      external_ip: ip,
      logical_ip: p.ip4,
      logical_port: p.name,
      ...(mac ? { external_mac: mac } : {}),
      external_ids: {
        'neutron:fip_id': fipId,
        'neutron:fip_port_id': p.name,
        'neutron:revision_number': '1',
        'neutron:router_name': router.name,
        ...(mac ? { 'neutron:fip_external_mac': mac } : {}),
      },
    });
    fips.push({ ip, port: p, mac });
  }
  return fips;
}

/** An Octavia load balancer (OVN provider) with its VIP port on one attached tenant network. */
function addOctavia(rng: Rng, net: NeutronNet, router: Router, attached: number[], addPort: AddPort): void {
  const n = rng.pick(attached);
  const vipNet = net.nets.find((nw) => nw.n === n)!;
  const vipPort = addPort(rng, net, vipNet, 100, 'octavia-vip');
  const members = net.ports.filter((p) => p.role === 'vm' && attached.includes(net.nets[p.net]!.n));
  if (members.length === 0) return;
  // One member per listener: OVN's choice among several is a hash ovn-trace cannot be asked to repeat.
  const backend = rng.pick(members);
  const port = rng.pick([80, 443]);
  const lbId = net.ids.uuid();
  const vips: Record<string, string> = {
    [`${vipPort.ip4}:${port}`]: `${backend.ip4}:${rng.pick([80, 8080])}`,
  };
  let fip: string | null = null;
  if (rng.chance(0.4)) {
    fip = `${PROVIDER_CIDR}.150`;
    vips[`${fip}:${port}`] = vips[`${vipPort.ip4}:${port}`]!;
    router.nat!.push({
      type: 'dnat_and_snat',
      external_ip: fip,
      logical_ip: vipPort.ip4,
      logical_port: vipPort.name,
      external_ids: { 'neutron:fip_id': net.ids.uuid(), 'neutron:router_name': router.name },
    });
  }
  const switches = net.nets.filter((nw) => attached.includes(nw.n)).map((nw) => nw.switchName);
  net.doc.load_balancers!.push({
    name: lbId,
    protocol: 'tcp',
    vips,
    external_ids: {
      enabled: 'True',
      lr_ref: router.name,
      ls_refs: JSON.stringify(Object.fromEntries(switches.map((s) => [s, 1]))),
      'neutron:vip': vipPort.ip4,
      'neutron:vip_port_id': vipPort.name,
      ...(fip ? { 'neutron:vip_fip': fip } : {}),
    },
  });
  router.load_balancers = [...(router.load_balancers ?? []), lbId];
  for (const s of net.doc.switches!)
    if (switches.includes(s.name)) s.load_balancers = [...(s.load_balancers ?? []), lbId];
  net.vips.push({ ip: vipPort.ip4, port, backend, fip });
}

export function addRouter(rng: Rng, net: NeutronNet, deps: { addPort: AddPort }): NRouterInfo {
  const id = net.ids.uuid();
  const router: Router = {
    name: `neutron-${id}`,
    ports: [],
    static_routes: [],
    nat: [],
    ...(rng.chance(0.5)
      ? { options: { always_learn_from_arp_request: 'false', dynamic_neigh_routers: 'true' } }
      : {}),
    external_ids: { 'neutron:router_name': `router-${id.slice(0, 4)}`, 'neutron:revision_number': '4' },
  };
  const provider = net.nets.find((nw) => nw.provider)!;
  const gwIp = `${PROVIDER_CIDR}.${rng.int(10, 30)}`;
  attach(net, router, provider, [`${gwIp}/24`], true);
  router.static_routes!.push({
    ip_prefix: '0.0.0.0/0',
    nexthop: `${PROVIDER_CIDR}.1`,
    external_ids: { 'neutron:is_ext_gw': 'true', 'neutron:subnet_id': net.ids.uuid() },
  });
  const tenants = net.nets.filter((nw) => !nw.provider);
  const attached = tenants.filter((_, i) => i === 0 || rng.chance(0.8)).map((nw) => nw.n);
  for (const nw of tenants.filter((t) => attached.includes(t.n))) {
    const networks = [`10.${nw.n}.0.1/24`, ...(nw.v6 ? [`fd00:${nw.n}::1/64`] : [])];
    attach(net, router, nw, networks, false);
  }
  const snat = rng.chance(0.8);
  if (snat)
    for (const n of attached)
      router.nat!.push({
        type: 'snat',
        external_ip: gwIp,
        logical_ip: `10.${n}.0.0/24`,
        external_ids: { 'neutron:router_name': router.name },
      } satisfies Nat);
  const fips = addFips(rng, net, router, attached);
  if (rng.chance(0.4)) addOctavia(rng, net, router, attached, deps.addPort);
  net.doc.routers = [router];
  return { name: router.name, gwIp, attached, snat, fips };
}
