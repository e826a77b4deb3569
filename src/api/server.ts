// Builds the fastify instance: logging through the daemon's pino logger, the API error body for
// every failure, the listener's TLS (web-config.ts) and timeouts, and the route modules each feature
// registers.

import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { ERRORS, isOvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { TlsServerOptions } from './web-config.ts';

/** Default for web.request_timeout: time allowed to receive a whole request (headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface HttpServerOptions {
  /** Serve HTTPS with these options (from --web.config.file) instead of plain HTTP. */
  readonly tls?: TlsServerOptions | undefined;
  /** A request not fully received by then gets 408 and its connection is closed (slow-body clients). */
  readonly requestTimeoutMs?: number | undefined;
}

/** Node options shared by http and https: how often, and how long, unfinished requests may linger. */
function timeoutOptions(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    // Node checks those deadlines on this interval (30 s by default, which would stretch a 10 s limit).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeoutMs / 4)),
  };
}

export function createHttpServer(logger: Logger, opts: HttpServerOptions = {}): FastifyInstance {
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeouts = timeoutOptions(requestTimeoutMs);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Scrapes and probes arrive every few seconds: per-request lines would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
    requestTimeout: requestTimeoutMs,
    ...(opts.tls ? { https: { ...opts.tls, ...timeouts } } : { http: timeouts }),
    // The https server is a plain one to every route and hook; only web-config.ts sees its TLS side.
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
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
