// The in-memory model of an OVN logical network (NB schema 7.0.0, the parts tracing needs).
// A Topology is immutable once built: sources (snapshot file, live OVSDB) build a new one per change.
// Names are the user-facing keys; every row also has a UUID (real from OVSDB, derived for snapshot files).

import type { Cidr, IpAddr } from '../net/addr.ts';

export type StringMap = Readonly<Record<string, string>>;

/** One parsed entry of a Logical_Switch_Port `addresses`/`dynamic_addresses` column. */
export type PortAddress =
  | { readonly kind: 'static'; readonly mac: string; readonly ips: readonly IpAddr[]; readonly raw: string }
  | { readonly kind: 'unknown'; readonly raw: string }
  | { readonly kind: 'router'; readonly raw: string }
  | { readonly kind: 'dynamic'; readonly raw: string };

/** One parsed `port_security` entry: a MAC and the IPs/CIDRs it may use (empty = MAC only). */
export interface PortSecurityEntry {
  readonly mac: string;
  readonly nets: readonly Cidr[];
  readonly raw: string;
}

export interface NbGlobal {
  readonly options: StringMap;
}

export type AclDirection = 'from-lport' | 'to-lport';
/** ACL actions; `pass` (23.06+, with tiers) hands the packet to the next tier. */
export type AclAction = 'allow' | 'allow-related' | 'allow-stateless' | 'drop' | 'reject' | 'pass';
export const ACL_ACTIONS: readonly AclAction[] = [
  'allow',
  'allow-related',
  'allow-stateless',
  'drop',
  'reject',
  'pass',
];

export interface Acl {
  readonly uuid: string;
  readonly name: string | null;
  readonly direction: AclDirection;
  /** 0..32767; the logical flow priority is this + 1000. */
  readonly priority: number;
  readonly match: string;
  readonly action: AclAction;
  readonly log: boolean;
  readonly severity: string | null;
  readonly label: number;
  /** ACL tier (23.06+, 0..3; 0 when the NB has no tier column): lower tiers are evaluated first. */
  readonly tier: number;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  /** Where the ACL is attached: a switch's `acls` or a port group's `acls`. */
  readonly owner: { readonly kind: 'switch' | 'port_group'; readonly name: string };
}

export interface SwitchPort {
  readonly uuid: string;
  readonly name: string;
  /** The logical switch holding this port. */
  readonly switchName: string;
  /** '' for a VIF; 'router', 'localnet', 'localport', 'external', 'virtual', 'l2gateway', 'vtep', … */
  readonly type: string;
  readonly addresses: readonly PortAddress[];
  readonly dynamicAddresses: PortAddress | null;
  readonly portSecurity: readonly PortSecurityEntry[];
  readonly options: StringMap;
  readonly up: boolean | null;
  /** NB `enabled`: null (unset) means enabled. */
  readonly enabled: boolean | null;
  readonly tag: number | null;
  readonly externalIds: StringMap;
}

export interface LogicalSwitch {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  readonly acls: readonly Acl[];
  readonly loadBalancers: readonly string[];
  readonly otherConfig: StringMap;
  readonly externalIds: StringMap;
}

export interface PortGroup {
  readonly uuid: string;
  readonly name: string;
  /** Member switch-port names. */
  readonly ports: readonly string[];
  readonly acls: readonly Acl[];
  readonly externalIds: StringMap;
}

export interface AddressSet {
  readonly uuid: string;
  readonly name: string;
  /** Entries as written: IPv4/IPv6 addresses or CIDRs (or MACs, which OVN also accepts). */
  readonly addresses: readonly string[];
  readonly externalIds: StringMap;
}

