// Packets on a Neutron-shaped network (neutron.ts) and the classes a case belongs to. The packets are
// the ones an OpenStack operator asks about: VM to VM on one network and across the router, a VM to a
// floating IP, the outside (a host on the provider network, or the localnet port itself) to a floating
// IP or the router's gateway address, a VM to the outside through SNAT, a VM to an Octavia VIP (and the
// outside to the VIP's floating IP), a VM to its metadata port, and spoofed sources (an allowed address
// pair's IP is allowed by port security, another address is not). Destination ports come from the ports
// the security groups open, so that the groups both allow and deny. With the round's extras, a share of
// the packets aims at a virtual port's VIP instead (neutron-virtual.ts).

import type { TraceRequest } from '../../../src/engine/types.ts';
import type { Rng } from '../generator.ts';
import type { NeutronNet, NPort } from './neutron.ts';
import { PROVIDER_CIDR, SG_PORTS } from './neutron-ids.ts';
import { aimAtVirtual } from './neutron-virtual.ts';

type Kind =
  | 'same-net'
  | 'routed'
  | 'to-fip'
  | 'outside-to-fip'
  | 'outside-to-gw'
  | 'outside-to-private'
  | 'snat'
  | 'octavia'
  | 'octavia-fip'
  | 'metadata';

const KINDS: readonly [Kind, number][] = [
  ['same-net', 3],
  ['routed', 3],
  ['to-fip', 2],
  ['outside-to-fip', 3],
  ['outside-to-gw', 1],
  ['outside-to-private', 1],
  ['snat', 2],
  ['octavia', 2],
  ['octavia-fip', 1],
  ['metadata', 1],
];

function pickKind(rng: Rng): Kind {
  const total = KINDS.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [k, w] of KINDS) if ((r -= w) < 0) return k;
  return 'same-net';
}

const vms = (net: NeutronNet) => net.ports.filter((p) => p.role === 'vm' && !net.nets[p.net]!.provider);
const outsiders = (net: NeutronNet) => net.ports.filter((p) => net.nets[p.net]!.provider);

function l4(rng: Rng, req: TraceRequest): void {
  req.protocol = rng.pick(['tcp', 'tcp', 'udp', 'icmp'] as const);
  if (req.protocol === 'icmp') return;
  req.destination_port_num = rng.chance(0.9) ? rng.pick(SG_PORTS) : 3306;
  req.source_port_num = rng.int(1024, 65535);
}

/** A request from `src` to `ip`, or null when the network has nothing of that kind. */
function aim(rng: Rng, net: NeutronNet, kind: Kind): { src: NPort; ip: string; mac?: string } | null {
  const vm = vms(net);
  const r = net.router;
  const outside = outsiders(net);
  // Sources for packets that need the router: VMs on networks attached to it (others cannot even
  // name a next hop; a packet to an unattached network's VM still comes up as a destination).
  const inside = r ? vm.filter((p) => r.attached.includes(net.nets[p.net]!.n)) : [];
  switch (kind) {
    case 'same-net': {
      const src = rng.pick(vm);
      const peers = net.ports.filter((p) => p.net === src.net && p !== src && p.role !== 'metadata');
      if (peers.length === 0) return null;
      const dst = rng.pick(peers);
      const v6 = src.ip6 && dst.ip6 && rng.chance(0.3);
      return { src, ip: v6 ? dst.ip6! : dst.ip4 };
    }
    case 'routed': {
      if (inside.length === 0) return null;
      const src = rng.pick(inside);
      const others = vm.filter((p) => p.net !== src.net);
      if (others.length === 0) return null;
      const dst = rng.pick(others);
      return { src, ip: src.ip6 && dst.ip6 && rng.chance(0.3) ? dst.ip6 : dst.ip4 };
    }
    case 'to-fip':
      return r && r.fips.length > 0 ? { src: rng.pick(inside), ip: rng.pick(r.fips).ip } : null;
    case 'outside-to-fip': {
      if (!r || r.fips.length === 0) return null;
      const fip = rng.pick(r.fips);
      return { src: rng.pick(outside), ip: fip.ip, ...(fip.mac && rng.chance(0.5) ? { mac: fip.mac } : {}) };
    }
    case 'outside-to-gw':
      return r ? { src: rng.pick(outside), ip: r.gwIp } : null;
    case 'outside-to-private':
      return r ? { src: rng.pick(outside), ip: rng.pick(vm).ip4 } : null;
    case 'snat':
      return r
        ? { src: rng.pick(inside), ip: rng.pick(['8.8.8.8', `${PROVIDER_CIDR}.1`, `${PROVIDER_CIDR}.50`]) }
        : null;
    case 'octavia':
    case 'octavia-fip': {
      const v = net.vips.length > 0 ? rng.pick(net.vips) : null;
      if (!v || (kind === 'octavia-fip' && !v.fip)) return null;
      return kind === 'octavia'
        ? { src: rng.pick(inside), ip: v.ip }
        : { src: rng.pick(outside), ip: v.fip! };
    }
    case 'metadata': {
      const src = rng.pick(vm);
      const md = net.ports.find((p) => p.net === src.net && p.role === 'metadata');
      return md ? { src, ip: md.ip4 } : null;
    }
  }
}

