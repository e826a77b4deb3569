// Runs engine traces under a request's deadline: the caller's AbortSignal carries the reason (an
// OvncpError such as a timeout), and a trace still running when it fires is abandoned with that error.

import type { TraceTree } from '../engine/result/tree.ts';
import type { TraceEngine, TraceOptions, TraceRequest } from '../engine/types.ts';
import { OvncpError } from '../errors.ts';
import type { Topology } from '../ovn/topology/types.ts';

function abortError(signal: AbortSignal): unknown {
  const r = signal.reason;
  return r instanceof Error ? r : new OvncpError('OVNCP_ERR_TIMEOUT', 'Trace aborted');
}

/**
 * One trace on `network`; rejects with the signal's reason as soon as the signal fires. `detail`
 * 'outcome' lets the model skip building hops the caller never reads (TraceOptions.detail).
 */
export function traceWithin(
  engine: TraceEngine,
  request: TraceRequest,
  network: Topology,
  signal?: AbortSignal,
  detail: TraceOptions['detail'] = 'full',
): Promise<TraceTree> {
  if (!signal) return engine.trace(request, { network, detail });
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<TraceTree>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    engine.trace(request, { network, signal, detail }).then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Refuses a fan-out request whose trace count is above the per-request bound. */
export function checkTraceBudget(needed: number, max: number, field: string): void {
  if (needed > max) {
    throw new OvncpError(
      'OVNCP_ERR_INVALID_FIELD',
      `This request needs ${needed} traces; the limit is ${max} per request (web.max_traces_per_request)`,
      { field },
    );
  }
}