export interface RouterPort {
  readonly uuid: string;
  readonly name: string;
  readonly routerName: string;
  readonly mac: string;
  /** `networks` as written, e.g. 10.0.0.254/24 (host bits are the port's own address). */
  readonly networks: readonly Cidr[];
  readonly peer: string | null;
  readonly enabled: boolean | null;
  /**
   * Gateway chassis names (Gateway_Chassis rows, then HA chassis group members): a distributed gateway
   * port when non-empty. options:redirect-chassis alone does not make one in OVN 23.03.
   */
  readonly gatewayChassis: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface StaticRoute {
  readonly uuid: string;
  readonly ipPrefix: Cidr;
  /** Next-hop IP, or the literal 'discard'. */
  readonly nexthop: string;
  readonly policy: 'dst-ip' | 'src-ip';
  readonly outputPort: string | null;
  readonly routeTable: string;
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface RouterPolicy {
  readonly uuid: string;
  readonly priority: number;
  readonly match: string;
  /** `jump` (25.03+) continues in the chain `jumpChain` (a goto: no return). */
  readonly action: 'allow' | 'drop' | 'reroute' | 'jump';
  readonly nexthops: readonly string[];
  /** The chain this policy belongs to (25.03+); '' = the default chain, evaluated first. */
  readonly chain: string;
  /** For a `jump` policy: the chain to continue in. */
  readonly jumpChain: string | null;
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface Nat {
  readonly uuid: string;
  readonly type: 'snat' | 'dnat' | 'dnat_and_snat';
  readonly externalIp: IpAddr;
  readonly externalMac: string | null;
  /** For snat a network (CIDR); for dnat/dnat_and_snat a single address (prefix = full length). */
  readonly logicalIp: Cidr;
  readonly logicalPort: string | null;
  readonly externalPortRange: string | null;
  readonly gatewayPort: string | null;
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface LogicalRouter {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  readonly staticRoutes: readonly StaticRoute[];
  readonly policies: readonly RouterPolicy[];
  readonly nat: readonly Nat[];
  readonly loadBalancers: readonly string[];
  readonly enabled: boolean | null;
  readonly options: StringMap;
  readonly externalIds: StringMap;
}

export interface LbBackend {
  readonly ip: IpAddr;
  readonly port: number | null;
  readonly raw: string;
}

export interface LbVip {
  readonly ip: IpAddr;
  readonly port: number | null;
  readonly backends: readonly LbBackend[];
  /** The `vips` key and value as written. */
  readonly key: string;
  readonly value: string;
}

export interface LoadBalancer {
  readonly uuid: string;
  readonly name: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp' | null;
  readonly vips: readonly LbVip[];
  readonly options: StringMap;
  readonly selectionFields: readonly string[];
  readonly externalIds: StringMap;
}

/** Lookup indexes built once per topology. */
export interface TopologyIndex {
  readonly portByUuid: ReadonlyMap<string, SwitchPort>;
  readonly routerPortByUuid: ReadonlyMap<string, RouterPort>;
  /** switch name -> lower-case MAC -> port names owning it (more than one = ambiguous). */
  readonly portsByMac: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** IP text (canonical) -> switch-port names that hold it in addresses/dynamic_addresses. */
  readonly portsByIp: ReadonlyMap<string, readonly string[]>;
  /** switch-port name -> port groups it belongs to. */
  readonly groupsByPort: ReadonlyMap<string, readonly string[]>;
  /** switch name -> port groups that have at least one member on it. */
  readonly groupsBySwitch: ReadonlyMap<string, readonly string[]>;
  /** router-port name -> the switch-port of type router whose options:router-port names it. */
  readonly switchPortByRouterPort: ReadonlyMap<string, string>;
  /** load balancer name -> switches and routers that reference it. */
  readonly lbUsers: ReadonlyMap<
    string,
    { readonly switches: readonly string[]; readonly routers: readonly string[] }
  >;
}

/**
 * OVN feature releases the tracer knows (DESIGN.md §3a), oldest first. Point releases behave as their
 * feature release for everything a tracer sees.
 */
export const OVN_RELEASES = [
  '22.03',
  '22.06',
  '22.09',
  '22.12',
  '23.03',
  '23.06',
  '23.09',
  '24.03',
  '24.09',
  '25.03',
  '25.09',
  '26.03',
] as const;
export type OvnRelease = (typeof OVN_RELEASES)[number];

/** Version-dependent NB columns and tables: whether the database that wrote the topology has them. */
export interface OvnColumns {
  /** `ACL.tier` (23.06+): ACL tiers and the `pass` action. */
  readonly aclTier: boolean;
  /** `ACL.sample_new` (24.09+): ACL sampling. */
  readonly aclSampleNew: boolean;
  /** `Logical_Router_Policy.chain` (25.03+): policy chains and `jump`. */
  readonly policyChain: boolean;
  /** Table `Network_Function` (26.03+). */
  readonly networkFunction: boolean;
}

/**
 * What is known about the OVN that wrote the topology. `release` is the row of the version tables that
 * applies (src/ovn/topology/ovn-releases.ts, src/engine/ovn-version.ts); `releaseRange` says how sure
 * that is: the release itself, `>=X` for a schema newer than X's that no known release has, `<=22.03`
 * for one older than every known release. Source: the live NB's schema, a snapshot file's
 * `ovn_version`, the --ovn.version override, or the default (23.03, the release the model was verified on).
 */
export interface OvnInfo {
  /** NB schema version the database reported (null unless read from a live NB). */
  readonly nbSchema: string | null;
  /** SB schema version, when an SB remote was given and answered. */
  readonly sbSchema: string | null;
  readonly columns: OvnColumns;
  readonly release: OvnRelease;
  readonly releaseRange: string;
  /** `override`: set by --ovn.version / config ovn.version over what the source said. */
  readonly source: 'nb-schema' | 'snapshot' | 'default' | 'override';
}

export interface Topology {
  readonly nbGlobal: NbGlobal;
  readonly switches: ReadonlyMap<string, LogicalSwitch>;
  readonly ports: ReadonlyMap<string, SwitchPort>;
  readonly routers: ReadonlyMap<string, LogicalRouter>;
  readonly routerPorts: ReadonlyMap<string, RouterPort>;
  readonly portGroups: ReadonlyMap<string, PortGroup>;
  readonly addressSets: ReadonlyMap<string, AddressSet>;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  readonly index: TopologyIndex;
  /** The OVN version that wrote it, as far as known (see OvnInfo). */
  readonly ovn: OvnInfo;
  /** Where this topology came from (file path, NB remote, 'demo') and when it was built (ms epoch). */
  readonly source: { readonly kind: 'file' | 'ovsdb' | 'demo' | 'memory'; readonly name: string };
  readonly builtAt: number;
}
