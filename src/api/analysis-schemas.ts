// The zod schemas of the analysis endpoints (POST /api/v1/analysis/services and /reachers): requests
// validated with them, responses serialized with them, and /openapi.json built from the same objects.
// Request fields reuse the trace API's field schemas, so a bad MAC or port is reported the same way.

import { z } from 'zod';
import {
  allowedBySchema,
  ip,
  l4Port,
  mac,
  maxHops,
  portName,
  protocolSchema,
  traceResultSchema,
} from './trace-schemas.ts';

const engineSchema = traceResultSchema.shape.engine;

/** The trace request's fields that say who talks to whom; protocol and ports are the analysis's. */
export const servicesRequestSchema = z
  .strictObject({
    source_port: portName,
    source_mac: mac.optional(),
    source_ip: ip.optional(),
    destination_mac: mac.optional(),
    destination_ip: ip.optional(),
    max_hops: maxHops.optional(),
  })
  .meta({ id: 'ServicesRequest' });

const openRange = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    allowed_by: z.array(allowedBySchema),
  })
  .meta({
    id: 'OpenPortRange',
    description: 'Destination ports from..to (inclusive) that all reach the destination',
  });

export const servicesResponseSchema = z
  .object({
    source_port: z.string(),
    destination_ip: z.string(),
    tcp: z.array(openRange),
    udp: z.array(openRange),
    icmp: z.object({ reachable: z.boolean(), allowed_by: z.array(allowedBySchema) }),
    closed_ranges: z
      .object({ tcp: z.number().int(), udp: z.number().int() })
      .meta({ description: 'How many closed ranges lie between the open ones (not listed)' }),
    traces: z.number().int().meta({ description: 'Traces run: one per piece of the port space, plus ICMP' }),
    engine: engineSchema,
    warnings: z.array(z.string()),
  })
  .meta({ id: 'ServicesResponse' });

export const reachersRequestSchema = z
  .strictObject({
    destination_port: portName,
    protocol: protocolSchema.optional(),
    port: l4Port('port').optional(),
    destination_ip: ip.optional(),
    max_hops: maxHops.optional(),
  })
  .meta({ id: 'ReachersRequest' });

export const reachersResponseSchema = z
  .object({
    destination_port: z.string(),
    destination_ip: z.string(),
    protocol: protocolSchema,
    port: z.number().int().optional(),
    sources: z.array(
      z.object({
        ports: z.array(z.string()),
        switch: z.string(),
        port_groups: z.array(z.string()),
        allowed_by: z.array(allowedBySchema),
      }),
    ),
    reaching: z.number().int().meta({ description: 'Source ports that reach the destination' }),
    considered: z.number().int().meta({ description: 'VIF ports asked (the destination excluded)' }),
    classes: z.number().int().meta({ description: 'Groups of alike source ports: one trace each' }),
    skipped: z.number().int().meta({ description: "Ports without an address of the destination's family" }),
    engine: engineSchema,
    warnings: z.array(z.string()),
  })
  .meta({ id: 'ReachersResponse' });
