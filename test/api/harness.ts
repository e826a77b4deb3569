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
import type { TraceBranch, TraceTree } from '../../src/engine/result/tree.ts';
import type { TraceEngine, TraceRequest } from '../../src/engine/types.ts';
import { OvncpError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

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
  maxRanges?: number;
  maxSources?: number;
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
    ...(o.maxRanges === undefined ? {} : { maxRanges: o.maxRanges }),
    ...(o.maxSources === undefined ? {} : { maxSources: o.maxSources }),
    ...(o.authFailures ? { authFailures: o.authFailures } : {}),
  };
  const topo = o.topology === undefined ? demo : o.topology;
  const engine = o.engine ?? resolvingEngine();
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

/**
 * Resolves the request for real on the topology the route passes, then reports delivery to the
 * destination's owner port (test stand-in).
 */
export function resolvingEngine(name: 'model' | 'ovn-trace' = 'model'): TraceEngine & {
  calls: TraceRequest[];
} {
  const calls: TraceRequest[] = [];
  return {
    name,
    calls,
    async trace(request, options): Promise<TraceTree> {
      calls.push(request);
      const r = resolveRequest(options.network, request);
      const out = r.destinationPort;
      const hop = {
        index: 0,
        type: 'port_security' as const,
        component: `ingress(dp="${r.datapath}")`,
        action: 'forward' as const,
        description: 'test stand-in',
      };
      const branch: TraceBranch = {
        hops: [hop],
        count: 1,
        outputs: out ? [out] : [],
        dropped: out === null ? { ...hop, action: 'drop' } : null,
        lastType: hop.type,
        backend: null,
        member: null,
        answeredBy: null,
        truncated: false,
        reached: out !== null,
      };
      return {
        engine: name,
        request,
        from: r.sourcePort,
        to: request.destination_ip ?? '',
        branches: [branch],
        shown: branch,
        reached: branch.reached,
        outputPorts: branch.outputs,
        visited: [r.datapath],
        warnings: [...r.warnings],
        acl: [],
        truncated: false,
      };
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
