// Cases whose verdict depends on the OVN release (DESIGN.md §3a, src/engine/ovn-version.ts), and the
// load-balancer options real systems set (issue 16): one network and request each, with the verdict per
// release (a case valid on every release lists 22.03). `measured` lists the releases whose verdict was taken
// from real ovn-trace (test/engine/model-versions.test.ts re-checks them on every test bed it has); the
// others follow OVN's documented behaviour and are checked as soon as a bed of that release exists.

import type { TraceRequest } from '../../src/engine/types.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import type { OvnRelease } from '../../src/ovn/topology/types.ts';

export interface VersionVerdict {
  readonly reaches: boolean;
  readonly outputs: readonly string[];
  /** The name of the ACL that drops it, or 'default' for the default drop. */
  readonly dropAcl?: string;
}

export interface VersionCase {
  readonly name: string;
  /** The network without `ovn_version` (the test sets it per release). */
  readonly network: SnapshotDoc;
  readonly request: TraceRequest;
  /** Verdict per release; releases not listed have the verdict of the nearest older one listed. */
  readonly verdicts: Partial<Record<OvnRelease, VersionVerdict>>;
  /** Whether the network uses columns an older NB lacks (then it cannot be loaded there). */
  readonly since?: OvnRelease;
}

/** A switch's router-type port peered with router port `lrp`. */
function routerPort(name: string, lrp: string) {
  return { name, type: 'router', addresses: ['router'], options: { 'router-port': lrp } };
}

const A = '0a:00:00:00:00:01 10.10.0.1';
const B = '0a:00:00:00:00:02 10.10.0.2';
type AclDoc = NonNullable<NonNullable<SnapshotDoc['switches']>[number]['acls']>[number];

const twoPorts = (acls: AclDoc[], extra: Partial<SnapshotDoc> = {}, lbs: string[] = []): SnapshotDoc => ({
  ...extra,
  switches: [
    {
      name: 'ls',
      acls,
      ...(lbs.length ? { load_balancers: lbs } : {}),
      ports: [
        { name: 'a', addresses: [A] },
        { name: 'b', addresses: [B] },
      ],
    },
  ],
});

const tcp80: TraceRequest = {
  source_port: 'a',
  destination_ip: '10.10.0.2',
  protocol: 'tcp',
  destination_port_num: 80,
};
const reached: VersionVerdict = { reaches: true, outputs: ['b'] };
const dropped = (dropAcl: string): VersionVerdict => ({ reaches: false, outputs: [], dropAcl });

const acl = (
  name: string,
  priority: number,
  match: string,
  action: AclDoc['action'],
  tier?: number,
): AclDoc => ({
  name,
  direction: 'to-lport',
  priority,
  match,
  action,
  ...(tier === undefined ? {} : { tier }),
});

/**
 * A router whose port to `inside` looks up route table `rtb`, and a global src-ip route for `inside`'s
 * subnet via `b` on `outside` (ovn-kubernetes' per-node egress routes are src-ip routes like this).
 */
function srcRouteNet(): SnapshotDoc {
  const rport = (sw: string) => ({
    name: `${sw}-lr`,
    type: 'router',
    addresses: ['router'],
    options: { 'router-port': `lr-${sw}` },
  });
  return {
    switches: [
      { name: 'inside', ports: [{ name: 'a', addresses: ['0a:00:00:00:01:0a 10.1.0.10'] }, rport('inside')] },
      {
        name: 'outside',
        ports: [{ name: 'b', addresses: ['0a:00:00:00:02:0a 10.2.0.10'] }, rport('outside')],
      },
    ],
    routers: [
      {
        name: 'lr',
        ports: [
          {
            name: 'lr-inside',
            mac: '0a:00:00:00:ff:01',
            networks: ['10.1.0.1/24'],
            options: { route_table: 'rtb' },
          },
          { name: 'lr-outside', mac: '0a:00:00:00:ff:02', networks: ['10.2.0.1/24'] },
        ],
        static_routes: [{ ip_prefix: '10.1.0.0/24', nexthop: '10.2.0.10', policy: 'src-ip' }],
      },
    ],
  };
}

