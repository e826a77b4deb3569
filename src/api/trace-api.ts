// Wires the trace API into a daemon's HTTP server from its settings: tokens (file and environment),
// the loopback-only rule when there are none, rate limits, the trace deadline and fan-out bound, the
// OpenAPI document, and the routes. The daemon calls setupTraceApi() once before listening.

import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { loadTokens, TOKENS_ENV, type TokenStore } from '../auth/tokens.ts';
import type { DaemonSettings } from '../config/daemon-config.ts';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { registerAccessControl } from './access.ts';
import {
  type AnalysisApiDeps,
  analysisRoutes,
  DEFAULT_MAX_RANGES,
  DEFAULT_MAX_SOURCES,
} from './analysis-routes.ts';
import { registerOpenApi } from './openapi.ts';
import {
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_RATE_LIMIT,
  type RateLimitSettings,
  TokenBuckets,
} from './rate-limit.ts';
import { isLoopbackHost, parseListenAddress } from './server.ts';
import { type TraceApiDeps, traceRoutes } from './trace-routes.ts';

export const DEFAULT_TRACE_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_TRACES_PER_REQUEST = 500;

/** `30s`, `1500ms`, `2m`, or a bare number of seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0)
    throw new OvncpError('OVNCP_ERR_CONFIG', `${what}: want a duration like 30s, got "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export interface TraceApiSettings {
  readonly tokens: TokenStore;
  readonly metricsAuth: boolean;
  readonly rate: number;
  readonly burst: number;
  readonly timeoutMs: number;
  readonly maxTracesPerRequest: number;
  /** analysis.max_ranges / analysis.max_sources (defaults DEFAULT_MAX_RANGES / DEFAULT_MAX_SOURCES). */
  readonly maxRanges?: number;
  readonly maxSources?: number;
  /** Failed authentications allowed per client address (default DEFAULT_AUTH_FAILURE_LIMIT). */
  readonly authFailures?: RateLimitSettings;
  /** The auth mode sentence logged at startup (set by traceApiFor). */
  readonly mode?: string;
  /** --web.insecure-no-auth was given (the mode is then logged as a warning). */
  readonly insecure?: boolean;
}

/** The API settings from the typed `web` settings (tokens file already resolved), with the defaults. */
export function traceApiSettings(s: DaemonSettings, env: NodeJS.ProcessEnv = process.env): TraceApiSettings {
  const web = s.web;
  return {
    tokens: loadTokens(web.tokensFile, env, s.limits.tokensFileBytes),
    metricsAuth: web.metricsAuth,
    rate: web.rate ?? DEFAULT_RATE_LIMIT.rate,
    burst: web.burst ?? DEFAULT_RATE_LIMIT.burst,
    timeoutMs: web.traceTimeout
      ? parseDuration(web.traceTimeout, 'web.trace_timeout')
      : DEFAULT_TRACE_TIMEOUT_MS,
    maxTracesPerRequest: web.maxTracesPerRequest ?? DEFAULT_MAX_TRACES_PER_REQUEST,
    maxRanges: s.analysis?.maxRanges ?? DEFAULT_MAX_RANGES,
    maxSources: s.analysis?.maxSources ?? DEFAULT_MAX_SOURCES,
    authFailures: {
      rate: web.authFailureRate ?? DEFAULT_AUTH_FAILURE_LIMIT.rate,
      burst: web.authFailureBurst ?? DEFAULT_AUTH_FAILURE_LIMIT.burst,
    },
  };
}

/** Without tokens the API is for local callers only: refuse a non-loopback address unless told otherwise. */
export function checkListenSecurity(listenAddress: string, api: TraceApiSettings, insecure: boolean): string {
  if (api.tokens.size > 0)
    return `bearer-token auth on every route but ${api.metricsAuth ? 'none' : '/metrics, /-/healthy and /-/ready'} (${api.tokens.size} tokens)`;
  const { host } = parseListenAddress(listenAddress);
  if (isLoopbackHost(host)) return 'no tokens configured: API open to loopback callers only';
  if (insecure)
    return `no tokens configured: API OPEN to anyone who can reach ${listenAddress} (--web.insecure-no-auth)`;
  throw new OvncpError(
    'OVNCP_ERR_CONFIG',
    `refusing to serve the trace API without auth on non-loopback address ${listenAddress}: configure web.tokens_file or ${TOKENS_ENV}, listen on 127.0.0.1, or pass --web.insecure-no-auth`,
  );
}

export type TraceEngines = Pick<TraceApiDeps, 'flowEngine' | 'modelEngine' | 'topology' | 'staleness'>;

/** Reads the API settings and enforces the loopback rule (throws OvncpError on an unsafe address). */
export function traceApiFor(s: DaemonSettings, env: NodeJS.ProcessEnv = process.env): TraceApiSettings {
  const api = traceApiSettings(s, env);
  return {
    ...api,
    mode: checkListenSecurity(s.listenAddress, api, s.insecureNoAuth),
    insecure: s.insecureNoAuth,
  };
}

/** What the trace routes need from the daemon: its topology store and the engines it runs. */
export function daemonTraceDeps(
  store: { current(): Topology | null },
  engines: Pick<TraceApiDeps, 'flowEngine' | 'modelEngine'>,
  staleness?: () => string | null,
): TraceEngines {
  return {
    ...(staleness ? { staleness } : {}),
    topology: () => {
      const t = store.current();
      if (!t) throw new OvncpError('OVNCP_ERR_NOT_READY', 'The topology is not loaded yet');
      return t;
    },
    ...engines,
  };
}

/** Registers access control, /openapi.json and the trace routes on the daemon's root instance. */
export function setupTraceApi(
  app: FastifyInstance,
  api: TraceApiSettings,
  engines: TraceEngines,
  logger?: Logger,
  registry?: Registry,
): void {
  registerAccessControl(app, {
    tokens: api.tokens,
    metricsAuth: api.metricsAuth,
    buckets: new TokenBuckets({ rate: api.rate, burst: api.burst }),
    failures: new TokenBuckets(api.authFailures ?? DEFAULT_AUTH_FAILURE_LIMIT),
    registry,
  });
  registerOpenApi(app);
  app.register(traceRoutes, {
    ...engines,
    timeoutMs: api.timeoutMs,
    maxTracesPerRequest: api.maxTracesPerRequest,
  } satisfies TraceApiDeps);
  app.register(analysisRoutes, {
    ...engines,
    timeoutMs: api.timeoutMs,
    maxRanges: api.maxRanges ?? DEFAULT_MAX_RANGES,
    maxSources: api.maxSources ?? DEFAULT_MAX_SOURCES,
  } satisfies AnalysisApiDeps);
  // Logged once the server starts, so a daemon that fails to start prints only its error.
  app.addHook('onReady', async () => {
    if (!logger) return;
    const mode = api.mode ?? (api.tokens.size > 0 ? 'bearer-token auth' : 'no tokens configured');
    const level = api.tokens.size === 0 && api.insecure ? 'warn' : 'info';
    logger[level](
      { auth: api.tokens.size > 0, metrics_auth: api.metricsAuth, rate: api.rate, burst: api.burst },
      `trace API: ${mode}`,
    );
  });
}
