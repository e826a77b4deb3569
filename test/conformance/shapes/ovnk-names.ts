// Names and external_ids as ovn-kubernetes writes them, for the ovn-kubernetes shape generator
// (ovnk.ts): hashed port group / address set names (`a<decimal hash>`, so they are valid OVN
// identifiers), pod MACs derived from the pod IP (0a:58:<ip>), and the k8s.ovn.org/* keys that say
// which controller and object own an ACL, a port group, an address set or a load balancer.

import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';

export type Acl = NonNullable<NonNullable<SnapshotDoc['port_groups']>[number]['acls']>[number];
type AddressSet = NonNullable<SnapshotDoc['address_sets']>[number];

const CONTROLLER = 'default-network-controller';

/** FNV-1a (32 bit) in decimal: ovn-kubernetes names hashed objects `a` + a decimal hash. */
export function k8sHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `a${h}`;
}

/** ovn-kubernetes derives a pod's MAC from its IPv4 address. */
export function podMac(ip: string): string {
  return `0a:58:${ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join(':')}`;
}

/** external_ids of an object owned by `type`/`name` (+ the keys of its id). */
export function k8sIds(
  type: string,
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const idParts = [CONTROLLER, type, name, ...Object.values(extra)];
  return {
    'k8s.ovn.org/owner-controller': CONTROLLER,
    'k8s.ovn.org/owner-type': type,
    'k8s.ovn.org/name': name,
    ...extra,
    'k8s.ovn.org/id': idParts.join(':'),
  };
}

/** external_ids of an ACL (the same keys; kept apart for the ACL-only keys callers add). */
export const k8sAclIds = k8sIds;

/** external_ids ovn-kubernetes puts on a Service's load balancers. */
export function lbIds(ns: string, name: string): Record<string, string> {
  return { 'k8s.ovn.org/kind': 'Service', 'k8s.ovn.org/owner': `${ns}/${name}` };
}

/** The IPv4 address set of a namespace: every pod IP in it. */
export function nsAddressSet(ns: string, pods: readonly { ns: string; ip: string }[]): AddressSet {
  return {
    name: k8sHash(`Namespace:${ns}:v4`),
    addresses: pods.filter((p) => p.ns === ns).map((p) => p.ip),
    external_ids: k8sIds('Namespace', ns, { 'k8s.ovn.org/ip-family': 'v4' }),
  };
}
