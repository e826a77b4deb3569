// The fixed scenario suite any trace engine can run: a network (the demo network or a snapshot
// document), a request, and the verdict OVN gives (checked against real ovn-trace in
// test/engine/scenarios.test.ts). Covers the seed's examples, routed paths, NAT, LB, spoofing and
// default drop. `outputs` lists the ports the packet is delivered to; for a multi-backend VIP OVN picks
// one backend, so `anyOf` lists the acceptable ones.

import type { HopType, TraceRequest } from '../../src/engine/types.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';

export interface Scenario {
  readonly name: string;
  /** 'demo' = config/demo-network.yaml. */
  readonly network: 'demo' | SnapshotDoc;
  readonly request: TraceRequest;
  readonly expect: {
    readonly reaches: boolean;
    /** Exact delivered ports (sorted), when the engine delivers deterministically. */
    readonly outputs?: readonly string[];
    /** For a VIP: OVN delivers to one of these. */
    readonly anyOf?: readonly string[];
    /** Type of the hop where the packet is dropped. */
    readonly dropType?: HopType;
    /** Name of the ACL that drops it. */
    readonly dropAcl?: string;
  };
}

const twoPorts = (
  extra: Partial<SnapshotDoc> = {},
  acls: NonNullable<NonNullable<SnapshotDoc['switches']>[number]['acls']> = [],
): SnapshotDoc => ({
  ...extra,
  switches: [
    {
      name: 'ls',
      acls,
      ports: [
        { name: 'a', addresses: ['0a:00:00:00:00:01 10.10.0.1 fd10::1'] },
        { name: 'b', addresses: ['0a:00:00:00:00:02 10.10.0.2 fd10::2'] },
      ],
    },
  ],
});

/** A gateway router (options:chassis) with DNAT for an inside host, reached from an outside switch. */
const natNet: SnapshotDoc = {
  switches: [
    {
      name: 'inside',
      ports: [
        { name: 'in1', addresses: ['0a:00:00:00:01:01 192.168.1.10'] },
        { name: 'inside-gw', type: 'router', addresses: ['router'], options: { 'router-port': 'gw-inside' } },
      ],
    },
    {
      name: 'outside',
      ports: [
        { name: 'client', addresses: ['0a:00:00:00:02:01 203.0.113.5'] },
        {
          name: 'outside-gw',
          type: 'router',
          addresses: ['router'],
          options: { 'router-port': 'gw-outside' },
        },
      ],
    },
  ],
  routers: [
    {
      name: 'gw',
      options: { chassis: 'hv1' },
      ports: [
        { name: 'gw-inside', mac: '0a:00:00:00:ff:01', networks: ['192.168.1.1/24'] },
        { name: 'gw-outside', mac: '0a:00:00:00:ff:02', networks: ['203.0.113.1/24'] },
      ],
      nat: [
        { type: 'dnat', external_ip: '203.0.113.100', logical_ip: '192.168.1.10' },
        { type: 'snat', external_ip: '203.0.113.101', logical_ip: '192.168.1.0/24' },
      ],
      policies: [{ priority: 100, match: 'ip4.src == 192.168.1.10 && udp.dst == 53', action: 'drop' }],
    },
  ],
};

/** A switch's router-type port peered with router port `lrp`. */
export const routerPort = (name: string, lrp: string) => ({
  name,
  type: 'router' as const,
  addresses: ['router'],
  options: { 'router-port': lrp },
});

/**
 * OpenStack style: a distributed router whose public port is a distributed gateway port
 * (gateway_chassis), a distributed floating IP for vm1 (dnat_and_snat with logical_port and
 * external_mac) and SNAT of the private subnet to the router's public address. The public switch only
 * lets NATed sources out to the client, so delivery there proves the SNAT.
 */
