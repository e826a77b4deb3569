// Load shedding for the trace API: a cap on the trace requests running at once per engine, beyond which
// a request gets 503 OVNCP_ERR_OVERLOADED with Retry-After instead of waiting in a queue, and engines that
// give the event loop back between traces, so /-/healthy, /metrics and a light /flow stay fast while
// heavy fan-outs run. A fan-out runs its traces one after another, so each admitted request has at most
// one trace in flight: the cap on requests is the cap on traces in flight.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceEngine } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';

export const DEFAULT_MAX_TRACES_IN_FLIGHT = 8;

export interface LoadShedSettings {
  /** Trace requests allowed to run at once on each engine (web.max_traces_in_flight). */
  readonly maxInFlight: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  readonly retryAfterSeconds?: number;
}

/** Which engine a trace route runs on (/simulate: the model; the others and /probe: --engine), or null. */
export function engineOfRoute(url: string): 'model' | 'flow' | null {
  const path = url.split('?')[0] ?? '';
  if (path === '/api/v1/trace/simulate' || path === '/api/v1/what-if') return 'model';
  if (path === '/probe') return 'flow'; // a probe of a path may use the model; counted with /flow anyway
  if (/^\/api\/v1\/trace\/(flow|multi-path|connectivity)$/.test(path)) return 'flow';
  if (/^\/api\/v1\/analysis\/(services|reachers)$/.test(path)) return 'flow';
  return null;
}

const admitted = new WeakSet<FastifyRequest>();

/**
 * Admits trace requests up to the cap per engine. Register after access control, so a refused or
 * rate-limited request never takes a place.
 */
export function registerLoadShed(app: FastifyInstance, s: LoadShedSettings): void {
  const running = new Map<string, number>();
  const retryAfter = String(s.retryAfterSeconds ?? 1);
  const release = (req: FastifyRequest) => {
    if (!admitted.delete(req)) return;
    const key = engineOfRoute(req.url) ?? '';
    running.set(key, (running.get(key) ?? 1) - 1);
  };
  app.addHook('onRequest', async (req, reply) => {
    const key = engineOfRoute(req.url);
    if (!key) return;
    const n = running.get(key) ?? 0;
    if (n >= s.maxInFlight) {
      const err = new OvncpError(
        'OVNCP_ERR_OVERLOADED',
        `${n} trace requests already running on this engine (web.max_traces_in_flight); retry later`,
      );
      return reply.code(err.status).header('retry-after', retryAfter).send(err.toBody());
    }
    running.set(key, n + 1);
    admitted.add(req);
    // 'close' comes once the response is sent or the connection is gone, whichever is first. onResponse
    // is not enough: a client that goes away before its body is read never gets one, and its place
    // would be lost for good. A fan-out whose client left may run on (until web.trace_timeout) without
    // holding a place.
    reply.raw.once('close', () => release(req));
  });
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The engine, giving the event loop back before each trace: the model engine computes synchronously,
 * so without this a 500-trace fan-out would hold every other request until it ends.
 */
export function yieldingEngine<E extends TraceEngine>(engine: E): E {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop !== 'trace') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<TraceEngine['trace']>) => {
        await nextTurn();
        return target.trace(...args);
      };
    },
  });
}
