// The typed NB changes a what-if applies: one operation per ovn-nbctl command it supports, with the
// command's arguments and options as snake_case fields. `nbctl.ts` turns command lines into these; the
// API and the CLI's changes file accept them directly. Syntax is checked here (zod); meaning (does the
// switch exist, is the address valid) when the change is applied (apply.ts).

import { z } from 'zod';

const name = z.string().min(1, 'must not be empty');
const priority = z.number().int().min(0, 'must be in 0..32767').max(32767, 'must be in 0..32767');
const strings = z.array(z.string());

export const aclAddOp = z.strictObject({
  op: z.literal('acl-add'),
  /** A switch or a port group (as ovn-nbctl: `entity_type` says which when both names exist). */
  entity: name,
  entity_type: z.enum(['switch', 'port-group']).optional(),
  direction: z.enum(['from-lport', 'to-lport']),
  priority,
  match: name,
  action: z.enum(['allow', 'allow-related', 'allow-stateless', 'drop', 'reject']),
  name: z.string().optional(),
  log: z.boolean().optional(),
  severity: z.enum(['alert', 'warning', 'notice', 'info', 'debug']).optional(),
  label: z.number().int().min(0).optional(),
  apply_after_lb: z.boolean().optional(),
  may_exist: z.boolean().optional(),
});

export const OP_SCHEMAS = [
  aclAddOp,
  z.strictObject({
    op: z.literal('acl-del'),
    entity: name,
    entity_type: z.enum(['switch', 'port-group']).optional(),
    direction: z.enum(['from-lport', 'to-lport']).optional(),
    priority: priority.optional(),
    match: z.string().optional(),
  }),
  z.strictObject({
    op: z.literal('pg-add'),
    name,
    ports: strings.optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('pg-set-ports'), name, ports: strings }),
  z.strictObject({ op: z.literal('pg-del'), name, if_exists: z.boolean().optional() }),
  z.strictObject({ op: z.literal('address-set-create'), name, addresses: strings.optional() }),
  z.strictObject({ op: z.literal('address-set-set'), name, addresses: strings }),
  z.strictObject({ op: z.literal('address-set-add'), name, addresses: strings }),
  z.strictObject({ op: z.literal('address-set-remove'), name, addresses: strings }),
  z.strictObject({ op: z.literal('address-set-del'), name, if_exists: z.boolean().optional() }),
  z.strictObject({
    op: z.literal('lsp-add'),
    switch: name,
    port: name,
    parent: z.string().optional(),
    tag: z.number().int().min(0).max(4095).optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('lsp-del'), port: name, if_exists: z.boolean().optional() }),
  z.strictObject({ op: z.literal('lsp-set-addresses'), port: name, addresses: strings }),
  z.strictObject({ op: z.literal('lsp-set-port-security'), port: name, addresses: strings }),
  z.strictObject({
    op: z.literal('lr-route-add'),
    router: name,
    prefix: name,
    nexthop: name,
    port: z.string().optional(),
    policy: z.enum(['dst-ip', 'src-ip']).optional(),
    route_table: z.string().optional(),
    ecmp: z.boolean().optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lr-route-del'),
    router: name,
    prefix: z.string().optional(),
    nexthop: z.string().optional(),
    port: z.string().optional(),
    policy: z.enum(['dst-ip', 'src-ip']).optional(),
    route_table: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lr-nat-add'),
    router: name,
    type: z.enum(['snat', 'dnat', 'dnat_and_snat']),
    external_ip: name,
    logical_ip: name,
    logical_port: z.string().optional(),
    external_mac: z.string().optional(),
    external_port_range: z.string().optional(),
    gateway_port: z.string().optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lr-nat-del'),
    router: name,
    type: z.enum(['snat', 'dnat', 'dnat_and_snat']).optional(),
    ip: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lb-add'),
    lb: name,
    vip: name,
    backends: strings,
    protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lb-del'),
    lb: name,
    vip: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('ls-lb-add'), switch: name, lb: name, may_exist: z.boolean().optional() }),
  z.strictObject({
    op: z.literal('ls-lb-del'),
    switch: name,
    lb: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal('lr-lb-add'), router: name, lb: name, may_exist: z.boolean().optional() }),
  z.strictObject({
    op: z.literal('lr-lb-del'),
    router: name,
    lb: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lr-policy-add'),
    router: name,
    priority,
    match: name,
    action: z.enum(['allow', 'drop', 'reroute']),
    nexthops: strings.optional(),
    options: z.record(z.string(), z.string()).optional(),
    may_exist: z.boolean().optional(),
  }),
  z.strictObject({
    op: z.literal('lr-policy-del'),
    router: name,
    priority: priority.optional(),
    uuid: z.string().optional(),
    match: z.string().optional(),
    if_exists: z.boolean().optional(),
  }),
] as const;

export const opSchema = z.discriminatedUnion('op', OP_SCHEMAS);
export type ChangeOp = z.infer<typeof opSchema>;
export type OpName = ChangeOp['op'];
export const OP_NAMES: readonly OpName[] = OP_SCHEMAS.map((s) => s.shape.op.value);

/** One change as a request gives it: a typed operation or an ovn-nbctl command line. */
export const changeSchema = z.union([
  z.strictObject({ nbctl: z.string().min(1, 'must not be empty') }),
  opSchema,
]);
export type Change = z.infer<typeof changeSchema>;