const dgpNet: SnapshotDoc = {
  switches: [
    {
      name: 'public',
      ports: [
        { name: 'extc', addresses: ['0a:00:00:00:04:32 172.24.4.50'] },
        routerPort('public-lr', 'lr-public'),
      ],
      acls: [
        {
          name: 'public-nat-sources',
          direction: 'to-lport',
          priority: 100,
          match: 'outport == "extc" && (ip4.src == 172.24.4.1 || ip4.src == 172.24.4.100)',
          action: 'allow',
        },
        {
          name: 'public-no-private-sources',
          direction: 'to-lport',
          priority: 90,
          match: 'outport == "extc" && ip4',
          action: 'drop',
        },
      ],
    },
    {
      name: 'private',
      ports: [
        { name: 'vm1', addresses: ['0a:00:00:00:00:0a 10.0.0.10'] },
        { name: 'vm2', addresses: ['0a:00:00:00:00:0b 10.0.0.11'] },
        routerPort('private-lr', 'lr-private'),
      ],
    },
  ],
  routers: [
    {
      name: 'lr',
      ports: [
        {
          name: 'lr-public',
          mac: '0a:00:00:00:ff:01',
          networks: ['172.24.4.1/24'],
          gateway_chassis: ['hv1'],
        },
        { name: 'lr-private', mac: '0a:00:00:00:ff:02', networks: ['10.0.0.1/24'] },
      ],
      nat: [
        {
          type: 'dnat_and_snat',
          external_ip: '172.24.4.100',
          logical_ip: '10.0.0.10',
          logical_port: 'vm1',
          external_mac: '0a:00:00:00:aa:01',
        },
        { type: 'snat', external_ip: '172.24.4.1', logical_ip: '10.0.0.0/24' },
      ],
    },
  ],
};

/**
 * A distributed router (no gateway) with a route table on port lr-a, an ECMP pair for 192.168.0.0/16
 * and a load balancer on the router itself.
 */
const routesNet: SnapshotDoc = {
  switches: [
    {
      name: 'a',
      ports: [{ name: 'pa', addresses: ['0a:00:00:00:00:0a 10.0.0.10'] }, routerPort('a-lr', 'lr-a')],
    },
    {
      name: 'b',
      ports: [
        { name: 'pb', addresses: ['0a:00:00:00:01:0a 10.1.0.10'] },
        { name: 'gw1', addresses: ['0a:00:00:00:01:15 10.1.0.21', 'unknown'] },
        { name: 'gw2', addresses: ['0a:00:00:00:01:16 10.1.0.22', 'unknown'] },
        routerPort('b-lr', 'lr-b'),
      ],
    },
    {
      name: 'c',
      ports: [{ name: 'pc', addresses: ['0a:00:00:00:02:0a 10.2.0.10'] }, routerPort('c-lr', 'lr-c')],
    },
  ],
  load_balancers: [{ name: 'rlb', protocol: 'tcp', vips: { '10.9.9.9:80': '10.2.0.10:8080' } }],
  routers: [
    {
      name: 'lr',
      ports: [
        {
          name: 'lr-a',
          mac: '0a:00:00:00:ff:01',
          networks: ['10.0.0.1/24'],
          options: { route_table: 'rtA' },
        },
        { name: 'lr-b', mac: '0a:00:00:00:ff:02', networks: ['10.1.0.1/24'] },
        { name: 'lr-c', mac: '0a:00:00:00:ff:03', networks: ['10.2.0.1/24'] },
      ],
      static_routes: [
        { ip_prefix: '172.16.0.0/16', nexthop: '10.1.0.21' },
        { ip_prefix: '172.16.5.0/24', nexthop: '10.1.0.22', route_table: 'rtA' },
        { ip_prefix: '192.168.0.0/16', nexthop: '10.1.0.21' },
        { ip_prefix: '192.168.0.0/16', nexthop: '10.1.0.22' },
      ],
      policies: [
        // 172.16.0.1 is on no router port: northd installs no flow for this policy at all.
        {
          priority: 200,
          match: 'ip4.src == 10.1.0.10 && udp.dst == 53',
          action: 'reroute',
          nexthops: ['10.1.0.21', '172.16.0.1'],
        },
        {
          priority: 100,
          match: 'ip4.src == 10.1.0.10 && udp.dst == 53',
          action: 'reroute',
          nexthops: ['10.1.0.21', '10.1.0.22'],
        },
      ],
      load_balancers: ['rlb'],
    },
  ],
};

