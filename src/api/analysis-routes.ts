// POST /api/v1/analysis/services (the exact TCP/UDP port ranges and ICMP a source reaches a destination
// on) and POST /api/v1/analysis/reachers (every source port that reaches a destination port on one
// service). Routes hold no analysis: src/analysis does it on the topology taken once per request, under
// the request's deadline and the configured limits.

import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { allowedServices, servicesResponse } from '../analysis/allowed-services.ts';
import { reachers } from '../analysis/reachers.ts';
import {
  reachersRequestSchema,
  reachersResponseSchema,
  servicesRequestSchema,
  servicesResponseSchema,
} from './analysis-schemas.ts';
import { apiErrorHandler } from './api-errors.ts';
import { type TraceApiDeps, withDeadline } from './trace-routes.ts';
import { errorBodySchema } from './trace-schemas.ts';

export const DEFAULT_MAX_RANGES = 2048;
export const DEFAULT_MAX_SOURCES = 10_000;

export interface AnalysisApiDeps extends Omit<TraceApiDeps, 'maxTracesPerRequest'> {
  /** analysis.max_ranges: traces one services answer may run (one per piece of the port space). */
  readonly maxRanges: number;
  /** analysis.max_sources: groups of source ports (one trace each) one reachers answer may trace. */
  readonly maxSources: number;
}

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  404: errorBodySchema,
  422: errorBodySchema,
  429: errorBodySchema,
  503: errorBodySchema,
  504: errorBodySchema,
};
const security = [{ bearerAuth: [] }];

function registerServices(app: FastifyInstance, deps: AnalysisApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/analysis/services',
    {
      schema: {
        summary: 'Exact TCP/UDP destination port ranges and ICMP a source port reaches a destination on',
        description:
          'The port space is cut at every constant the ACLs, router policies and load-balancer VIPs on the way compare against; one trace per piece; adjacent pieces that end alike are merged. Only open ranges are listed.',
        tags: ['analysis'],
        security,
        body: servicesRequestSchema,
        response: { 200: servicesResponseSchema, ...errors },
      },
    },
    async (req) => {
      const network = deps.topology();
      const engine = deps.flowEngine();
      const a = await withDeadline(deps.timeoutMs, (signal) =>
        allowedServices(engine, req.body, { network, maxTraces: deps.maxRanges, signal }),
      );
      const out = servicesResponse(req.body, a);
      const stale = deps.staleness?.();
      if (stale) out.warnings.push(stale);
      return out;
    },
  );
}

function registerReachers(app: FastifyInstance, deps: AnalysisApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/analysis/reachers',
    {
      schema: {
        summary: 'Every source port that reaches a destination port on one service, with the deciding ACLs',
        description:
          'Source ports that every trace treats alike (same switch, port groups, position among the source-address constants of the network, port-security shape) are traced once per group.',
        tags: ['analysis'],
        security,
        body: reachersRequestSchema,
        response: { 200: reachersResponseSchema, ...errors },
      },
    },
    async (req) => {
      const network = deps.topology();
      const engine = deps.flowEngine();
      const a = await withDeadline(deps.timeoutMs, (signal) =>
        reachers(engine, req.body, { network, maxSources: deps.maxSources, signal }),
      );
      const stale = deps.staleness?.();
      return {
        ...a,
        sources: a.sources.map((s) => ({
          ...s,
          port_groups: [...s.port_groups],
          allowed_by: [...s.allowed_by],
        })),
        warnings: stale ? [...a.warnings, stale] : a.warnings,
      };
    },
  );
}

/** Registers the analysis endpoints in their own scope (zod compilers, API error handler). */
export async function analysisRoutes(app: FastifyInstance, deps: AnalysisApiDeps): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler);
  registerServices(app, deps);
  registerReachers(app, deps);
}