/** srcRouteNet without the route table, a route via 10.2.0.99 (no port owns it) and an `unknown` port. */
function unresolvedNextHopNet(): SnapshotDoc {
  const doc = srcRouteNet();
  doc.switches![1]!.ports!.push({ name: 'c', addresses: ['unknown'] });
  const lr = doc.routers![0]!;
  delete lr.ports![0]!.options;
  lr.static_routes = [{ ip_prefix: '172.16.0.0/16', nexthop: '10.2.0.99' }];
  return doc;
}

/**
 * An ovn-kubernetes node gateway: gateway router `gr` SNATs the pods to the node address 172.18.0.2,
 * which is also a NodePort VIP (172.18.0.2:30080 -> the pod) on it; `client` is outside.
 */
function nodeGatewayNet(): SnapshotDoc {
  const rport = (sw: string) => ({
    name: `${sw}-gr`,
    type: 'router',
    addresses: ['router'],
    options: { 'router-port': `gr-${sw}` },
  });
  return {
    load_balancers: [{ name: 'np', protocol: 'tcp', vips: { '172.18.0.2:30080': '10.0.0.5:80' } }],
    switches: [
      {
        name: 'ext',
        ports: [{ name: 'client', addresses: ['02:42:ac:12:00:64 172.18.0.100'] }, rport('ext')],
      },
      { name: 'pods', ports: [{ name: 'pod', addresses: ['0a:58:0a:00:00:05 10.0.0.5'] }, rport('pods')] },
    ],
    routers: [
      {
        name: 'gr',
        options: { chassis: 'hv1' },
        load_balancers: ['np'],
        ports: [
          { name: 'gr-ext', mac: '02:42:ac:12:00:02', networks: ['172.18.0.2/16'] },
          { name: 'gr-pods', mac: '0a:58:0a:00:00:01', networks: ['10.0.0.1/24'] },
        ],
        nat: [{ type: 'snat', external_ip: '172.18.0.2', logical_ip: '10.0.0.0/24' }],
      },
    ],
  };
}

/** unresolvedNextHopNet with the next hop b's address and b disabled (no ARP entry for it). */
function disabledNextHopNet(): SnapshotDoc {
  const doc = unresolvedNextHopNet();
  doc.switches![1]!.ports![0]!.enabled = false;
  doc.routers![0]!.static_routes = [{ ip_prefix: '172.16.0.0/16', nexthop: '10.2.0.10' }];
  return doc;
}

/** A distributed router whose gateway port's switch has (or has not) a localnet port. */
function fipNet(localnet: boolean): SnapshotDoc {
  return {
    switches: [
      {
        name: 'public',
        ports: [
          { name: 'extc', addresses: ['0a:00:00:00:04:32 172.24.4.50'] },
          {
            name: 'public-lr',
            type: 'router',
            addresses: ['router'],
            options: { 'router-port': 'lr-public' },
          },
          ...(localnet
            ? [
                {
                  name: 'provnet',
                  type: 'localnet',
                  addresses: ['unknown'],
                  options: { network_name: 'phys' },
                },
              ]
            : []),
        ],
      },
      {
        name: 'private',
        ports: [
          { name: 'vm1', addresses: ['0a:00:00:00:00:0a 10.0.0.10'] },
          {
            name: 'private-lr',
            type: 'router',
            addresses: ['router'],
            options: { 'router-port': 'lr-private' },
          },
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
        ],
      },
    ],
  };
}

/** fipNet without a localnet port, plus a port with unknown addresses on the gateway port's switch. */
function fipNetWithUnknown(): SnapshotDoc {
  const doc = fipNet(false);
  doc.switches![0]!.ports!.push({ name: 'catchall', addresses: ['unknown'] });
  return doc;
}

const toFipMac: TraceRequest = {
  source_port: 'extc',
  destination_mac: '0a:00:00:00:aa:01',
  destination_ip: '172.24.4.100',
  protocol: 'tcp',
  destination_port_num: 22,
};