/**
 * A port literally named `b@ns`, guarded by a to-lport drop ACL that names it in a quoted string;
 * optionally a port group `ns` whose only member is on another switch. The `@ns` inside the string is
 * no port-group reference: OVN applies the ACL (a text search for `@name` would ignore it here).
 */
const quotedAtNet = (withGroup: boolean): SnapshotDoc => ({
  ...(withGroup ? { port_groups: [{ name: 'ns', ports: ['n1'] }] } : {}),
  switches: [
    {
      name: 'ls',
      acls: [
        {
          name: 'drop-to-b-at-ns',
          direction: 'to-lport',
          priority: 100,
          match: 'outport == "b@ns" && ip4',
          action: 'drop',
        },
      ],
      ports: [
        { name: 'a', addresses: ['0a:00:00:00:00:01 10.10.0.1'] },
        { name: 'b@ns', addresses: ['0a:00:00:00:00:02 10.10.0.2'] },
      ],
    },
    { name: 'other', ports: [{ name: 'n1', addresses: ['0a:00:00:00:00:03 10.10.1.3'] }] },
  ],
});

/**
 * Route tables reached two ways: router lr has a route table rtA on lr-a (switch a) and on lr-p, whose
 * peer is router edge (switch e behind it, default route back to lr). A discard route in rtA and a
 * global discard route; the global table sends 10.98.0.0/16 and 172.16.0.0/16 to gw1.
 */
