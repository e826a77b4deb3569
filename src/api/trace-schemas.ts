// The zod schemas of the trace API: the server validates requests with them, serializes responses
// with them, and @fastify/swagger turns the same objects into GET /openapi.json. Field names are the
// seed's (shared/seed/ovn-flow-tracing.md) plus the DESIGN.md §2 additions.

import { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import { isMac, parseIp } from '../ovn/net/addr.ts';

/** Puts our error code on a zod issue so the API error handler can report it (see api-errors.ts). */
function coded(code: ErrorCode) {
  return { params: { ovncp: code } };
}

export const mac = z
  .string()
  .refine((v) => isMac(v.trim()), {
    error: (i) => `Invalid MAC address: ${String(i.input)}`,
    ...coded('OVNCP_ERR_INVALID_MAC'),
  })
  .meta({ examples: ['00:00:00:00:00:01'], description: 'MAC address, xx:xx:xx:xx:xx:xx' });

export const ip = z
  .string()
  .refine((v) => parseIp(v.trim()) !== null, {
    error: (i) => `Invalid IP address: ${String(i.input)}`,
    ...coded('OVNCP_ERR_INVALID_IP'),
  })
  .meta({ examples: ['10.0.0.2'], description: 'IPv4 or IPv6 address' });

export function l4Port(field: string) {
  return z
    .number({ error: `${field} must be an integer in 0..65535` })
    .int({ error: `${field} must be an integer in 0..65535` })
    .min(0, { error: `${field} must be an integer in 0..65535` })
    .max(65535, { error: `${field} must be an integer in 0..65535` });
}

/** z.enum drops custom params, so api-errors.ts recognises this message prefix instead. */
export const UNKNOWN_PROTOCOL_PREFIX = 'Unknown protocol: ';

export const protocolSchema = z.enum(['tcp', 'udp', 'icmp'], {
  error: (i) => `${UNKNOWN_PROTOCOL_PREFIX}${JSON.stringify(i.input)} (want tcp, udp or icmp)`,
});

export const maxHops = z
  .number({ error: 'max_hops must be an integer in 1..100' })
  .int({ error: 'max_hops must be an integer in 1..100' })
  .min(1, { error: 'max_hops must be an integer in 1..100' })
  .max(100, { error: 'max_hops must be an integer in 1..100' });

export const portName = z
  .string({
    error: (i) =>
      i.input === undefined ? 'source_port is required' : 'source_port must be a port name or UUID',
  })
  .min(1, { error: 'source_port must not be empty' })
  .max(256);

/** POST /trace/flow and /trace/simulate. Only source_port is required; the engine fills the rest. */
export const traceRequestSchema = z
  .strictObject({
    source_port: portName,
    source_mac: mac.optional(),
    source_ip: ip.optional(),
    destination_mac: mac.optional(),
    destination_ip: ip.optional(),
    protocol: protocolSchema.optional(),
    source_port_num: l4Port('source_port_num').optional(),
    destination_port_num: l4Port('destination_port_num').optional(),
    verbose: z.boolean().optional(),
    max_hops: maxHops.optional(),
  })
  .meta({ id: 'TraceRequest' });

export const multiPathRequestSchema = z
  .strictObject({
    source_port: portName,
    source_mac: mac.optional(),
    source_ip: ip.optional(),
    destination_mac: mac.optional(),
    destination_ip: ip,
    protocols: z.array(protocolSchema).min(1).max(3).optional(),
    ports: z.array(l4Port('ports')).min(1).max(1000).optional(),
    max_hops: maxHops.optional(),
  })
  .meta({ id: 'MultiPathRequest' });

export const connectivityRequestSchema = z
  .strictObject({
    source_port: portName,
    target_ports: z.array(z.string().min(1).max(256)).min(1).max(200),
    protocols: z.array(protocolSchema).min(1).max(3).optional(),
    ports: z.array(l4Port('ports')).min(1).max(1000).optional(),
    max_hops: maxHops.optional(),
  })
  .meta({ id: 'ConnectivityRequest' });

export const portParamsSchema = z.strictObject({ port: z.string().min(1).max(256) });

const aclMatchSchema = z.object({
  acl_name: z.string().nullable(),
  priority: z.number(),
  direction: z.enum(['ingress', 'egress']),
  action: z.string(),
  match: z.string(),
  attached_to: z.string().optional(),
  owner: z
    .object({
      kind: z.string(),
      name: z.string(),
      namespace: z.string().optional(),
      id: z.string().optional(),
    })
    .optional(),
  uuid: z.string().optional(),
  tier: z.number().optional(),
});

/** One ACL stage that let the packet through: the deciding ACL, or null for the switch's default allow. */
export const allowedBySchema = z
  .object({
    datapath: z.string(),
    stage: z.string(),
    direction: z.enum(['ingress', 'egress']),
    acl: aclMatchSchema.nullable(),
    reason: z.string().meta({
      description: 'The ACL (name, priority, direction, action, match), or "no ACL matched: default allow"',
    }),
  })
  .meta({ id: 'AllowedBy' });

export const hopSchema = z
  .object({
    index: z.number().int(),
    type: z.enum(['port_security', 'acl', 'l2_lookup', 'l3_routing', 'nat', 'load_balancer', 'flow']),
    component: z.string(),
    action: z.enum(['forward', 'drop', 'output', 'modify']),
    description: z.string(),
    next_hop: z.string().optional(),
    acl_matches: z.array(aclMatchSchema).optional(),
    datapath: z.string().optional(),
    stage: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Hop' });

/** The request as the engine echoes it (already validated, so plain types here). */
const echoedRequestSchema = z.object({
  source_port: z.string(),
  source_mac: z.string().optional(),
  source_ip: z.string().optional(),
  destination_mac: z.string().optional(),
  destination_ip: z.string().optional(),
  protocol: z.enum(['tcp', 'udp', 'icmp']).optional(),
  source_port_num: z.number().optional(),
  destination_port_num: z.number().optional(),
  verbose: z.boolean().optional(),
  max_hops: z.number().optional(),
});

export const traceResultSchema = z
  .object({
    request: echoedRequestSchema,
    success: z.boolean(),
    reaches_destination: z.boolean(),
    hops: z.array(hopSchema),
    summary: z.string(),
    dropped_at: hopSchema.nullable(),
    output_ports: z.array(z.string()),
    warnings: z.array(z.string()),
    engine: z.enum(['model', 'ovn-trace', 'lflow']),
    backends: z
      .array(z.object({ backend: z.string(), reached: z.boolean(), output_ports: z.array(z.string()) }))
      .optional(),
    raw: z.string().optional(),
    truncated: z.boolean().meta({
      description:
        'True when max_hops stopped the trace before the packet was delivered or dropped: the hops are the first max_hops, dropped_at is null, the summary says where it was cut',
    }),
    allowed_by: z.array(allowedBySchema).meta({
      description: 'Every ACL stage passed that let the packet through, in order, with what decided it',
    }),
  })
  .meta({ id: 'TraceResult' });

export const pathResultSchema = z.object({
  protocol: protocolSchema,
  port: z.number().int().optional(),
  reaches_destination: z.boolean(),
  blocked: z.boolean(),
  blocked_by: z.string().optional(),
  hop_count: z.number().int(),
});

export const multiPathResponseSchema = z
  .object({
    source_port: z.string(),
    destination_ip: z.string(),
    paths: z.array(pathResultSchema),
    summary: z.string(),
    engine: z.enum(['model', 'ovn-trace', 'lflow']),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'MultiPathResponse' });

export const connectivityResponseSchema = z
  .object({
    source_port: z.string(),
    target_ports: z.array(
      z.object({
        port_name: z.string(),
        port_ip: z.string().nullable(),
        reachable: z.boolean(),
        protocols: z.record(z.string(), z.boolean()),
        blocked_by: z.record(z.string(), z.string()).optional(),
      }),
    ),
    fully_reachable: z.boolean(),
    recommendations: z.array(z.string()),
    engine: z.enum(['model', 'ovn-trace', 'lflow']),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'ConnectivityResponse' });

export const portAddressesResponseSchema = z
  .object({
    port_id: z.string(),
    port_name: z.string(),
    addresses: z.array(z.object({ mac: z.string().nullable(), ip: z.string().nullable() })),
    type: z.string(),
  })
  .meta({ id: 'PortAddresses' });

export const errorBodySchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
  })
  .meta({ id: 'Error' });

export type TraceRequestBody = z.infer<typeof traceRequestSchema>;
export type MultiPathRequestBody = z.infer<typeof multiPathRequestSchema>;
export type ConnectivityRequestBody = z.infer<typeof connectivityRequestSchema>;
export type MultiPathResponse = z.infer<typeof multiPathResponseSchema>;
export type ConnectivityResponse = z.infer<typeof connectivityResponseSchema>;
export type PortAddressesResponse = z.infer<typeof portAddressesResponseSchema>;
export type PathResult = z.infer<typeof pathResultSchema>;
