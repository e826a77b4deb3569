// A seeded generator of Neutron-shaped OVN networks (as the ML2/OVN driver and the Octavia OVN provider
// write them) and packets on them, for conformance against real ovn-trace and the lflow engine.
// Shape: one `neutron-<uuid>` switch per network (tenant networks with a metadata `localport`, a provider
// network with a `localnet` port), ports named by their Neutron port UUID with the driver's external_ids,
// the `neutron_pg_drop` port group with its two default drops, one `pg_<sg>` port group per security
// group with allow-related rules (remote-group rules through the port group's own `$pg_<sg>_ip4/ip6`
// address sets; some groups stateless: allow-stateless), allowed-address-pairs as extra addresses in
// port_security, ports with port security off (then in no group), a router with a distributed gateway
// port on the provider network (SNAT per subnet, floating IPs with logical_port and, when distributed,
// external_mac), Octavia load balancers whose VIP address is owned by an unbound VIP port, and (with the
// round's extras) `virtual` ports owning an allowed-address-pair VIP and the gateway port's chassis in
// an HA_Chassis_Group (neutron-virtual.ts).
// Sizes and shares are arbitrary but fixed: a seed reproduces a network and its packets.

import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import type { Rng } from '../generator.ts';
import { type NeutronIds, neutronIds, PROVIDER_CIDR, SG_PORTS } from './neutron-ids.ts';
import { addRouter, type NRouterInfo } from './neutron-router.ts';
import { addVirtualPorts, haGroupGateway, type NVirtual } from './neutron-virtual.ts';

type Doc = SnapshotDoc;
type Sw = NonNullable<Doc['switches']>[number];
type Lsp = NonNullable<Sw['ports']>[number];
type Pg = NonNullable<Doc['port_groups']>[number];
type Acl = NonNullable<Pg['acls']>[number];

/** A VM (or other Neutron port) the packets are sent from and to. */
export interface NPort {
  readonly name: string;
  /** Index of its network in NeutronNet.nets. */
  readonly net: number;
  readonly mac: string;
  readonly ip4: string;
  readonly ip6: string | null;
  /** Allowed-address-pair IPs (in port_security only). */
  readonly aap: string[];
  /** Security groups (indices into NeutronNet.sgs); empty with port security off. */
  readonly sgs: number[];
  readonly portSecurity: boolean;
  /** Neutron's admin_state_up (LSP `enabled`): a disabled port neither sends nor receives. */
  readonly enabled: boolean;
  /** 'vm', 'metadata' (localport), 'octavia-vip' (never bound, owns the VIP), 'outside' (provider net). */
  readonly role: 'vm' | 'metadata' | 'octavia-vip' | 'outside';
}

export interface NNetwork {
  readonly switchName: string;
  /** 0 for the provider (external) network, else the tenant network's number (10.N.0.0/24). */
  readonly n: number;
  readonly v6: boolean;
  readonly provider: boolean;
  /** The localnet port's name, when the network has one. */
  readonly localnet: string | null;
}

export interface NSecurityGroup {
  readonly pg: string;
  readonly stateless: boolean;
}

/** A Neutron-shaped network: the snapshot plus what the packet generator aims at. */
export interface NeutronNet {
  readonly doc: Doc;
  readonly ecmp: false;
  readonly nets: NNetwork[];
  readonly ports: NPort[];
  readonly sgs: NSecurityGroup[];
  router: NRouterInfo | null;
  /** Octavia VIPs: address, port, the backend and the floating IP of the VIP if any. */
  readonly vips: { ip: string; port: number; backend: NPort; fip: string | null }[];
  readonly ids: NeutronIds;
  /** Virtual ports (neutron-virtual.ts); none without `extras`. */
  virtuals: NVirtual[];
  /** The gateway port has an HA_Chassis_Group (else Gateway_Chassis rows). */
  haGroup: boolean;
  /** The round's second stream: virtual ports and the packets aimed at them. */
  readonly extras: Rng | null;
}

function addNetwork(rng: Rng, net: NeutronNet, n: number, provider: boolean): NNetwork {
  const netId = net.ids.uuid();
  const switchName = `neutron-${netId}`;
  const v6 = !provider && rng.chance(0.4);
  // Provider networks (flat/VLAN) have a localnet port; a Geneve "external" network has none, and then
  // floating IPs are centralized (OVN's rule since 24.03: distributed needs a localnet).
  const hasLocalnet = provider ? rng.chance(0.75) : rng.chance(0.15);
  const ports: Lsp[] = [];
  const localnet = hasLocalnet ? `provnet-${net.ids.uuid()}` : null;
  if (localnet) {
    const vlan = !provider || rng.chance(0.3);
    ports.push({
      name: localnet,
      type: 'localnet',
      addresses: ['unknown'],
      options: { network_name: provider ? 'physnet1' : 'physnet2', mcast_flood: 'false' },
      ...(vlan ? { tag: 100 + n } : {}),
      external_ids: { 'neutron:network_name': switchName },
    });
  }
  const nw: NNetwork = { switchName, n, v6, provider, localnet };
  net.nets.push(nw);
  net.doc.switches!.push({
    name: switchName,
    ports,
    external_ids: {
      'neutron:network_name': provider ? 'public' : `private-${n}`,
      'neutron:mtu': provider ? '1500' : '1442',
      'neutron:revision_number': String(rng.int(1, 9)),
    },
    other_config: { mcast_snoop: 'false', mcast_flood_unregistered: 'false', vlan_passthru: 'false' },
  });
  return nw;
}

