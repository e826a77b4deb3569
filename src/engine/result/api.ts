// Renders a result tree as the API's TraceResult (shared/seed/ovn-flow-tracing.md plus DESIGN.md §2):
// the shown branch's hops, dropped_at, every output port, the per-backend outcome of a VIP, warnings,
// the summary. The CLI's --json and the HTTP API print exactly this.

import type { BackendOutcome, TraceResult } from '../vocabulary.ts';
import { allowedByView } from './outcome.ts';
import { summaryOf } from './summary.ts';
import type { TraceTree } from './tree.ts';

/** Per LB backend: reached when any branch through it is; the ports its branches delivered to. */
export function backendsOf(t: TraceTree): BackendOutcome[] | undefined {
  let byBackend: Map<string, BackendOutcome> | undefined;
  for (const b of t.branches) {
    if (!b.backend) continue;
    byBackend ??= new Map();
    let o = byBackend.get(b.backend);
    if (!o) byBackend.set(b.backend, (o = { backend: b.backend, reached: false, output_ports: [] }));
    if (b.reached) o.reached = true;
    for (const p of b.outputs) if (!o.output_ports.includes(p)) o.output_ports.push(p);
  }
  return byBackend ? [...byBackend.values()] : undefined;
}

/**
 * The API JSON. Built field by field (this runs once per API trace and once per monitor trace shown),
 * in the key order each engine has always printed: `--json` output is compared by people and scripts.
 */
export function toTraceResult(t: TraceTree): TraceResult {
  const backends = backendsOf(t);
  const dropped_at = t.reached ? null : t.shown.dropped;
  const hops = t.shown.hops as TraceResult['hops'];
  const output_ports = t.outputPorts.slice();
  const warnings = t.warnings.slice();
  const summary = summaryOf(t);
  if (t.engine === 'model') {
    const r = {
      request: t.request,
      success: true,
      reaches_destination: t.reached,
      hops,
      dropped_at,
      output_ports,
      warnings,
      engine: t.engine,
    } as TraceResult;
    if (backends) r.backends = backends;
    r.summary = summary;
    r.truncated = t.truncated;
    r.allowed_by = allowedByView(t);
    return r;
  }
  const r = {
    request: t.request,
    success: true,
    reaches_destination: t.reached,
    hops,
    summary,
    dropped_at,
    output_ports,
    warnings,
    engine: t.engine,
  } as TraceResult;
  if (t.raw !== undefined) r.raw = t.raw;
  if (backends) r.backends = backends;
  // Last in key order, on both engines: they came after the seed's fields and the first additions.
  r.truncated = t.truncated;
  r.allowed_by = allowedByView(t);
  return r;
}