const tablesNet: SnapshotDoc = {
  switches: [
    {
      name: 'a',
      ports: [{ name: 'pa', addresses: ['0a:00:00:00:00:0a 10.0.0.10'] }, routerPort('a-lr', 'lr-a')],
    },
    {
      name: 'b',
      ports: [
        { name: 'pb', addresses: ['0a:00:00:00:01:0a 10.1.0.10'] },
        { name: 'gw1', addresses: ['0a:00:00:00:01:15 10.1.0.21', 'unknown'] },
        routerPort('b-lr', 'lr-b'),
      ],
    },
    {
      name: 'e',
      ports: [{ name: 'pe', addresses: ['0a:00:00:00:04:0a 10.4.0.10'] }, routerPort('e-edge', 'edge-e')],
    },
  ],
  routers: [
    {
      name: 'lr',
      ports: [
        {
          name: 'lr-a',
          mac: '0a:00:00:00:ff:01',
          networks: ['10.0.0.1/24'],
          options: { route_table: 'rtA' },
        },
        { name: 'lr-b', mac: '0a:00:00:00:ff:02', networks: ['10.1.0.1/24'] },
        {
          name: 'lr-p',
          mac: '0a:00:00:00:ff:03',
          networks: ['10.3.0.1/24'],
          peer: 'edge-p',
          options: { route_table: 'rtA' },
        },
      ],
      static_routes: [
        { ip_prefix: '10.99.0.0/16', nexthop: 'discard' },
        { ip_prefix: '10.98.0.0/16', nexthop: 'discard', route_table: 'rtA' },
        { ip_prefix: '10.98.0.0/16', nexthop: '10.1.0.21' },
        { ip_prefix: '172.16.0.0/16', nexthop: '10.1.0.21' },
        { ip_prefix: '10.4.0.0/16', nexthop: '10.3.0.2' },
      ],
    },
    {
      name: 'edge',
      ports: [
        { name: 'edge-p', mac: '0a:00:00:00:fe:01', networks: ['10.3.0.2/24'], peer: 'lr-p' },
        { name: 'edge-e', mac: '0a:00:00:00:fe:02', networks: ['10.4.0.1/24'] },
      ],
      static_routes: [{ ip_prefix: '0.0.0.0/0', nexthop: '10.3.0.1' }],
    },
  ],
};

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'seed example: vm1 -> vm2 HTTP is allowed by allow-http',
    network: 'demo',
    request: {
      source_port: 'vm1-port',
      source_mac: '00:00:00:00:00:01',
      source_ip: '10.0.0.1',
      destination_mac: '00:00:00:00:00:02',
      destination_ip: '10.0.0.2',
      protocol: 'tcp',
      source_port_num: 12345,
      destination_port_num: 80,
    },
    expect: { reaches: true, outputs: ['vm2-port'] },
  },
  {
    name: 'seed example: vm1 -> vm2 SSH is dropped by deny-ssh',
    network: 'demo',
    request: {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'deny-ssh' },
  },
  {
    name: 'routed: web -> db MySQL allowed by the db port group',
    network: 'demo',
    request: {
      source_port: 'web-server-port',
      destination_ip: '10.0.2.10',
      protocol: 'tcp',
      destination_port_num: 3306,
    },
    expect: { reaches: true, outputs: ['db-server-port'] },
  },
  {
    name: 'routed: web -> cache Redis allowed',
    network: 'demo',
    request: {
      source_port: 'web-server-port',
      destination_ip: '10.0.3.10',
      protocol: 'tcp',
      destination_port_num: 6379,
    },
    expect: { reaches: true, outputs: ['cache-server-port'] },
  },
  {
    name: 'routed: app -> db is dropped by db-default-deny',
    network: 'demo',
    request: {
      source_port: 'app-server-port',
      destination_ip: '10.0.2.10',
      protocol: 'tcp',
      destination_port_num: 3306,
    },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'db-default-deny' },
  },
  {
    name: 'same switch: web -> app 8080 is dropped by app-default-deny',
    network: 'demo',
    request: {
      source_port: 'web-server-port',
      destination_ip: '10.0.1.20',
      protocol: 'tcp',
      destination_port_num: 8080,
    },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'app-default-deny' },
  },
  {
    name: 'routed: mgmt -> app 8080 allowed via $mgmt_ips',
    network: 'demo',
    request: {
      source_port: 'mgmt-port',
      destination_ip: '10.0.1.20',
      protocol: 'tcp',
      destination_port_num: 8080,
    },
    expect: { reaches: true, outputs: ['app-server-port'] },
  },
  {
    name: 'security audit: dmz -> mgmt SSH dropped by dmz-no-ssh-internal',
    network: 'demo',
    request: {
      source_port: 'dmz-port',
      source_mac: '00:00:00:00:16:10',
      source_ip: '172.16.0.10',
      destination_ip: '10.0.0.5',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'dmz-no-ssh-internal' },
  },
  {
    name: 'LB: dmz -> VIP 10.0.1.100:80 reaches a web backend',
    network: 'demo',
    request: {
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      protocol: 'tcp',
      destination_port_num: 80,
    },
    expect: { reaches: true, anyOf: ['web-server-2-port', 'web-server-port'] },
  },
  {
    // ovn-trace does not apply ct_snat_to_vip: the egress ACLs see the client's own address, so an ACL
    // that admits only that address lets the hairpinned packet through.
    name: 'LB hairpin: a client load-balanced to itself gets the packet back',
    network: {
      load_balancers: [{ name: 'hp', protocol: 'tcp', vips: { '10.10.0.100:80': '10.10.0.1:8080' } }],
      switches: [
        {
          name: 'ls',
          load_balancers: ['hp'],
          ports: [
            {
              name: 'a',
              addresses: ['0a:00:00:00:00:01 10.10.0.1'],
              port_security: ['0a:00:00:00:00:01 10.10.0.1'],
            },
            { name: 'b', addresses: ['0a:00:00:00:00:02 10.10.0.2'] },
          ],
          acls: [
            {
              name: 'a-deny',
              direction: 'to-lport',
              priority: 1000,
              match: 'outport == "a" && ip4',
              action: 'drop',
            },
            {
              name: 'a-allow-self',
              direction: 'to-lport',
              priority: 1001,
              match: 'outport == "a" && ip4.src == 10.10.0.1',
              action: 'allow-related',
            },
          ],
        },
      ],
    },
    // No router on this switch, so the MAC cannot be auto-filled; the hairpin stage ignores it anyway.
    request: {
      source_port: 'a',
      destination_mac: '0a:00:00:00:00:02',
      destination_ip: '10.10.0.100',
      protocol: 'tcp',
      destination_port_num: 80,
    },
    expect: { reaches: true, outputs: ['a'] },
  },
  {
    name: 'spoofing: vm1 with a foreign source IP is dropped by port security',
    network: 'demo',
    request: { source_port: 'vm1-port', source_ip: '10.0.0.9', destination_ip: '10.0.0.2', protocol: 'icmp' },
    expect: { reaches: false, dropType: 'port_security' },
  },
  {
    name: 'spoofing: vm1 with a foreign source MAC is dropped by port security',
    network: 'demo',
    request: {
      source_port: 'vm1-port',
      source_mac: '00:00:00:00:00:99',
      destination_ip: '10.0.0.2',
      protocol: 'icmp',
    },
    expect: { reaches: false, dropType: 'port_security' },
  },
  {
    name: 'static route: vm1 -> partner network via the DMZ firewall',
    network: 'demo',
    request: { source_port: 'vm1-port', destination_ip: '192.168.100.7', protocol: 'icmp' },
    expect: { reaches: true, outputs: ['dmz-fw-port'] },
  },
  {
    name: 'discard route: vm1 -> 10.99.1.1 is dropped by the router',
    network: 'demo',
    request: { source_port: 'vm1-port', destination_ip: '10.99.1.1', protocol: 'icmp' },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'no route: vm1 -> 8.8.8.8 is dropped by the router',
    network: 'demo',
    request: {
      source_port: 'vm1-port',
      destination_ip: '8.8.8.8',
      protocol: 'udp',
      destination_port_num: 53,
    },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'router ping: the reply comes back to vm1',
    network: 'demo',
    request: { source_port: 'vm1-port', destination_ip: '10.0.0.254', protocol: 'icmp' },
    expect: { reaches: true, outputs: ['vm1-port'] },
  },
  {
    name: 'IPv6 on one switch without ACLs',
    network: twoPorts(),
    request: { source_port: 'a', destination_ip: 'fd10::2', protocol: 'tcp', destination_port_num: 443 },
    expect: { reaches: true, outputs: ['b'] },
  },
  {
    name: 'default_acl_drop: a switch without ACLs still forwards',
    network: twoPorts({ nb_global: { options: { default_acl_drop: 'true' } } }),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['b'] },
  },
  {
    name: 'default_acl_drop: an unmatched packet on a switch with ACLs is dropped',
    network: twoPorts({ nb_global: { options: { default_acl_drop: 'true' } } }, [
      { direction: 'to-lport', priority: 100, match: 'tcp.dst == 22', action: 'allow' },
    ]),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'udp', destination_port_num: 53 },
    expect: { reaches: false, dropType: 'acl' },
  },
  {
    name: 'default_acl_drop: even an allowed packet dies in the after-LB stage (OVN 23.03)',
    network: twoPorts({ nb_global: { options: { default_acl_drop: 'true' } } }, [
      { name: 'allow-web', direction: 'from-lport', priority: 100, match: 'tcp.dst == 80', action: 'allow' },
    ]),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'acl' },
  },
  {
    name: 'reject ACL drops the packet for the destination',
    network: twoPorts({}, [
      { name: 'no-dns', direction: 'to-lport', priority: 100, match: 'udp.dst == 53', action: 'reject' },
    ]),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'udp', destination_port_num: 53 },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'no-dns' },
  },
  {
    name: 'NAT: client -> DNAT address reaches the inside host',
    network: natNet,
    request: {
      source_port: 'client',
      destination_ip: '203.0.113.100',
      protocol: 'tcp',
      destination_port_num: 443,
    },
    expect: { reaches: true, outputs: ['in1'] },
  },
  {
    name: 'NAT: inside host -> client is SNATed and delivered',
    network: natNet,
    request: {
      source_port: 'in1',
      destination_ip: '203.0.113.5',
      protocol: 'tcp',
      destination_port_num: 443,
    },
    expect: { reaches: true, outputs: ['client'] },
  },
  {
    name: 'router policy drop: inside DNS to the client is dropped',
    network: natNet,
    request: { source_port: 'in1', destination_ip: '203.0.113.5', protocol: 'udp', destination_port_num: 53 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'floating IP in: public client -> 172.24.4.100 reaches vm1 (distributed gateway port)',
    network: dgpNet,
    request: {
      source_port: 'extc',
      destination_ip: '172.24.4.100',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    expect: { reaches: true, outputs: ['vm1'] },
  },
  {
    name: "floating IP in at the floating IP's own external_mac",
    network: dgpNet,
    request: {
      source_port: 'extc',
      destination_mac: '0a:00:00:00:aa:01',
      destination_ip: '172.24.4.100',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    expect: { reaches: true, outputs: ['vm1'] },
  },
  {
    name: 'floating IP out: vm1 -> public client leaves as 172.24.4.100',
    network: dgpNet,
    request: {
      source_port: 'vm1',
      destination_ip: '172.24.4.50',
      protocol: 'tcp',
      destination_port_num: 443,
    },
    expect: { reaches: true, outputs: ['extc'] },
  },
  {
    name: 'SNAT through the distributed gateway port: vm2 -> public client leaves as 172.24.4.1',
    network: dgpNet,
    request: { source_port: 'vm2', destination_ip: '172.24.4.50', protocol: 'udp', destination_port_num: 53 },
    expect: { reaches: true, outputs: ['extc'] },
  },
  {
    name: 'east-west to a floating IP: vm2 -> 172.24.4.100 loops through the gateway port to vm1',
    network: dgpNet,
    request: {
      source_port: 'vm2',
      destination_ip: '172.24.4.100',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    expect: { reaches: true, outputs: ['vm1'] },
  },
  {
    name: 'route table: a port with route_table uses its own table',
    network: routesNet,
    request: { source_port: 'pa', destination_ip: '172.16.5.5', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['gw2'] },
  },
  {
    name: 'route table: global dst-ip routes do not apply to a port with a route table (OVN 23.03)',
    network: routesNet,
    request: { source_port: 'pa', destination_ip: '172.16.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'route table: ports without one use the global table',
    network: routesNet,
    request: { source_port: 'pb', destination_ip: '172.16.5.5', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['gw1'] },
  },
  {
    name: 'ECMP: two static routes for one prefix, OVN takes one of the next hops',
    network: routesNet,
    request: { source_port: 'pb', destination_ip: '192.168.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, anyOf: ['gw1', 'gw2'] },
  },
  {
    name: 'router policy with two next hops (ECMP); a policy with an unreachable next hop installs nothing',
    network: routesNet,
    request: { source_port: 'pb', destination_ip: '172.16.1.1', protocol: 'udp', destination_port_num: 53 },
    expect: { reaches: true, anyOf: ['gw1', 'gw2'] },
  },
  {
    name: 'router load balancer on a router without a gateway: VIP -> backend',
    network: routesNet,
    request: { source_port: 'pb', destination_ip: '10.9.9.9', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['pc'] },
  },
  {
    name: 'quoted port name with @: a drop ACL on outport == "b@ns" applies (no port group ns)',
    network: quotedAtNet(false),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'drop-to-b-at-ns' },
  },
  {
    name: 'quoted port name with @: the drop ACL applies also when a port group ns exists elsewhere',
    network: quotedAtNet(true),
    request: { source_port: 'a', destination_ip: '10.10.0.2', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'acl', dropAcl: 'drop-to-b-at-ns' },
  },
  {
    name: 'route table reached from a switch: a discard route of the table drops',
    network: tablesNet,
    request: { source_port: 'pa', destination_ip: '10.98.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'route table reached from a peer router: the same discard route drops',
    network: tablesNet,
    request: { source_port: 'pe', destination_ip: '10.98.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'route table: the global table routes what the table discards',
    network: tablesNet,
    request: { source_port: 'pb', destination_ip: '10.98.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['gw1'] },
  },
  {
    name: 'global discard route drops a packet from a port without a route table',
    network: tablesNet,
    request: { source_port: 'pb', destination_ip: '10.99.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'route table reached from a peer router: global dst-ip routes do not apply',
    network: tablesNet,
    request: { source_port: 'pe', destination_ip: '172.16.1.1', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: false, dropType: 'l3_routing' },
  },
  {
    name: 'route table reached from a peer router: connected routes apply',
    network: tablesNet,
    request: { source_port: 'pe', destination_ip: '10.0.0.10', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['pa'] },
  },
  {
    name: 'route table: a port without one reaches the peer router by a global route',
    network: tablesNet,
    request: { source_port: 'pb', destination_ip: '10.4.0.10', protocol: 'tcp', destination_port_num: 80 },
    expect: { reaches: true, outputs: ['pe'] },
  },
];