/** Sometimes sends from the localnet port instead of a host (the outside as OVN sees it). */
function fromLocalnet(rng: Rng, net: NeutronNet, req: TraceRequest, src: NPort): void {
  const ln = net.nets[src.net]!.localnet;
  if (!ln || !rng.chance(0.3)) return;
  req.source_port = ln;
  req.source_mac = 'fa:16:3e:ff:ff:01';
  req.source_ip = `${PROVIDER_CIDR}.77`;
}

/** Spoofing: the source claims an allowed-address-pair IP, another IP, or another MAC. */
function spoof(rng: Rng, req: TraceRequest, src: NPort): void {
  if (req.destination_ip?.includes(':')) return;
  if (src.aap.length > 0 && rng.chance(0.4)) req.source_ip = src.aap[0]!;
  else if (rng.chance(0.08)) req.source_ip = src.ip4.replace(/\.\d+$/, '.99');
  if (rng.chance(0.05)) req.source_mac = 'fa:16:3e:ee:ee:ee';
}

export function genNeutronRequests(net: NeutronNet, rng: Rng, count: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const kind = pickKind(rng);
    const a = aim(rng, net, kind);
    if (!a) continue;
    const req: TraceRequest = { source_port: a.src.name, destination_ip: a.ip };
    l4(rng, req);
    if (kind === 'octavia' || kind === 'octavia-fip') {
      const v = net.vips.find((x) => x.ip === a.ip || x.fip === a.ip)!;
      req.protocol = 'tcp';
      req.destination_port_num = rng.chance(0.8) ? v.port : 22;
      req.source_port_num = rng.int(1024, 65535);
    }
    if (a.mac) req.destination_mac = a.mac;
    if (kind.startsWith('outside')) fromLocalnet(rng, net, req, a.src);
    else spoof(rng, req, a.src);
    if (net.extras) aimAtVirtual(net.extras, net, req);
    out.push(req);
  }
  return out;
}

/** The classes of a case: what the packet aims at and the Neutron features on its way. */
export function neutronCaseTags(net: NeutronNet, req: TraceRequest): string[] {
  const tags = new Set<string>();
  const src = net.ports.find((p) => p.name === req.source_port);
  const srcNet = src ? net.nets[src.net]! : net.nets.find((n) => n.localnet === req.source_port);
  const dst = net.ports.find((p) => p.ip4 === req.destination_ip || p.ip6 === req.destination_ip);
  const fip = net.router?.fips.find((f) => f.ip === req.destination_ip);
  const vip = net.vips.find((v) => v.ip === req.destination_ip || v.fip === req.destination_ip);
  if (srcNet?.provider) tags.add('from-outside');
  if (req.source_port === srcNet?.localnet) tags.add('from-localnet');
  if (fip) {
    const localnet = net.nets.find((n) => n.provider)!.localnet !== null;
    tags.add(fip.mac ? (localnet ? 'fip-distributed' : 'fip-dvr-no-localnet') : 'fip-centralized');
  }
  if (vip) tags.add(vip.fip === req.destination_ip ? 'octavia-fip' : 'octavia');
  const virt = net.virtuals.find((v) => v.ip === req.destination_ip);
  if (virt) tags.add(src && src.net !== virt.net ? 'virtual-routed' : 'virtual');
  if (dst?.role === 'metadata') tags.add('metadata');
  if (dst && src && dst.net !== src.net && !tags.has('from-outside')) tags.add('routed');
  if (!dst && !fip && !vip && !virt && src && !srcNet?.provider) tags.add('snat');
  if (req.destination_ip?.includes(':')) tags.add('v6');
  const viaGateway = fip || tags.has('snat') || (srcNet?.provider && req.destination_ip === net.router?.gwIp);
  if (net.haGroup && viaGateway) tags.add('ha-chassis-group');
  if (src && req.source_ip && src.aap.includes(req.source_ip)) tags.add('aap');
  else if (req.source_ip && src) tags.add('spoofed');
  const touched = [src, dst].filter((p): p is NPort => p !== undefined);
  if (touched.some((p) => !p.portSecurity && p.role === 'vm')) tags.add('no-port-security');
  if (touched.some((p) => !p.enabled)) tags.add('admin-down');
  if (touched.some((p) => p.sgs.some((i) => net.sgs[i]!.stateless))) tags.add('stateless');
  return tags.size > 0 ? [...tags].sort() : ['base'];
}
