// The five trace endpoints of the seed (shared/seed/ovn-flow-tracing.md), validated and serialized
// with the zod schemas of trace-schemas.ts. Routes hold no tracing logic: one trace goes straight to an
// engine, fan-outs go to src/analysis, port lookups to the topology layer.

import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { connectivity } from '../analysis/connectivity.ts';
import { multiPath } from '../analysis/multi-path.ts';
import { traceWithin } from '../analysis/run-trace.ts';
import { toTraceResult } from '../engine/result/api.ts';
import type { TraceEngine } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import { portAddresses } from '../ovn/topology/port-addresses.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { apiErrorHandler } from './api-errors.ts';
import {
  connectivityRequestSchema,
  connectivityResponseSchema,
  errorBodySchema,
  multiPathRequestSchema,
  multiPathResponseSchema,
  portAddressesResponseSchema,
  portParamsSchema,
  traceRequestSchema,
  traceResultSchema,
} from './trace-schemas.ts';

export interface TraceApiDeps {
  /**
   * The current topology; throws an OvncpError (503) before one is loaded. Called once per request:
   * every trace of the request runs on the object it returned.
   */
  topology(): Topology;
  /** The configured engine (`--engine`); throws OVNCP_ERR_ENGINE_UNAVAILABLE (503) when it cannot run. */
  flowEngine(): TraceEngine;
  /** The in-process model engine (for /simulate). */
  modelEngine(): TraceEngine;
  /** Per-request deadline, covering every trace of a fan-out. */
  readonly timeoutMs: number;
  /** Bound on the traces one multi-path/connectivity request may run. */
  readonly maxTracesPerRequest: number;
  /** A warning for every trace while the topology may be out of date (e.g. NB disconnected), else null. */
  staleness?(): string | null;
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema };
const traceErrors = { ...errors, 422: errorBodySchema, 503: errorBodySchema, 504: errorBodySchema };
const security = [{ bearerAuth: [] }];

/** Runs `fn` with an AbortSignal that fires (with a 504 OvncpError) after the request's deadline. */
export async function withDeadline<T>(
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ctl = new AbortController();
  const secs = timeoutMs / 1000;
  const timer = setTimeout(
    () =>
      ctl.abort(new OvncpError('OVNCP_ERR_TIMEOUT', `Trace timed out after ${secs}s (web.trace_timeout)`)),
    timeoutMs,
  );
  try {
    return await fn(ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}

function registerSingleTrace(app: FastifyInstance, deps: TraceApiDeps, path: string, model: boolean): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    path,
    {
      schema: {
        summary: model ? 'Simulate one trace with the in-process model engine' : 'Trace one packet',
        tags: ['trace'],
        security,
        body: traceRequestSchema,
        response: { 200: traceResultSchema, ...traceErrors },
      },
    },
    async (req) => {
      // Readiness and the trace use the same topology object, even if a new one arrives meanwhile.
      const t = deps.topology();
      const engine = model ? deps.modelEngine() : deps.flowEngine();
      const tree = await withDeadline(deps.timeoutMs, (signal) => traceWithin(engine, req.body, t, signal));
      const result = toTraceResult(tree);
      const stale = deps.staleness?.();
      if (stale) result.warnings.push(stale);
      return result;
    },
  );
}

function registerFanOuts(app: FastifyInstance, deps: TraceApiDeps): void {
  const z = app.withTypeProvider<ZodTypeProvider>();
  z.post(
    '/api/v1/trace/multi-path',
    {
      schema: {
        summary: 'Trace every protocol × destination port between a port and an address',
        tags: ['trace'],
        security,
        body: multiPathRequestSchema,
        response: { 200: multiPathResponseSchema, ...traceErrors },
      },
    },
    async (req) => {
      const network = deps.topology();
      const engine = deps.flowEngine();
      const maxTraces = deps.maxTracesPerRequest;
      return withDeadline(deps.timeoutMs, (signal) =>
        multiPath(engine, req.body, { network, maxTraces, signal }),
      );
    },
  );
  z.post(
    '/api/v1/trace/connectivity',
    {
      schema: {
        summary: 'Which target ports a source port reaches, on which services, and what blocks the rest',
        tags: ['trace'],
        security,
        body: connectivityRequestSchema,
        response: { 200: connectivityResponseSchema, ...traceErrors },
      },
    },
    async (req) => {
      const t = deps.topology();
      const engine = deps.flowEngine();
      const maxTraces = deps.maxTracesPerRequest;
      return withDeadline(deps.timeoutMs, (signal) =>
        connectivity(t, engine, req.body, { maxTraces, signal }),
      );
    },
  );
}

function registerPortAddresses(app: FastifyInstance, deps: TraceApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/trace/ports/:port/addresses',
    {
      schema: {
        summary: 'MAC/IP pairs of a logical port, by name or UUID',
        tags: ['trace'],
        security,
        params: portParamsSchema,
        response: { 200: portAddressesResponseSchema, ...errors, 503: errorBodySchema },
      },
    },
    async (req) => {
      const found = portAddresses(deps.topology(), req.params.port);
      if (!found) {
        throw new OvncpError('OVNCP_ERR_PORT_NOT_FOUND', `Port not found: ${req.params.port}`, {
          field: 'port',
        });
      }
      return { ...found, addresses: [...found.addresses] };
    },
  );
}

/** Registers the trace endpoints in their own scope (zod compilers, API error handler). */
export async function traceRoutes(app: FastifyInstance, deps: TraceApiDeps): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler);
  registerSingleTrace(app, deps, '/api/v1/trace/flow', false);
  registerSingleTrace(app, deps, '/api/v1/trace/simulate', true);
  registerFanOuts(app, deps);
  registerPortAddresses(app, deps);
}
