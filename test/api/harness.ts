// Builds the daemon's HTTP server with the trace API for in-process tests (app.inject), with the
// engines a test chooses. Besides the real model engine (verdict tests), API transport tests use small
// test engines defined here: they resolve requests with the real resolveRequest (so validation and
// auto-fill errors are the production ones) but stand in for the pipeline, to make slowness and
// unavailability controllable. They never decide a verdict a test asserts about the network.

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createHttpServer } from '../../src/api/server.ts';
import { setupTraceApi, type TraceApiSettings } from '../../src/api/trace-api.ts';
import { sha256, TokenStore } from '../../src/auth/tokens.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import type { TraceEngine, TraceRequest, TraceResult } from '../../src/engine/types.ts';
import { OvncpError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { loadDemoTopology } from '../../src/ovn/topology/load.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';

export const demo: Topology = loadDemoTopology();

export interface AppOptions {
  engine?: TraceEngine;
  model?: TraceEngine;
  tokens?: Record<string, string>;
  metricsAuth?: boolean;
  rate?: number;
  burst?: number;
  timeoutMs?: number;
  maxTracesPerRequest?: number;
  topology?: Topology | null;
  authFailures?: { rate: number; burst: number };
  registry?: Registry;
}

export async function buildApp(o: AppOptions = {}): Promise<FastifyInstance> {
  const app = createHttpServer(createLogger(process.env.TEST_LOG ?? 'silent', 'json'));
  // Stand-ins for the daemon's own routes, so access control can be tested on every kind of route.
  app.get('/metrics', async () => 'm 1\n');
  app.get('/-/healthy', async () => 'healthy\n');
  app.get('/-/ready', async () => 'ready\n');
  app.post('/-/reload', async () => ({ status: 'reloaded' }));
  app.get('/', async () => 'landing page\n');
  const tokens = new TokenStore(
    Object.entries(o.tokens ?? {}).map(([user, t]) => ({ user, digest: sha256(t) })),
  );
  const api: TraceApiSettings = {
    tokens,
    metricsAuth: o.metricsAuth ?? false,
    rate: o.rate ?? 1000,
    burst: o.burst ?? 1000,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxTracesPerRequest: o.maxTracesPerRequest ?? 500,
    ...(o.authFailures ? { authFailures: o.authFailures } : {}),
  };
  const topo = o.topology === undefined ? demo : o.topology;
  const engine = o.engine ?? resolvingEngine(() => demo);
  setupTraceApi(
    app,
    api,
    {
      topology: () => {
        if (!topo) throw new OvncpError('OVNCP_ERR_NOT_READY', 'Topology not loaded yet');
        return topo;
      },
      flowEngine: () => engine,
      modelEngine: () => o.model ?? engine,
    },
    undefined,
    o.registry,
  );
  await app.ready();
  return app;
}

/** Resolves the request for real, then reports delivery to the destination's owner port (test stand-in). */
export function resolvingEngine(
  topology: () => Topology,
  name: 'model' | 'ovn-trace' = 'model',
): TraceEngine & {
  calls: TraceRequest[];
} {
  const calls: TraceRequest[] = [];
  return {
    name,
    calls,
    async trace(request) {
      calls.push(request);
      const r = resolveRequest(topology(), request);
      const out = r.destinationPort;
      const hop = {
        index: 0,
        type: 'port_security' as const,
        component: `ingress(dp="${r.datapath}")`,
        action: 'forward' as const,
        description: 'test stand-in',
      };
      const result: TraceResult = {
        request,
        success: true,
        reaches_destination: out !== null,
        hops: [hop],
        summary: 'test stand-in',
        dropped_at: out === null ? { ...hop, action: 'drop' } : null,
        output_ports: out ? [out] : [],
        warnings: [...r.warnings],
        engine: name,
      };
      return result;
    },
  };
}

/** Never answers until aborted (then rejects with the abort reason). */
export function hangingEngine(): TraceEngine & { aborted: () => boolean } {
  let aborted = false;
  return {
    name: 'ovn-trace',
    aborted: () => aborted,
    trace(_req, opts) {
      return new Promise((_resolve, reject) => {
        opts?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(opts.signal!.reason);
        });
      });
    },
  };
}

export function unavailableEngine(): TraceEngine {
  return {
    name: 'ovn-trace',
    async trace() {
      throw new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', 'ovn-trace is not installed');
    },
  };
}
