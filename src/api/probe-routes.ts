// GET /probe: the Prometheus multi-target convention (as blackbox_exporter's /probe). Prometheus
// scrapes `/probe?path=NAME` (a configured path: every check of it) or an ad-hoc target
// (`source_port`, `destination` | `destination_ip`, `protocol`, `port`, `expect`), and gets the
// exposition format: probe_success (every check met its expectation), probe_duration_seconds, and
// ovncp_probe_reachable per check. `debug=true` answers a readable trace of each check instead.
// Access control, load shedding and the trace deadline are the trace API's (access.ts, load-shed.ts).

import type { FastifyInstance } from 'fastify';
import { traceWithin } from '../analysis/run-trace.ts';
import { toTraceResult } from '../engine/result/api.ts';
import { renderTrace } from '../engine/result/table.ts';
import type { TraceEngine, TraceRequest, TraceResult } from '../engine/types.ts';
import { PROTOCOLS, type Protocol } from '../engine/types.ts';
import { isOvncpError, OvncpError } from '../errors.ts';
import type { Monitor } from '../monitor/monitor.ts';
import { escapeLabel } from '../monitor/path-metrics.ts';
import { destinationIpOf } from '../monitor/runner.ts';
import { parseIp } from '../ovn/net/addr.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { routeDoc } from './openapi.ts';
import { MAX_TRACES_PER_REQUEST } from './paths-routes.ts';

export interface ProbeDeps {
  readonly monitor: Monitor;
  /** The current topology; throws OVNCP_ERR_NOT_READY (503) before one is loaded. */
  topology(): Topology;
  /** The engine of ad-hoc probes (the trace API's /flow engine). */
  engine(): TraceEngine;
  /** Deadline of one probe (web.trace_timeout). */
  readonly timeoutMs: number;
}

type Query = Record<string, string | string[] | undefined>;

const AD_HOC = ['source_port', 'destination', 'destination_ip', 'protocol', 'port', 'expect'];
const KNOWN = new Set(['path', 'debug', ...AD_HOC]);

function bad(field: string, message: string): OvncpError {
  return new OvncpError('OVNCP_ERR_INVALID_FIELD', message, { field });
}

/**
 * An ad-hoc target that names what the topology does not have (unknown port, no address) is bad input,
 * as blackbox_exporter answers a bad target: 400 with the field. Other errors stay as they are.
 */
function asBadInput(err: unknown): unknown {
  if (isOvncpError(err) && err.field && [400, 404, 422].includes(err.status))
    return bad(err.field, err.message);
  return err;
}

/**
 * One value per parameter: a repeated one is refused (Prometheus sends each param once). An empty one
 * counts as absent, as an empty label does in Prometheus relabelling (e.g. `port=` for icmp).
 */
function one(q: Query, field: string): string | undefined {
  const v = q[field];
  if (Array.isArray(v)) throw bad(field, `${field} given ${v.length} times`);
  return v === '' ? undefined : v;
}

/** What one probe checks: the request traced and the expected verdict. */
interface ProbeCheck {
  readonly labels: { source_port: string; destination: string; protocol: string; port: string };
  readonly expect: 'reachable' | 'blocked';
  /** Traces the check: the API result, or an error (unknown port, timeout) that fails the probe. */
  run(signal: AbortSignal): Promise<TraceResult>;
}

function expectOf(q: Query): 'reachable' | 'blocked' {
  const e = one(q, 'expect') ?? 'reachable';
  if (e !== 'reachable' && e !== 'blocked') throw bad('expect', 'expect must be reachable or blocked');
  return e;
}

function l4PortOf(q: Query, protocol: Protocol): number | null {
  const text = one(q, 'port');
  if (protocol === 'icmp') {
    if (text !== undefined) throw bad('port', 'port is not used with protocol icmp');
    return null;
  }
  if (text === undefined) throw bad('port', `port is required for protocol ${protocol}`);
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n <= 65535)) throw bad('port', 'port must be an integer in 0..65535');
  return n;
}

/** The ad-hoc target: validated field by field, the destination port resolved to its address. */
function adHocCheck(q: Query, deps: ProbeDeps): ProbeCheck {
  const source = one(q, 'source_port');
  if (!source) throw bad('source_port', 'source_port is required (or path)');
  if (source.length > 256) throw bad('source_port', 'source_port is longer than 256 characters');
  const dst = one(q, 'destination');
  const dstIp = one(q, 'destination_ip');
  if ((dst === undefined) === (dstIp === undefined))
    throw bad('destination', 'give exactly one of destination (a port) and destination_ip');
  if (dstIp !== undefined && parseIp(dstIp) === null)
    throw bad('destination_ip', `Invalid IP address: ${dstIp}`);
  const proto = one(q, 'protocol') ?? 'tcp';
  if (!(PROTOCOLS as readonly string[]).includes(proto))
    throw bad('protocol', 'protocol must be tcp, udp or icmp');
  const protocol = proto as Protocol;
  const port = l4PortOf(q, protocol);
  const destination = dst ?? dstIp!;
  const expect = expectOf(q);
  const topology = deps.topology();
  let destination_ip: string;
  try {
    destination_ip = destinationIpOf(destination, dst !== undefined ? 'port' : 'ip', topology);
  } catch (err) {
    throw asBadInput(err);
  }
  const request: TraceRequest = {
    source_port: source,
    destination_ip,
    protocol,
    ...(port !== null ? { destination_port_num: port } : {}),
  };
  return {
    labels: { source_port: source, destination, protocol, port: port === null ? '' : String(port) },
    expect,
    run: async (signal) => {
      try {
        return toTraceResult(await traceWithin(deps.engine(), request, topology, signal));
      } catch (err) {
        throw asBadInput(err);
      }
    },
  };
}

