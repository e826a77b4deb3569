// The snapshot document: a human-editable description of the logical network using names, not UUIDs.
// The same shape is what `snapshot` writes from a live NB, so a file and a live source build alike.
// Syntax (types, required keys, unknown keys) is checked here; meaning (references, addresses) in build.ts.

import { z } from 'zod';
import { OVN_RELEASES } from './types.ts';

const stringMap = z.record(z.string(), z.string());
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'not a UUID');
const name = z.string().min(1, 'must not be empty');

export const aclSchema = z.strictObject({
  uuid: uuid.optional(),
  name: z.string().nullable().optional(),
  direction: z.enum(['from-lport', 'to-lport']),
  priority: z
    .number()
    .int()
    .min(0, 'ACL priority must be in 0..32767')
    .max(32767, 'ACL priority must be in 0..32767'),
  match: z.string().min(1, 'match must not be empty'),
  action: z.enum(['allow', 'allow-related', 'allow-stateless', 'drop', 'reject', 'pass']),
  /** 23.06+: tiers are evaluated from 0 up; `pass` goes on to the next tier. */
  tier: z.number().int().min(0, 'ACL tier must be in 0..3').max(3, 'ACL tier must be in 0..3').optional(),
  log: z.boolean().optional(),
  severity: z.enum(['alert', 'warning', 'notice', 'info', 'debug']).nullable().optional(),
  label: z.number().int().min(0).max(4294967295).optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const switchPortSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  type: z.string().optional(),
  addresses: z.array(z.string()).optional(),
  dynamic_addresses: z.string().nullable().optional(),
  port_security: z.array(z.string()).optional(),
  options: stringMap.optional(),
  up: z.boolean().nullable().optional(),
  enabled: z.boolean().nullable().optional(),
  tag: z.number().int().min(0).max(4095).nullable().optional(),
  external_ids: stringMap.optional(),
});

export const switchSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  ports: z.array(switchPortSchema).optional(),
  acls: z.array(aclSchema).optional(),
  load_balancers: z.array(name).optional(),
  /** Load_Balancer_Group names: each group's load balancers apply here as if listed in load_balancers. */
  load_balancer_groups: z.array(name).optional(),
  other_config: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const portGroupSchema = z.strictObject({
  uuid: uuid.optional(),
  name: z.string().regex(/^[A-Za-z_.][A-Za-z0-9_.]*$/, 'port group names must be [A-Za-z_.][A-Za-z0-9_.]*'),
  ports: z.array(name).optional(),
  acls: z.array(aclSchema).optional(),
  external_ids: stringMap.optional(),
});

export const addressSetSchema = z.strictObject({
  uuid: uuid.optional(),
  name: z.string().regex(/^[A-Za-z_.][A-Za-z0-9_.]*$/, 'address set names must be [A-Za-z_.][A-Za-z0-9_.]*'),
  addresses: z.array(z.string()).optional(),
  external_ids: stringMap.optional(),
});

/** NB HA_Chassis_Group of a gateway port: its chassis by priority (the highest is the active one). */
export const haChassisGroupSchema = z.strictObject({
  name,
  ha_chassis: z.array(
    z.strictObject({ chassis_name: z.string().min(1), priority: z.number().int().min(0).max(32767) }),
  ),
});

export const routerPortSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  mac: z.string(),
  networks: z.array(z.string()).min(1, 'a router port needs at least one network'),
  peer: z.string().nullable().optional(),
  enabled: z.boolean().nullable().optional(),
  gateway_chassis: z.array(z.string()).optional(),
  ha_chassis_group: haChassisGroupSchema.optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const staticRouteSchema = z.strictObject({
  uuid: uuid.optional(),
  ip_prefix: z.string(),
  nexthop: z.string(),
  policy: z.enum(['dst-ip', 'src-ip']).optional(),
  output_port: z.string().nullable().optional(),
  route_table: z.string().optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const routerPolicySchema = z.strictObject({
  uuid: uuid.optional(),
  priority: z.number().int().min(0).max(32767),
  match: z.string().min(1),
  action: z.enum(['allow', 'drop', 'reroute', 'jump']),
  nexthops: z.array(z.string()).optional(),
  nexthop: z.string().optional(),
  /** 25.03+: the chain the policy belongs to ('' or absent: the default chain). */
  chain: z.string().optional(),
  /** 25.03+: for action `jump`, the chain to continue in. */
  jump_chain: z.string().optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const natSchema = z.strictObject({
  uuid: uuid.optional(),
  type: z.enum(['snat', 'dnat', 'dnat_and_snat']),
  external_ip: z.string(),
  external_mac: z.string().nullable().optional(),
  logical_ip: z.string(),
  logical_port: z.string().nullable().optional(),
  external_port_range: z.string().nullable().optional(),
  gateway_port: z.string().nullable().optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const routerSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  ports: z.array(routerPortSchema).optional(),
  static_routes: z.array(staticRouteSchema).optional(),
  policies: z.array(routerPolicySchema).optional(),
  nat: z.array(natSchema).optional(),
  load_balancers: z.array(name).optional(),
  load_balancer_groups: z.array(name).optional(),
  enabled: z.boolean().nullable().optional(),
  options: stringMap.optional(),
  external_ids: stringMap.optional(),
});

export const loadBalancerSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  protocol: z.enum(['tcp', 'udp', 'sctp']).nullable().optional(),
  vips: stringMap.optional(),
  options: stringMap.optional(),
  selection_fields: z.array(z.string()).optional(),
  external_ids: stringMap.optional(),
});

/** NB Load_Balancer_Group (ovn-kubernetes puts its cluster-wide Services in a few of them). */
export const loadBalancerGroupSchema = z.strictObject({
  uuid: uuid.optional(),
  name,
  load_balancers: z.array(name).optional(),
});

export const snapshotSchema = z.strictObject({
  version: z.literal(1).optional(),
  description: z.string().optional(),
  /** The OVN feature release that wrote it (e.g. "25.03"); without it the model's 23.03 is assumed. */
  ovn_version: z.enum(OVN_RELEASES).optional(),
  nb_global: z.strictObject({ options: stringMap.optional() }).optional(),
  address_sets: z.array(addressSetSchema).optional(),
  port_groups: z.array(portGroupSchema).optional(),
  load_balancers: z.array(loadBalancerSchema).optional(),
  load_balancer_groups: z.array(loadBalancerGroupSchema).optional(),
  switches: z.array(switchSchema).optional(),
  routers: z.array(routerSchema).optional(),
});

export type SnapshotDoc = z.infer<typeof snapshotSchema>;
export type SnapshotAcl = z.infer<typeof aclSchema>;
export type SnapshotSwitch = z.infer<typeof switchSchema>;
export type SnapshotSwitchPort = z.infer<typeof switchPortSchema>;
export type SnapshotRouter = z.infer<typeof routerSchema>;
