// Who may call what, and how often. With tokens, every request needs a bearer token (the API, the
// pages, /-/reload, /openapi.json, unknown URLs) except the scrape and probe endpoints /metrics,
// /-/healthy and /-/ready, which stay open unless `web.metrics_auth`, and the pages' static assets.
// Failed authentications are throttled per client address and counted. /api/v1/* then has a per-user
// token bucket. Without tokens, callers are anonymous and rate-limited per client IP (the daemon then
// only listens on loopback).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { TokenStore } from '../auth/tokens.ts';
import { OvncpError } from '../errors.ts';
import type { TokenBuckets } from './rate-limit.ts';

export interface AccessOptions {
  readonly tokens: TokenStore;
  readonly metricsAuth: boolean;
  readonly buckets: TokenBuckets;
  /** Failed authentications per client address (an empty bucket locks the address out for a while). */
  readonly failures: TokenBuckets;
  /** Where `ovncp_http_auth_failures_total` goes (a throwaway registry when absent). */
  readonly registry?: Registry | undefined;
}

/** Why a request failed authentication (the label of ovncp_http_auth_failures_total). */
type FailureReason = 'missing' | 'invalid' | 'throttled';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, or null when auth is off. */
    apiUser?: string | null;
  }
}

function isApi(url: string): boolean {
  return url.startsWith('/api/v1/') || url === '/api/v1';
}

/** Routes a scraper or a kubelet probe calls: open unless `web.metrics_auth`. */
const OPEN_ROUTES = new Set(['/metrics', '/-/healthy', '/-/ready']);

/**
 * Route patterns of static page assets: always open, since a `<script src>` cannot carry a token.
 * They hold library code and our page script, never data (the pages and /docs/json need a token).
 */
const ASSET_ROUTES = ['/pages/assets/', '/docs/static/'];

/**
 * Whether a request may go without a token. Decided by the matched route's pattern only, so no
 * spelling of a URL (query, encoding, double slash) can turn a protected route into an open one, and
 * an unknown URL needs a token too (its 404 tells nothing to a stranger).
 */
function isOpen(req: FastifyRequest, metricsAuth: boolean): boolean {
  const route = req.routeOptions.url ?? '';
  return (!metricsAuth && OPEN_ROUTES.has(route)) || ASSET_ROUTES.some((p) => route.startsWith(p));
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
}

type Fail = (reason: FailureReason) => void;

/** A locked-out address gets 429 before its token is even looked at: no more guesses for a while. */
function refuseLockedOut(req: FastifyRequest, reply: FastifyReply, o: AccessOptions, fail: Fail): void {
  const wait = o.failures.waitSeconds(`ip:${req.ip}`);
  if (wait === 0) return;
  fail('throttled');
  reply.header('Retry-After', wait);
  throw new OvncpError(
    'OVNCP_ERR_RATE_LIMITED',
    `Too many failed authentications from this address; retry in ${wait}s`,
  );
}

function authenticate(req: FastifyRequest, reply: FastifyReply, o: AccessOptions, fail: Fail): string {
  refuseLockedOut(req, reply, o, fail);
  const token = bearer(req);
  const user = token ? o.tokens.authenticate(token) : null;
  if (user) return user;
  // Only a wrong token is a guess; a missing one (a browser's first try) is counted but not throttled.
  fail(token ? 'invalid' : 'missing');
  if (token) o.failures.take(`ip:${req.ip}`);
  reply.header('WWW-Authenticate', 'Bearer realm="ovncp-monitor"');
  throw new OvncpError(
    'OVNCP_ERR_UNAUTHORIZED',
    token ? 'Invalid bearer token' : 'Missing bearer token (send "Authorization: Bearer TOKEN")',
  );
}

function failureCounter(registry: Registry | undefined): Counter<'reason'> {
  const c = new Counter({
    name: 'ovncp_http_auth_failures_total',
    help: 'HTTP requests refused for authentication: missing or invalid bearer token, or throttled (too many failures from the address).',
    labelNames: ['reason'],
    registers: registry ? [registry] : [],
  });
  for (const r of ['missing', 'invalid', 'throttled']) c.inc({ reason: r }, 0);
  return c;
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
  const failures = failureCounter(o.registry);
  const fail: Fail = (reason) => failures.inc({ reason });
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url;
    // The matched route's pattern too, so no spelling of a URL that reaches an API route escapes auth.
    const route = req.routeOptions.url ?? '';
    const api = isApi(url) || isApi(route);
    if (authOn && !isOpen(req, o.metricsAuth)) req.apiUser = authenticate(req, reply, o, fail);
    else req.apiUser = null;
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
