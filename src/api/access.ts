// Who may call what, and how often: bearer-token auth on /api/v1/* (and, when `web.metrics_auth` is
// set, on /metrics and /-/*), then a per-user token bucket on /api/v1/*. Without tokens, callers are
// anonymous and rate-limited per client IP (the daemon then only listens on loopback; see trace-api.ts).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenStore } from '../auth/tokens.ts';
import { OvncpError } from '../errors.ts';
import type { TokenBuckets } from './rate-limit.ts';

export interface AccessOptions {
  readonly tokens: TokenStore;
  readonly metricsAuth: boolean;
  readonly buckets: TokenBuckets;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, or null when auth is off. */
    apiUser?: string | null;
  }
}

function isApi(url: string): boolean {
  return url.startsWith('/api/v1/') || url === '/api/v1';
}

function isOps(url: string): boolean {
  return url.startsWith('/-/') || url === '/metrics' || url.startsWith('/metrics?');
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
}

function authenticate(req: FastifyRequest, reply: FastifyReply, tokens: TokenStore): string {
  const token = bearer(req);
  const user = token ? tokens.authenticate(token) : null;
  if (user) return user;
  reply.header('WWW-Authenticate', 'Bearer realm="ovncp-monitor"');
  throw new OvncpError(
    'OVNCP_ERR_UNAUTHORIZED',
    token ? 'Invalid bearer token' : 'Missing bearer token (send "Authorization: Bearer TOKEN")',
  );
}

function limit(req: FastifyRequest, reply: FastifyReply, o: AccessOptions): void {
  const key = req.apiUser ? `user:${req.apiUser}` : `ip:${req.ip}`;
  const r = o.buckets.take(key);
  reply.header('X-RateLimit-Limit', o.buckets.settings.burst);
  reply.header('X-RateLimit-Remaining', r.remaining);
  reply.header('X-RateLimit-Reset', r.resetSeconds);
  if (r.allowed) return;
  reply.header('Retry-After', r.retryAfterSeconds);
  throw new OvncpError(
    'OVNCP_ERR_RATE_LIMITED',
    `Rate limit exceeded (${o.buckets.settings.rate}/s, burst ${o.buckets.settings.burst}); retry in ${r.retryAfterSeconds}s`,
  );
}

/** Adds the auth and rate-limit hook to the root instance; call before registering routes. */
export function registerAccessControl(app: FastifyInstance, o: AccessOptions): void {
  const authOn = o.tokens.size > 0;
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url;
    // The matched route's pattern too, so no spelling of a URL that reaches an API route escapes auth.
    const route = req.routeOptions.url ?? '';
    const api = isApi(url) || isApi(route);
    if (authOn && (api || (o.metricsAuth && (isOps(url) || isOps(route))))) {
      req.apiUser = authenticate(req, reply, o.tokens);
    } else req.apiUser = null;
    if (api) limit(req, reply, o);
  });
  // Request logging is off server-wide (scrapes would drown the log); API calls are few and worth a line.
  app.addHook('onResponse', async (req, reply) => {
    if (!isApi(req.url)) return;
    req.log.info(
      {
        user: req.apiUser ?? null,
        method: req.method,
        url: req.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'trace API request',
    );
  });
}
