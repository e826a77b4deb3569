// Who made an ACL, read from the NB external_ids that the systems writing OVN networks leave on it, so a
// verdict can say "NetworkPolicy shop/allow-web" or "Neutron security group rule …" instead of a UUID:
// - ovn-kubernetes: `k8s.ovn.org/owner-type` (NetworkPolicy, AdminNetworkPolicy,
//   BaselineAdminNetworkPolicy, EgressFirewall, NetpolNamespace = a namespace's default deny, NetpolNode,
//   MulticastNS, …) and `k8s.ovn.org/name` (`namespace:name` for a NetworkPolicy, the namespace for
//   namespace-scoped owners, the cluster-scoped name otherwise), `k8s.ovn.org/id` as the id;
// - Neutron: `neutron:security_group_rule_id` (the security group from its port group's
//   `neutron:security_group_id`, else the `pg_<uuid>` name), and the `neutron_pg_drop` group's default drop;
// - else the ACL itself: its name, else its UUID.
// Kinds are a small fixed vocabulary (they become a metric label); names are as the NB says.

import type { Acl, StringMap, Topology } from './types.ts';

/** The object an ACL was written for. `kind` comes from a short list; see ownerKinds. */
export interface RuleOwner {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly id?: string;
}

const K8S_OWNER_TYPE = 'k8s.ovn.org/owner-type';
const K8S_NAME = 'k8s.ovn.org/name';
const K8S_ID = 'k8s.ovn.org/id';
const NEUTRON_RULE = 'neutron:security_group_rule_id';
const NEUTRON_SG = 'neutron:security_group_id';
/** The port group Neutron puts every port in, whose ACLs drop what no security group allows. */
export const NEUTRON_DROP_GROUP = 'neutron_pg_drop';

/** ovn-kubernetes owner types whose `k8s.ovn.org/name` is a namespace. */
const NAMESPACED_K8S = new Set(['NetpolNamespace', 'EgressFirewall', 'MulticastNS']);
/** ovn-kubernetes owner types named here; any other owner type reports as `ovn-kubernetes`. */
const K8S_KINDS = new Set([
  'NetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'EgressFirewall',
  'NetpolNamespace',
  'NetpolNode',
  'MulticastNS',
  'MulticastCluster',
  'UDNIsolation',
]);

/** Every kind an owner can have: a bounded label set. */
export const OWNER_KINDS = [
  ...K8S_KINDS,
  'ovn-kubernetes',
  'neutron-security-group-rule',
  'neutron-default-drop',
  'acl',
] as const;

function k8sOwner(ids: StringMap, type: string): RuleOwner {
  const kind = K8S_KINDS.has(type) ? type : 'ovn-kubernetes';
  const raw = ids[K8S_NAME] ?? '';
  const id = ids[K8S_ID];
  const withId = (o: RuleOwner): RuleOwner => (id ? { ...o, id } : o);
  if (type === 'NetworkPolicy') {
    const i = raw.indexOf(':');
    if (i > 0) return withId({ kind, name: raw.slice(i + 1), namespace: raw.slice(0, i) });
  }
  if (NAMESPACED_K8S.has(type)) return withId({ kind, name: raw, namespace: raw });
  return withId({ kind, name: raw || type });
}

/** The security group of a Neutron ACL: its port group's external_ids, else the `pg_<uuid>` name. */
function securityGroupOf(t: Topology | null, acl: Acl): string {
  if (acl.owner.kind !== 'port_group') return acl.owner.name;
  const sg = t?.portGroups.get(acl.owner.name)?.externalIds[NEUTRON_SG];
  if (sg) return sg;
  const m = /^pg_([0-9a-f_]{36})$/i.exec(acl.owner.name);
  return m ? m[1]!.replaceAll('_', '-') : acl.owner.name;
}

/** Who made `acl` (see the file header); `t` gives port group external_ids when known. */
export function ruleOwner(acl: Acl, t: Topology | null): RuleOwner {
  const ids = acl.externalIds;
  const k8s = ids[K8S_OWNER_TYPE];
  if (k8s) return k8sOwner(ids, k8s);
  const rule = ids[NEUTRON_RULE];
  if (rule) return { kind: 'neutron-security-group-rule', name: securityGroupOf(t, acl), id: rule };
  if (acl.owner.kind === 'port_group' && acl.owner.name === NEUTRON_DROP_GROUP)
    return { kind: 'neutron-default-drop', name: NEUTRON_DROP_GROUP, id: acl.uuid };
  return { kind: 'acl', name: acl.name ?? acl.uuid, id: acl.uuid };
}
