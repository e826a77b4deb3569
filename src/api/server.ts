// Builds the fastify instance: logging through the daemon's pino logger, the API error body for
// every failure, and the route modules each feature registers.

import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { ERRORS, isOvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';

export function createHttpServer(logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Scrapes and probes arrive every few seconds: per-request lines would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
  });
  app.setErrorHandler((err, _req, reply) => {
    if (isOvncpError(err)) return reply.code(err.status).send(err.toBody());
    const e = err as { statusCode?: number; code?: string; message: string; validation?: unknown };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) {
      logger.error({ err }, 'request failed');
      return reply
        .code(500)
        .send({ error: { code: 'OVNCP_ERR_INTERNAL', message: ERRORS.OVNCP_ERR_INTERNAL.title } });
    }
    return reply.code(status).send({ error: { code: 'OVNCP_ERR_BAD_REQUEST', message: e.message } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'OVNCP_ERR_NOT_FOUND', message: `No route for ${req.method} ${req.url}` } }),
  );
  return app;
}

/** Splits `host:port` (or `[v6]:port`, or `:port` = all interfaces) for listen(). */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new Error(`invalid listen address "${addr}" (want host:port)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
