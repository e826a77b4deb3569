// Operational endpoints in Prometheus style: /-/healthy, /-/ready and /metrics.

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { routeDoc } from './openapi.ts';

/** What /-/ready reads: the runtime's readiness conditions (kept structural: the API sits below the runtime). */
export interface ReadinessView {
  isReady(): boolean;
  waitingFor(): string[];
}

export interface OpsDeps {
  readonly registry: Registry;
  readonly readiness: ReadinessView;
  /** Pre-rendered series appended to the registry's (the path monitor's per-check families). */
  readonly extraMetrics?: () => Promise<Buffer[]>;
}

/** Route options that list an operational endpoint in /openapi.json. */
const ops = (summary: string) => routeDoc('operations', summary);

export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get('/-/healthy', ops('Liveness: 200 while the process runs'), async (_req, reply) =>
    reply.type('text/plain').send('ovncp-monitor is Healthy.\n'),
  );
  app.get(
    '/-/ready',
    ops('Readiness: 503 until the first topology and the first round of checks'),
    async (_req, reply) => {
      if (deps.readiness.isReady()) return reply.type('text/plain').send('ovncp-monitor is Ready.\n');
      return reply
        .code(503)
        .type('text/plain')
        .send(`ovncp-monitor is not ready: waiting for ${deps.readiness.waitingFor().join(', ')}.\n`);
    },
  );
  app.get('/metrics', ops('Prometheus metrics (text exposition format)'), async (_req, reply) => {
    const text = await deps.registry.metrics();
    if (deps.extraMetrics)
      return reply
        .type(deps.registry.contentType)
        .send(Readable.from([Buffer.from(text), ...(await deps.extraMetrics())]));
    return reply.type(deps.registry.contentType).send(text);
  });
}