/** The driver's external_ids on a Logical_Switch_Port. */
function lspIds(net: NeutronNet, nw: NNetwork, p: NPort, owner: string): Record<string, string> {
  const cidrs = [`${p.ip4}/24`, ...(p.ip6 ? [`${p.ip6}/64`] : [])].join(' ');
  return {
    'neutron:cidrs': cidrs,
    'neutron:device_id': net.ids.uuid(),
    'neutron:device_owner': owner,
    'neutron:network_name': nw.switchName,
    'neutron:port_name': '',
    'neutron:project_id': net.ids.project,
    'neutron:revision_number': '2',
    'neutron:security_group_ids': p.sgs.map((i) => net.sgs[i]!.pg.slice(3).replaceAll('_', '-')).join(' '),
  };
}

/** Neutron's port_security: the fixed IPs and same-MAC pairs in one entry, another MAC in its own. */
function portSecurityOf(p: NPort, otherMacAap: string | null): string[] {
  if (!p.portSecurity) return [];
  const first = [p.mac, p.ip4, ...(p.ip6 ? [p.ip6] : []), ...p.aap].join(' ');
  return otherMacAap ? [first, otherMacAap] : [first];
}

const OWNER: Record<NPort['role'], string> = {
  vm: 'compute:nova',
  metadata: 'network:distributed',
  'octavia-vip': 'ovn-lb-vip',
  outside: 'compute:nova',
};

/** One Neutron port on network `nw` with host number `host`. */
function addPort(
  rng: Rng,
  net: NeutronNet,
  nw: NNetwork,
  host: number,
  role: NPort['role'],
  opts: { portSecurity?: boolean; ip4?: string } = {},
): NPort {
  const base = nw.provider ? PROVIDER_CIDR : `10.${nw.n}.0`;
  const ip4 = opts.ip4 ?? `${base}.${host}`;
  const ip6 = nw.v6 ? `fd00:${nw.n}::${host.toString(16)}` : null;
  const portSecurity = opts.portSecurity ?? (role === 'metadata' ? false : !rng.chance(0.1));
  const aap = portSecurity && role === 'vm' && rng.chance(0.25) ? [`${base}.${200 + (host % 50)}`] : [];
  const sgs =
    portSecurity && role !== 'metadata' && net.sgs.length > 0
      ? [...new Set([rng.int(0, net.sgs.length - 1), rng.int(0, net.sgs.length - 1)])].slice(
          0,
          rng.chance(0.3) ? 2 : 1,
        )
      : [];
  const p: NPort = {
    name: net.ids.uuid(),
    net: net.nets.indexOf(nw),
    mac: net.ids.mac(),
    ip4,
    ip6,
    aap,
    sgs,
    portSecurity,
    enabled: role !== 'vm' || !rng.chance(0.06),
    role,
  };
  const otherMac =
    portSecurity && role === 'vm' && rng.chance(0.1) ? `${net.ids.mac()} ${base}.${240 + (host % 10)}` : null;
  const sw = net.doc.switches!.find((s) => s.name === nw.switchName)!;
  sw.ports!.push({
    name: p.name,
    ...(role === 'metadata' ? { type: 'localport' } : {}),
    addresses: [[p.mac, p.ip4, ...(p.ip6 ? [p.ip6] : [])].join(' ')],
    port_security: portSecurityOf(p, otherMac),
    ...(role === 'octavia-vip' ? { up: false } : { up: true }),
    enabled: p.enabled,
    options: role === 'vm' || role === 'outside' ? { 'requested-chassis': rng.pick(['hv1', 'hv2']) } : {},
    external_ids: lspIds(net, nw, p, OWNER[role]),
  });
  net.ports.push(p);
  return p;
}

/** Security groups: a port group each, with the rules Neutron writes for them. */
function addSecurityGroups(rng: Rng, net: NeutronNet): void {
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const id = net.ids.uuid();
    net.sgs.push({ pg: `pg_${id.replaceAll('-', '_')}`, stateless: rng.chance(0.2) });
  }
}

/** The default drop every port with port security is in (ACL priority 1001, below every SG rule). */
function pgDrop(members: string[]): Pg {
  const drop = (direction: Acl['direction'], field: string): Acl => ({
    direction,
    priority: 1001,
    match: `${field} == @neutron_pg_drop && ip`,
    action: 'drop',
    name: null,
  });
  return {
    name: 'neutron_pg_drop',
    ports: members,
    acls: [drop('from-lport', 'inport'), drop('to-lport', 'outport')],
    external_ids: { 'neutron:security_group_id': 'neutron_pg_drop' },
  };
}