/** The trace, or the probe's deadline: the monitor's trace has its own (the path's timeout). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const late = () => new OvncpError('OVNCP_ERR_TIMEOUT', 'probe timed out (web.trace_timeout)');
  if (signal.aborted) return Promise.reject(late());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(late());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The checks of a configured path (its engine, its timeout), as the monitor runs them. */
function pathChecks(name: string, q: Query, deps: ProbeDeps): ProbeCheck[] {
  for (const f of AD_HOC)
    if (q[f] !== undefined) throw bad(f, `${f} cannot be combined with path (the path says it)`);
  const m = deps.monitor;
  const p = m.currentConfig().paths.find((x) => x.name === name);
  if (!p) throw bad('path', `no path named "${name}" (on this shard)`);
  const keys = m.checksOf(name).filter((k) => m.results.get(k));
  if (keys.length > MAX_TRACES_PER_REQUEST)
    throw bad(
      'path',
      `path "${name}" has ${keys.length} checks; a probe traces at most ${MAX_TRACES_PER_REQUEST}`,
    );
  return keys.map((k) => {
    const c = m.results.get(k)!.check;
    return {
      labels: {
        source_port: c.sourcePort,
        destination: c.destination,
        protocol: c.protocol,
        port: c.port === null ? '' : String(c.port),
      },
      expect: p.expect,
      run: (signal) => {
        const r = m.traceOf(k);
        if (!r) throw new OvncpError('OVNCP_ERR_NOT_READY', 'the check was removed by a reload');
        return untilAborted(r, signal);
      },
    };
  });
}

/** One check's answer: its result, or why it could not be traced. */
type Answer = { check: ProbeCheck; result: TraceResult | null; error: string | null };

async function runAll(checks: readonly ProbeCheck[], timeoutMs: number): Promise<Answer[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const out: Answer[] = [];
  for (const check of checks) {
    try {
      out.push({ check, result: await check.run(signal), error: null });
    } catch (err) {
      // Bad input (400) and not ready / overloaded (503) fail the request; anything else fails the probe.
      if (isOvncpError(err) && (err.status === 400 || err.status === 503)) throw err;
      out.push({ check, result: null, error: (err as Error).message });
    }
  }
  return out;
}

const HELP = {
  success:
    '# HELP probe_success Whether the probe succeeded: every check traced and met its expectation (1), else 0.\n# TYPE probe_success gauge\n',
  duration:
    '# HELP probe_duration_seconds How long the probe took, in seconds.\n# TYPE probe_duration_seconds gauge\n',
  reachable:
    '# HELP ovncp_probe_reachable Whether the traced packet reached its destination (1) or not (0), per check; absent for a check that could not be traced.\n# TYPE ovncp_probe_reachable gauge\n',
};

function labelText(l: ProbeCheck['labels']): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
}

/** The exposition text of a probe. A probe with no check to run did not verify anything: failure. */
export function renderProbe(answers: readonly Answer[], seconds: number): string {
  const met = (a: Answer) =>
    a.result !== null && a.result.reaches_destination === (a.check.expect === 'reachable');
  const success = answers.length > 0 && answers.every(met);
  const lines = [
    HELP.success,
    `probe_success ${success ? 1 : 0}\n`,
    HELP.duration,
    `probe_duration_seconds ${seconds}\n`,
  ];
  lines.push(HELP.reachable);
  for (const a of answers)
    if (a.result)
      lines.push(
        `ovncp_probe_reachable{${labelText(a.check.labels)}} ${a.result.reaches_destination ? 1 : 0}\n`,
      );
  return lines.join('');
}

/** `debug=true`: each check's readable trace (or error), then the metrics the scrape would get. */
function renderDebug(answers: readonly Answer[], metrics: string): string {
  const parts = answers.map((a) => {
    const l = a.check.labels;
    const head = `--- ${l.source_port} -> ${l.destination} ${l.protocol}${l.port ? `/${l.port}` : ''}, expect ${a.check.expect}\n`;
    return head + (a.result ? renderTrace(a.result) : `error: ${a.error}\n`);
  });
  if (answers.length === 0) parts.push('no check to run: the path expands to none\n');
  return `${parts.join('\n')}\n--- metrics\n${metrics}`;
}

export function registerProbeRoutes(app: FastifyInstance, deps: ProbeDeps): void {
  app.get<{ Querystring: Query }>(
    '/probe',
    routeDoc(
      'monitor',
      'Blackbox-style probe (Prometheus multi-target)',
      'Query `path=NAME` (every check of a configured path) or an ad-hoc target: `source_port`, `destination` (a port) or `destination_ip`, `protocol` (tcp, udp, icmp; default tcp), `port` (tcp/udp), `expect` (reachable, blocked; default reachable). Answers the exposition format: `probe_success`, `probe_duration_seconds`, `ovncp_probe_reachable` per check. `debug=true` answers a readable trace. Bad input: 400 naming the field.',
    ),
    async (req, reply) => {
      const q = req.query;
      for (const k of Object.keys(q)) if (!KNOWN.has(k)) throw bad(k, `unknown parameter ${k}`);
      const debug = one(q, 'debug');
      if (debug !== undefined && debug !== 'true' && debug !== 'false')
        throw bad('debug', 'debug must be true or false');
      const started = performance.now();
      const name = one(q, 'path');
      const checks = name !== undefined ? pathChecks(name, q, deps) : [adHocCheck(q, deps)];
      const answers = await runAll(checks, deps.timeoutMs);
      const metrics = renderProbe(answers, (performance.now() - started) / 1000);
      if (debug === 'true')
        return reply.type('text/plain; charset=utf-8').send(renderDebug(answers, metrics));
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics);
    },
  );
}
