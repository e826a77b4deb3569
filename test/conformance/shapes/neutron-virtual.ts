// Virtual ports and HA chassis groups in the Neutron shape, as ML2/OVN writes them. HA: since 2024.1 the
// driver schedules a router's gateway port with an HA_Chassis_Group (one HA_Chassis per gateway chassis,
// priorities from 32767 down) instead of Gateway_Chassis rows; either way ovn-northd makes a `cr-` port
// and gates the gateway's flows with is_chassis_resident(), which ovn-trace takes as true.
// Virtual ports: a Neutron port whose fixed IP is an
// allowed-address-pair IP of other ports (a keepalived VIP) becomes LSP type `virtual` with
// `options:virtual-ip` and `options:virtual-parents` (the ports that may claim it). Until a parent
// sends an ARP for the VIP, ovn-controller leaves the port unbound, and so does every test bed here (no
// ovn-controller): ovn-northd then gives it no MAC lookup on its switch and no ARP resolution on the
// router, so packets to the VIP are not delivered to it. Drawn from the round's second Rng (`extras`)
// so a seed's network and packets otherwise stay what they were.

import type { TraceRequest } from '../../../src/engine/types.ts';
import type { Rng } from '../generator.ts';
import type { NeutronNet, NPort } from './neutron.ts';

export interface NVirtual {
  readonly name: string;
  readonly net: number;
  readonly ip: string;
  readonly mac: string;
  readonly parents: string[];
}

/** Adds a virtual port on each tenant network whose VMs share an allowed-address-pair VIP (sometimes). */
export function addVirtualPorts(extras: Rng, net: NeutronNet): NVirtual[] {
  const out: NVirtual[] = [];
  net.nets.forEach((nw, i) => {
    if (nw.provider) return;
    const withAap = net.ports.filter((p) => p.net === i && p.role === 'vm' && p.aap.length > 0);
    if (withAap.length === 0 || !extras.chance(0.7)) return;
    const ip = withAap[0]!.aap[0]!;
    const parents = withAap.filter((p) => p.aap.includes(ip)).map((p) => p.name);
    const name = `${extras.int(0x10000000, 0x7fffffff).toString(16)}-0000-4000-a000-00000000000${i}`;
    const mac = `fa:16:3e:ee:00:${(i + 1).toString(16).padStart(2, '0')}`;
    const sw = net.doc.switches!.find((s) => s.name === nw.switchName)!;
    sw.ports!.push({
      name,
      type: 'virtual',
      addresses: [`${mac} ${ip}`],
      port_security: [`${mac} ${ip}`],
      up: false,
      options: { 'virtual-ip': ip, 'virtual-parents': parents.join(',') },
      external_ids: {
        'neutron:cidrs': `${ip}/24`,
        'neutron:device_owner': '',
        'neutron:network_name': nw.switchName,
        'neutron:project_id': net.ids.project,
      },
    });
    out.push({ name, net: i, ip, mac, parents });
  });
  return out;
}

/** Moves the gateway port's chassis into an HA_Chassis_Group of 1..3 chassis (sometimes). */
export function haGroupGateway(extras: Rng, net: NeutronNet): boolean {
  const router = net.doc.routers?.[0];
  const gw = router?.ports?.find((p) => p.gateway_chassis?.length);
  if (!router || !gw || !extras.chance(0.5)) return false;
  const count = extras.int(1, 3);
  delete gw.gateway_chassis;
  gw.ha_chassis_group = {
    name: router.name,
    ha_chassis: Array.from({ length: count }, (_, i) => ({
      chassis_name: `hv${i + 1}`,
      priority: 32767 - i,
    })),
  };
  return true;
}

/**
 * Sometimes turns a drawn request into one at a virtual port's VIP: from a VM of its network (same
 * switch) or from a VM on another network attached to the router; the rest of the request stays.
 */
export function aimAtVirtual(extras: Rng, net: NeutronNet, req: TraceRequest): void {
  if (net.virtuals.length === 0 || !extras.chance(0.15)) return;
  const v = extras.pick(net.virtuals);
  const vms = net.ports.filter((p: NPort) => p.role === 'vm' && !net.nets[p.net]!.provider && p.enabled);
  const attached = net.router?.attached ?? [];
  const routed = vms.filter(
    (p) => p.net !== v.net && attached.includes(net.nets[p.net]!.n) && attached.includes(net.nets[v.net]!.n),
  );
  const same = vms.filter((p) => p.net === v.net && !v.parents.includes(p.name));
  const pool = extras.chance(0.5) && routed.length > 0 ? routed : same.length > 0 ? same : routed;
  if (pool.length === 0) return;
  const src = extras.pick(pool);
  req.source_port = src.name;
  req.destination_ip = v.ip;
  delete req.source_ip;
  delete req.source_mac;
  delete req.destination_mac;
}