/** One ingress rule of a security group: a protocol and port, from a CIDR or a remote group. */
function ingressRule(rng: Rng, net: NeutronNet, sg: NSecurityGroup, v: 4 | 6): string {
  const ip = `ip${v}`;
  const remote = (() => {
    const r = rng.next();
    if (r < 0.35) return `${ip}.src == $${rng.pick(net.sgs).pg}_${ip}`;
    if (r < 0.55)
      return v === 4 ? `${ip}.src == 10.${rng.int(1, 3)}.0.0/24` : `${ip}.src == fd00:${rng.int(1, 3)}::/64`;
    if (r < 0.7) return v === 4 ? `${ip}.src == ${PROVIDER_CIDR}.0/24` : `${ip}.src == ::/0`;
    return v === 4 ? `${ip}.src == 0.0.0.0/0` : '';
  })();
  const l4 = (() => {
    const r = rng.next();
    const proto = rng.pick(['tcp', 'udp'] as const);
    if (r < 0.5) return `${proto} && ${proto}.dst == ${rng.pick(SG_PORTS)}`;
    if (r < 0.65) return `tcp && tcp.dst >= ${rng.pick([20, 80])} && tcp.dst <= ${rng.pick([443, 8080])}`;
    if (r < 0.8) return v === 4 ? 'icmp4' : 'icmp6';
    return '';
  })();
  return [`outport == @${sg.pg}`, ip, remote, l4].filter(Boolean).join(' && ');
}

/** The rules of every security group: egress to anywhere, some ingress rules, Neutron's external_ids. */
function securityGroupAcls(rng: Rng, net: NeutronNet, sg: NSecurityGroup): Acl[] {
  const action = sg.stateless ? 'allow-stateless' : 'allow-related';
  const rule = (direction: Acl['direction'], match: string): Acl => ({
    direction,
    priority: 1002,
    match,
    action,
    name: null,
    external_ids: { 'neutron:security_group_rule_id': net.ids.uuid() },
  });
  const acls: Acl[] = [];
  // Neutron's default egress rules (a tenant may delete them).
  if (rng.chance(0.85)) acls.push(rule('from-lport', `inport == @${sg.pg} && ip4`));
  if (rng.chance(0.6)) acls.push(rule('from-lport', `inport == @${sg.pg} && ip6`));
  else if (rng.chance(0.3))
    acls.push(rule('from-lport', `inport == @${sg.pg} && ip4 && ip4.dst == 10.0.0.0/8 && tcp`));
  for (let i = rng.int(0, 4); i > 0; i--)
    acls.push(rule('to-lport', ingressRule(rng, net, sg, rng.chance(0.8) ? 4 : 6)));
  // The DHCP rule the driver adds for every group: harmless for the packets here, but it is real.
  acls.push(
    rule(
      'from-lport',
      `inport == @${sg.pg} && ip4 && ip4.dst == {255.255.255.255, 10.0.0.0/8} && udp && udp.src == 68 && udp.dst == 67`,
    ),
  );
  return acls;
}

function finishGroups(rng: Rng, net: NeutronNet): void {
  const secured = net.ports.filter((p) => p.portSecurity);
  net.doc.port_groups = [
    pgDrop(secured.map((p) => p.name)),
    ...net.sgs.map((sg, i) => ({
      name: sg.pg,
      ports: secured.filter((p) => p.sgs.includes(i)).map((p) => p.name),
      acls: securityGroupAcls(rng, net, sg),
      external_ids: { 'neutron:security_group_id': sg.pg.slice(3).replaceAll('_', '-') },
    })),
  ];
}

/** One Neutron deployment: a provider network, 1..3 tenant networks, their ports, groups and a router. */
export function genNeutronNetwork(rng: Rng, opts: { extras?: Rng } = {}): NeutronNet {
  const net: NeutronNet = {
    doc: { nb_global: { options: {} }, switches: [], port_groups: [], address_sets: [], load_balancers: [] },
    ecmp: false,
    nets: [],
    ports: [],
    sgs: [],
    router: null,
    vips: [],
    ids: neutronIds(rng),
    virtuals: [],
    haGroup: false,
    extras: opts.extras ?? null,
  };
  addSecurityGroups(rng, net);
  const provider = addNetwork(rng, net, 0, true);
  // A host on the provider network beside the gateway (the upstream router is a plain port with the
  // gateway address, so the router can resolve its next hop), and sometimes another VM there.
  addPort(rng, net, provider, 1, 'outside', { portSecurity: false });
  if (rng.chance(0.4)) addPort(rng, net, provider, 50, 'vm');
  const tenants = rng.int(1, 3);
  for (let n = 1; n <= tenants; n++) {
    const nw = addNetwork(rng, net, n, false);
    addPort(rng, net, nw, 2, 'metadata');
    for (let h = 1, k = rng.int(1, 3); h <= k; h++) addPort(rng, net, nw, 10 + h, 'vm');
  }
  if (rng.chance(0.9)) net.router = addRouter(rng, net, { addPort });
  finishGroups(rng, net);
  if (net.extras) {
    net.virtuals = addVirtualPorts(net.extras, net);
    net.haGroup = haGroupGateway(net.extras, net);
  }
  return net;
}

export type AddPort = typeof addPort;