/** A router between two switches whose policies jump to a chain that drops UDP 53. */
function chainNet(): SnapshotDoc {
  return {
    switches: [
      {
        name: 's1',
        ports: [{ name: 'p1', addresses: ['0a:00:00:00:01:01 10.1.0.10'] }, routerPort('s1-lr', 'lr-s1')],
      },
      {
        name: 's2',
        ports: [{ name: 'p2', addresses: ['0a:00:00:00:02:01 10.2.0.10'] }, routerPort('s2-lr', 'lr-s2')],
      },
    ],
    routers: [
      {
        name: 'lr',
        ports: [
          { name: 'lr-s1', mac: '0a:00:00:00:ff:01', networks: ['10.1.0.1/24'] },
          { name: 'lr-s2', mac: '0a:00:00:00:ff:02', networks: ['10.2.0.1/24'] },
        ],
        policies: [
          { priority: 100, match: 'ip4.src == 10.1.0.0/24', action: 'jump', jump_chain: 'from-s1' },
          { priority: 50, match: 'udp.dst == 53', action: 'drop', chain: 'from-s1' },
          { priority: 10, match: 'ip4', action: 'allow', chain: 'from-s1' },
        ],
      },
    ],
  };
}

type PolicyDoc = NonNullable<NonNullable<SnapshotDoc['routers']>[number]['policies']>[number];

/**
 * chainNet's router with other policies, and a third port p3 (10.2.0.20) on s2 that only a reroute
 * reaches (172.16.0.1 is a next hop no router port reaches).
 */
function rerouteNet(policies: PolicyDoc[]): SnapshotDoc {
  const net = chainNet();
  const [s1, s2] = net.switches!;
  const p3 = { name: 'p3', addresses: ['0a:00:00:00:02:02 10.2.0.20'] };
  return {
    switches: [s1!, { ...s2!, ports: [...s2!.ports!, p3] }],
    routers: [{ ...net.routers![0]!, policies }],
  };
}

/** ECMP-form reroute to p3 (delivered there, so not to the owner of 10.2.0.10): one next hop reachable, one not. */
const halfReachable = (priority: number, chain?: string): PolicyDoc => ({
  priority,
  match: 'udp.dst == 53',
  action: 'reroute',
  nexthops: ['10.2.0.20', '172.16.0.1'],
  ...(chain ? { chain } : {}),
});

const dns: TraceRequest = {
  source_port: 'p1',
  destination_ip: '10.2.0.10',
  protocol: 'udp',
  destination_port_num: 53,
};

const lbSwitch = (vips: Record<string, string>, options: Record<string, string> = {}): SnapshotDoc =>
  twoPorts([], { load_balancers: [{ name: 'lb', protocol: 'tcp', vips, options }] }, ['lb']);
/** To a VIP no port owns: the client sends to the MAC it learnt (here b's, as if b answered ARP). */
const toVip: TraceRequest = { ...tcp80, destination_ip: '10.10.0.100', destination_mac: '0a:00:00:00:00:02' };

/** ovn-kubernetes shape: a gateway router whose own external address is a NodePort VIP. */
function nodePortNet(): SnapshotDoc {
  return {
    load_balancers: [{ name: 'np', protocol: 'tcp', vips: { '172.18.0.2:30080': '10.244.0.5:8080' } }],
    switches: [
      {
        name: 'ext_node1',
        ports: [
          { name: 'client', addresses: ['0a:00:00:00:12:09 172.18.0.9'] },
          routerPort('ext-gr', 'rtoe-GR_node1'),
        ],
      },
      {
        name: 'node1',
        ports: [
          { name: 'pod', addresses: ['0a:58:0a:f4:00:05 10.244.0.5'] },
          routerPort('node-gr', 'rtos-GR_node1'),
        ],
      },
    ],
    routers: [
      {
        name: 'GR_node1',
        options: { chassis: 'hv1' },
        load_balancers: ['np'],
        ports: [
          { name: 'rtoe-GR_node1', mac: '0a:00:00:00:12:02', networks: ['172.18.0.2/16'] },
          { name: 'rtos-GR_node1', mac: '0a:58:0a:f4:00:01', networks: ['10.244.0.1/24'] },
        ],
      },
    ],
  };
}

