// Status of the path monitor over HTTP: GET /api/v1/paths (every path with its checks' verdicts),
// GET /api/v1/paths/:name (one path, each check with a full trace made now on the current topology:
// checks keep only their outcome), POST /-/reload (re-read the paths file; the old config stays on
// failure; rate-limited). The pages (landing page at /, …) are in pages/.

import type { FastifyInstance } from 'fastify';
import { OvncpError } from '../errors.ts';
import type { Monitor } from '../monitor/monitor.ts';
import { PATH_STATUSES } from '../monitor/path-status.ts';
import type { PathSpec } from '../monitor/paths-config.ts';
import { type CheckState, expectationMet, verdictOf } from '../monitor/results.ts';
import { routeDoc } from './openapi.ts';
import { DEFAULT_RELOAD_LIMIT, type RateLimitSettings, TokenBuckets } from './rate-limit.ts';

function iso(ms: number | null | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}

/** Checks re-traced per GET /api/v1/paths/:name (a big group path would otherwise cost seconds). */
export const MAX_TRACES_PER_REQUEST = 100;

/** One check as the API shows it. */
export function checkView(s: CheckState): Record<string, unknown> {
  const o = s.last;
  return {
    source_port: s.check.sourcePort,
    destination: s.check.destination,
    protocol: s.check.protocol,
    port: s.check.port,
    verdict: verdictOf(o)?.replace(/:.*/, '') ?? 'pending',
    reachable: o ? o.reachable : null,
    expectation_met: expectationMet(s),
    blocked_by: o?.blockedBy ?? null,
    allowed_by: o?.allowedBy ?? null,
    hop_type: o?.hopType ?? null,
    error: o?.error ?? null,
    summary: o?.summary ?? null,
    engine: o?.engine ?? null,
    trigger: o?.trigger ?? null,
    duration_ms: o ? Math.round(o.durationMs * 1000) / 1000 : null,
    last_check: iso(o?.at),
    last_change: iso(s.lastChange),
  };
}

export function pathView(m: Monitor, p: PathSpec): Record<string, unknown> {
  const checks = m.statesOf(p.name);
  const st = m.pathStatus(p.name);
  return {
    name: p.name,
    description: p.description,
    source: { [p.source.kind === 'group' ? 'source_group' : 'source_port']: p.source.name },
    destination: {
      [p.destination.kind === 'group'
        ? 'destination_group'
        : p.destination.kind === 'ip'
          ? 'destination_ip'
          : 'destination']: p.destination.name,
    },
    protocols: p.protocols,
    ports: p.ports,
    expect: p.expect,
    schedule: p.schedule.kind === 'cron' ? { cron: p.schedule.expr } : { interval_ms: p.schedule.ms },
    engine: p.engine,
    labels: p.labels,
    problem: m.pathProblems().get(p.name)?.message ?? null,
    status: st.status,
    status_reason: st.reason,
    status_message: st.message,
    checks: checks.map((s) => checkView(s)),
  };
}

/**
 * Adds `trace` to each check view: a full trace made now (the first MAX_TRACES_PER_REQUEST checks;
 * null beyond, or when the check cannot be traced, with `trace_error` saying why).
 */
async function withTraces(
  m: Monitor,
  view: Record<string, unknown>,
  keys: readonly string[],
): Promise<Record<string, unknown>> {
  const checks = view.checks as Record<string, unknown>[];
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (i >= MAX_TRACES_PER_REQUEST) {
      c.trace = null;
      c.trace_error = `only the first ${MAX_TRACES_PER_REQUEST} checks of a path are traced per request`;
      continue;
    }
    try {
      c.trace = (await m.traceOf(keys[i]!)) ?? null;
    } catch (err) {
      c.trace = null;
      c.trace_error = (err as Error).message;
    }
  }
  return view;
}

const doc = (summary: string, description: string) => routeDoc('monitor', summary, description);

export function registerPathsRoutes(
  app: FastifyInstance,
  monitor: Monitor,
  reloadLimit: RateLimitSettings = DEFAULT_RELOAD_LIMIT,
): void {
  // One bucket for all callers: each reload reads and hashes the file, and a changed one is parsed.
  const reloads = new TokenBuckets(reloadLimit);
  app.get<{ Querystring: { status?: string } }>(
    '/api/v1/paths',
    doc(
      'Every critical path with the verdicts of its checks',
      `Every configured path of this shard, with its status (${PATH_STATUSES.join(', ')}); query \`status=…\` keeps only the paths in that state.`,
    ),
    async (req) => {
      const c = monitor.currentConfig();
      const status = req.query.status;
      if (status !== undefined && !(PATH_STATUSES as readonly string[]).includes(status))
        throw new OvncpError('OVNCP_ERR_INVALID_FIELD', `status must be one of ${PATH_STATUSES.join(', ')}`, {
          field: 'status',
        });
      const paths = c.paths.map((p) => pathView(monitor, p));
      return {
        file: c.file,
        shard: monitor.shardInfo(),
        reload: monitor.reloadStatus() && { ...monitor.reloadStatus(), at: iso(monitor.reloadStatus()?.at) },
        paths: status ? paths.filter((p) => p.status === status) : paths,
      };
    },
  );
  app.get<{ Params: { name: string } }>(
    '/api/v1/paths/:name',
    doc(
      'One critical path',
      'Its checks with a trace of each made now on the current topology (first 100 checks).',
    ),
    async (req) => {
      const p = monitor.currentConfig().paths.find((x) => x.name === req.params.name);
      if (!p)
        throw new OvncpError(
          'OVNCP_ERR_PATH_NOT_FOUND',
          `no path named "${req.params.name}" (on this shard)`,
          {
            field: 'name',
          },
        );
      const keys = monitor.checksOf(p.name).filter((k) => monitor.results.get(k)); // as pathView lists them
      const view = await withTraces(monitor, pathView(monitor, p), keys);
      // Why verdicts flipped, newest first (paths.history transitions kept).
      view.history = monitor.history.of(p.name).map((t) => ({ ...t, at: iso(t.at) }));
      return view;
    },
  );
  app.post(
    '/-/reload',
    doc(
      'Re-read the paths file',
      'On any error the running paths stay and the answer says why (also on SIGHUP). Unchanged content is a no-op (`status: unchanged`). Rate-limited (429 with Retry-After).',
    ),
    async (_req, reply) => {
      const t = reloads.take('reload');
      if (!t.allowed) {
        reply.header('Retry-After', t.retryAfterSeconds);
        throw new OvncpError(
          'OVNCP_ERR_RATE_LIMITED',
          `Too many reloads (burst ${reloadLimit.burst}, then one every ${Math.round(1 / reloadLimit.rate)}s); retry in ${t.retryAfterSeconds}s`,
        );
      }
      const r = await monitor.reload();
      if (!r.ok) throw new OvncpError('OVNCP_ERR_CONFIG', `reload failed, previous paths kept: ${r.error}`);
      return reply.send({ status: r.unchanged ? 'unchanged' : 'reloaded', paths: r.paths, checks: r.checks });
    },
  );
}
