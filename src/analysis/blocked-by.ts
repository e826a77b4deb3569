// Names why a trace did not reach its destination, in the seed's words: `ACL: NAME (Priority: N)` when
// an ACL dropped or rejected the packet, else the description of the hop where it died, else the summary.

import { decidingAcl } from '../engine/result/outcome.ts';
import type { AclMatch, TraceResult } from '../engine/types.ts';

function aclLabel(m: AclMatch): string {
  const name = m.acl_name ?? (m.uuid ? m.uuid.slice(0, 8) : 'unnamed');
  return `ACL: ${name} (Priority: ${m.priority})`;
}

/** Undefined when the packet reached its destination. */
export function blockedBy(r: TraceResult): string | undefined {
  if (r.reaches_destination) return undefined;
  const hop = r.dropped_at;
  // The same rule as the monitor's blocked_by (engine/result/outcome.ts), in the seed's words.
  const acl = decidingAcl(hop?.acl_matches);
  if (acl) return aclLabel(acl);
  if (hop) return hop.description;
  return r.summary;
}

/** True when the trace died at a routing step (no route, discard route, TTL), for recommendations. */
export function diedRouting(r: TraceResult): boolean {
  return !r.reaches_destination && r.dropped_at?.type === 'l3_routing';
}