/** nodePortNet with a reroute policy sending TCP 22 to the pod: its own address is then not dropped. */
function nodePortRerouteNet(): SnapshotDoc {
  const net = nodePortNet();
  const gr = net.routers![0]!;
  const policy = {
    priority: 60,
    match: 'tcp.dst == 22',
    action: 'reroute' as const,
    nexthops: ['10.244.0.5'],
  };
  return { ...net, routers: [{ ...gr, policies: [policy] }] };
}

/**
 * A distributed router with two gateway ports (no localnet behind either) and a floating IP of vm with
 * its own external_mac: with two gateway ports northd centralizes neither, so the FIP stays distributed.
 */
function twoDgpFipNet(): SnapshotDoc {
  return {
    switches: [
      {
        name: 'ext1',
        ports: [{ name: 'c', addresses: ['0a:00:00:00:0e:01 172.20.0.9'] }, routerPort('e1-lr', 'lr-e1')],
      },
      { name: 'ext2', ports: [routerPort('e2-lr', 'lr-e2')] },
      {
        name: 'in',
        ports: [{ name: 'vm', addresses: ['0a:00:00:00:0a:05 10.5.0.5'] }, routerPort('in-lr', 'lr-in')],
      },
    ],
    routers: [
      {
        name: 'lr',
        ports: [
          { name: 'lr-e1', mac: '0a:00:00:00:fe:01', networks: ['172.20.0.1/24'], gateway_chassis: ['hv1'] },
          { name: 'lr-e2', mac: '0a:00:00:00:fe:02', networks: ['172.21.0.1/24'], gateway_chassis: ['hv1'] },
          { name: 'lr-in', mac: '0a:00:00:00:fe:05', networks: ['10.5.0.1/24'] },
        ],
        nat: [
          {
            type: 'dnat_and_snat',
            external_ip: '172.20.0.50',
            logical_ip: '10.5.0.5',
            logical_port: 'vm',
            external_mac: '0a:00:00:00:fa:01',
          },
        ],
      },
    ],
  };
}

/**
 * A gateway router whose own address 10.10.0.254 is a NodePort-like VIP balanced to `a` (10.10.0.1)
 * itself, and a switch load balancer on `ls` (another VIP), so `ls` runs the hairpin check. `a` calling
 * the VIP is sent back to itself through the router; `ls` has no allow-related ACL, so northd clears the
 * conntrack state on the way out to the router and the second pass is not hairpinned.
 */
function routerHairpinNet(): SnapshotDoc {
  return {
    load_balancers: [
      { name: 'np', protocol: 'tcp', vips: { '10.10.0.254:30080': '10.10.0.1:8080' } },
      { name: 'swlb', protocol: 'tcp', vips: { '10.10.0.100:80': '10.10.0.2:80' } },
    ],
    switches: [
      {
        name: 'ls',
        load_balancers: ['swlb'],
        ports: [
          { name: 'a', addresses: [A] },
          { name: 'b', addresses: [B] },
          { name: 'ls-gr', type: 'router', addresses: ['router'], options: { 'router-port': 'gr-ls' } },
        ],
      },
    ],
    routers: [
      {
        name: 'gr',
        options: { chassis: 'hv1' },
        load_balancers: ['np'],
        ports: [{ name: 'gr-ls', mac: '0a:00:00:00:00:fe', networks: ['10.10.0.254/24'] }],
      },
    ],
  };
}

/**
 * `a` calling VIP 10.99.0.5:30080 of router `r` (load balancer `np`, only on the router), balanced back to
 * `a` itself; `ls` has an allow-related ACL, so its DNAT state crosses the router port and the hairpin
 * check holds again on every pass from 24.03 (a loop) — until 25.09, where a gateway router's egress
 * ct_dnat makes the backend the connection's destination and the second pass is not hairpinned.
 */
function routerHairpinLoopNet(gateway: boolean): SnapshotDoc {
  return {
    load_balancers: [
      { name: 'np', protocol: 'tcp', vips: { '10.99.0.5:30080': '10.10.0.1:8080' } },
      { name: 'swlb', protocol: 'tcp', vips: { '10.10.0.100:80': '10.10.0.2:80' } },
    ],
    switches: [
      {
        name: 'ls',
        load_balancers: ['swlb'],
        acls: [
          { name: 'rel', direction: 'from-lport', priority: 100, match: 'ip4', action: 'allow-related' },
        ],
        ports: [
          { name: 'a', addresses: [A] },
          { name: 'b', addresses: [B] },
          { name: 'ls-r', type: 'router', addresses: ['router'], options: { 'router-port': 'r-ls' } },
        ],
      },
    ],
    routers: [
      {
        name: 'r',
        ...(gateway ? { options: { chassis: 'hv1' } } : {}),
        load_balancers: ['np'],
        ports: [{ name: 'r-ls', mac: '0a:00:00:00:00:fe', networks: ['10.10.0.254/24'] }],
      },
    ],
  };
}

const toRouterVip: TraceRequest = {
  source_port: 'a',
  destination_ip: '10.99.0.5',
  protocol: 'tcp',
  destination_port_num: 30080,
};

const toOwnVip: TraceRequest = {
  source_port: 'a',
  destination_ip: '10.10.0.254',
  protocol: 'tcp',
  destination_port_num: 30080,
};

export const VERSION_CASES: readonly VersionCase[] = [
  {
    name: 'a NodePort VIP equal to the gateway router own address reaches the backend',
    network: nodePortNet(),
    request: {
      source_port: 'client',
      destination_ip: '172.18.0.2',
      protocol: 'tcp',
      destination_port_num: 30080,
    },
    verdicts: { '22.03': { reaches: true, outputs: ['pod'] } },
  },
  {
    name: 'the gateway router own address on a port that is no VIP follows a reroute policy',
    network: nodePortRerouteNet(),
    request: {
      source_port: 'client',
      destination_ip: '172.18.0.2',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    verdicts: { '22.03': { reaches: true, outputs: ['pod'] } },
  },
  {
    name: 'the gateway router own address on a port that is no VIP is still dropped',
    network: nodePortNet(),
    request: {
      source_port: 'client',
      destination_ip: '172.18.0.2',
      protocol: 'tcp',
      destination_port_num: 22,
    },
    verdicts: { '22.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a VIP without backends drops',
    network: lbSwitch({ '10.10.0.100:80': '' }),
    request: toVip,
    verdicts: { '22.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a VIP without backends and options:reject=true answers the client (no delivery)',
    network: lbSwitch({ '10.10.0.100:80': '' }, { reject: 'true' }),
    request: toVip,
    verdicts: { '22.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a VIP with options:affinity_timeout: ovn-trace ends the first packet at commit_lb_aff',
    network: lbSwitch({ '10.10.0.100:80': '10.10.0.2:80' }, { affinity_timeout: '60' }),
    request: toVip,
    verdicts: { '22.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a reject ACL with a top-level || on a stateful switch: ignored before 23.06, applied after',
    network: twoPorts([
      acl('related', 100, 'outport == "b" && icmp4', 'allow-related'),
      acl(
        'reject-or',
        200,
        '(outport == "b" && tcp.dst == 80) || (outport == "b" && tcp.dst == 8080)',
        'reject',
      ),
    ]),
    request: tcp80,
    verdicts: { '23.03': reached, '23.06': dropped('reject-or') },
  },
  {
    name: 'default_acl_drop on a switch with a load balancer and no ACLs: drops before 23.06 only',
    network: twoPorts(
      [],
      {
        nb_global: { options: { default_acl_drop: 'true' } },
        load_balancers: [{ name: 'lb', protocol: 'tcp', vips: { '10.10.0.100:80': '10.10.0.2:80' } }],
      },
      ['lb'],
    ),
    request: tcp80,
    verdicts: { '23.03': dropped('default'), '23.06': reached },
  },
  {
    name: 'a floating IP behind a gateway port whose switch has no localnet port: centralized from 25.03',
    network: fipNet(false),
    request: toFipMac,
    verdicts: { '23.03': { reaches: true, outputs: ['vm1'] }, '25.03': { reaches: false, outputs: [] } },
  },
  {
    name: "a centralized floating IP's external_mac still goes to the router, which drops it (not to unknown ports)",
    network: fipNetWithUnknown(),
    request: toFipMac,
    verdicts: { '23.03': { reaches: true, outputs: ['vm1'] }, '25.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a floating IP behind a gateway port with a localnet port stays distributed',
    network: fipNet(true),
    request: toFipMac,
    verdicts: { '23.03': { reaches: true, outputs: ['vm1'] } },
  },
  {
    name: 'a global src-ip route applies to a port with a route table before 25.03 only',
    network: srcRouteNet(),
    request: { source_port: 'a', destination_ip: '172.16.0.5', protocol: 'udp', destination_port_num: 53 },
    verdicts: { '23.03': { reaches: true, outputs: ['b'] }, '25.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'a next hop without a known MAC: ARP and stop before 24.09, then also output to unknown ports',
    network: unresolvedNextHopNet(),
    request: { source_port: 'a', destination_ip: '172.16.0.5', protocol: 'udp', destination_port_num: 53 },
    verdicts: { '23.03': { reaches: false, outputs: [] }, '24.09': { reaches: true, outputs: ['c'] } },
  },
  {
    name: 'a NodePort VIP that is also the SNAT address: ovn-trace ends at ct_snat on 24.09-25.03',
    network: nodeGatewayNet(),
    request: {
      source_port: 'client',
      destination_ip: '172.18.0.2',
      protocol: 'tcp',
      destination_port_num: 30080,
    },
    verdicts: {
      '23.03': { reaches: true, outputs: ['pod'] },
      '24.09': { reaches: false, outputs: [] },
      '25.09': { reaches: true, outputs: ['pod'] },
    },
  },
  {
    name: 'a disabled next hop has no ARP entry: like an unknown next hop (to unknown ports from 24.09)',
    network: disabledNextHopNet(),
    request: { source_port: 'a', destination_ip: '172.16.0.5', protocol: 'udp', destination_port_num: 53 },
    verdicts: { '23.03': { reaches: false, outputs: [] }, '24.09': { reaches: true, outputs: ['c'] } },
  },
  {
    name: 'tiers: a tier-0 pass hands the packet to tier 1, whose drop decides',
    since: '23.06',
    network: twoPorts([
      acl('pass-all', 100, 'outport == "b" && ip4', 'pass', 0),
      acl('allow-low', 50, 'outport == "b" && ip4', 'allow', 0),
      acl('deny-80', 10, 'outport == "b" && tcp.dst == 80', 'drop', 1),
    ]),
    request: tcp80,
    verdicts: { '23.06': dropped('deny-80') },
  },
  {
    name: 'tiers: a lower tier decides before a higher-priority ACL of a higher tier',
    since: '23.06',
    network: twoPorts([
      acl('allow-t1', 100, 'outport == "b" && ip4', 'allow', 1),
      acl('deny-t2', 30000, 'outport == "b" && ip4', 'drop', 2),
    ]),
    request: tcp80,
    verdicts: { '23.06': reached },
  },
  {
    name: 'tiers: no match in tier 0 moves on to tier 1',
    since: '23.06',
    network: twoPorts([
      acl('icmp-t0', 100, 'outport == "b" && icmp4', 'allow', 0),
      acl('deny-t1', 100, 'outport == "b" && tcp', 'drop', 1),
    ]),
    request: tcp80,
    verdicts: { '23.06': dropped('deny-t1') },
  },
  {
    name: 'tiers: pass at the last tier falls through to default_acl_drop',
    since: '23.06',
    network: twoPorts([acl('pass-t1', 100, 'outport == "b" && ip4', 'pass', 1)], {
      nb_global: { options: { default_acl_drop: 'true' } },
    }),
    request: tcp80,
    verdicts: { '23.06': dropped('default') },
  },
  {
    name: 'tiers: pass at the last tier without default_acl_drop is allowed',
    since: '23.06',
    network: twoPorts([acl('pass-t1', 100, 'outport == "b" && ip4', 'pass', 1)]),
    request: tcp80,
    verdicts: { '23.06': reached },
  },
  {
    name: 'router policy chains: a jump to a chain whose drop matches',
    since: '25.03',
    network: chainNet(),
    request: dns,
    verdicts: { '25.03': { reaches: false, outputs: [] } },
  },
  {
    name: 'router policy chains: a jump to a chain whose allow matches',
    since: '25.03',
    network: chainNet(),
    request: { ...dns, protocol: 'tcp', destination_port_num: 80 },
    verdicts: { '25.03': { reaches: true, outputs: ['p2'] } },
  },
  {
    name: 'router policy reroute: a next hop no port reaches leaves the others (24.09+) or voids the policy',
    network: rerouteNet([halfReachable(60)]),
    request: dns,
    verdicts: { '22.03': { reaches: true, outputs: ['p2'] }, '24.09': { reaches: false, outputs: ['p3'] } },
  },
  {
    name: 'router policy chains: an ECMP-form reroute of the default chain also matches inside a chain',
    since: '25.03',
    network: rerouteNet([
      { priority: 100, match: 'ip4.src == 10.1.0.0/24', action: 'jump', jump_chain: 'from-s1' },
      halfReachable(60),
      { priority: 50, match: 'udp.dst == 53', action: 'drop', chain: 'from-s1' },
      { priority: 10, match: 'ip4', action: 'allow', chain: 'from-s1' },
    ]),
    request: dns,
    verdicts: { '25.03': { reaches: false, outputs: ['p3'] } },
  },
  {
    name: 'a floating IP external_mac behind one of two gateway ports without localnet stays distributed',
    network: twoDgpFipNet(),
    request: {
      source_port: 'c',
      destination_ip: '172.20.0.50',
      destination_mac: '0a:00:00:00:fa:01',
      protocol: 'tcp',
      destination_port_num: 80,
    },
    verdicts: { '22.03': { reaches: true, outputs: ['vm'] } },
  },
  {
    name: 'a router VIP balanced back to its caller: hairpinned via the router, delivered (ct cleared)',
    network: routerHairpinNet(),
    request: toOwnVip,
    // measured on 23.03.1, 25.03, 26.03; before 23.03.1 northd has no ct_clear there (d17ece7f3), unmeasured.
    verdicts: { '23.03': { reaches: true, outputs: ['a'] } },
  },
  {
    name: 'a gateway router VIP balanced back to its caller with ct state kept: a loop, until 25.09',
    network: routerHairpinLoopNet(true),
    request: toRouterVip,
    // measured: delivered on 23.03.1 (router-only VIP, no hairpin), a loop on 25.03, delivered on 26.03.
    verdicts: {
      '23.03': { reaches: true, outputs: ['a'] },
      '24.03': { reaches: false, outputs: [] },
      '25.09': { reaches: true, outputs: ['a'] },
    },
  },
  {
    name: 'a distributed router VIP balanced back to its caller with ct state kept: a loop from 24.03',
    network: routerHairpinLoopNet(false),
    request: toRouterVip,
    // measured: delivered on 23.03.1, a loop on 25.03 and 26.03 (no ct action on the router's egress).
    verdicts: { '23.03': { reaches: true, outputs: ['a'] }, '24.03': { reaches: false, outputs: [] } },
  },
];

/** The verdict a case gives on a release (the nearest older release listed), or null before `since`. */
export function verdictOn(
  c: VersionCase,
  release: OvnRelease,
  order: readonly OvnRelease[],
): VersionVerdict | null {
  const at = order.indexOf(release);
  if (c.since && at < order.indexOf(c.since)) return null;
  for (let i = at; i >= 0; i--) {
    const v = c.verdicts[order[i]!];
    if (v) return v;
  }
  return null;
}
