// Load-balancer VIPs: ovn-trace follows ONE backend of `ct_lb_mark(backends=…)` (its own pick), while
// our verdict covers every backend (DESIGN.md §2). When a trace hits a VIP, each backend is traced
// again with `--lb-dst=IP[:PORT]` (a one-shot option: the daemon has no per-trace way to set it) and
// the results are combined: reached if any backend is, with the per-backend outcome listed.

import { formatIp, parseIp } from '../../ovn/net/addr.ts';
import type { Topology } from '../../ovn/topology/types.ts';
import type { TraceTree } from '../result/tree.ts';
import type { ResolvedRequest } from '../types.ts';
import type { TraceRun } from './build-result.ts';
import type { ParsedTrace } from './parse-detailed.ts';
import { type TreeInput, uniteAlternatives } from './unite-results.ts';

export interface LbBackend {
  /** As OVN writes it in the VIP's backends, e.g. `10.0.1.10:80` or `[fd00::10]:80`. */
  readonly raw: string;
  /** The `--lb-dst` value, rebuilt from the parsed address and port. */
  readonly lbDst: string;
  readonly ip: string;
}

function parseBackend(text: string): LbBackend | null {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text);
  const ip = m ? parseIp(m[1]!) : null;
  if (!m || !ip) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  const addr = formatIp(ip);
  const host = ip.family === 6 && port !== null ? `[${addr}]` : addr;
  return { raw: text, ip: addr, lbDst: port === null ? host : `${host}:${port}` };
}

/** Backends of the first VIP the traced packet hit (not counting OVN-generated packets). */
export function lbBackendsOf(parsed: ParsedTrace): LbBackend[] {
  for (const step of parsed.steps) {
    if (step.kind !== 'table' || step.generated) continue;
    for (const a of step.actions) {
      const m = /^ct_lb(?:_mark)?\(backends=([^;)]*)/.exec(a);
      if (!m) continue;
      return m[1]!
        .split(',')
        .map((s) => parseBackend(s.trim()))
        .filter((b): b is LbBackend => b !== null);
    }
  }
  return [];
}

/** The request as seen for one backend: its owner is the port that must receive the packet. */
export function forBackend(t: Topology, r: ResolvedRequest, b: LbBackend): ResolvedRequest {
  const owners = t.index.portsByIp.get(b.ip) ?? [];
  return { ...r, destinationPort: owners[0] ?? null };
}

/** One tree from the per-backend runs (same order as the backends). */
export function combineBackends(
  input: TreeInput,
  backends: readonly LbBackend[],
  runs: readonly TraceRun[],
): TraceTree {
  return uniteAlternatives(
    input,
    backends.map((b, i) => ({ run: runs[i]!, name: b.raw, flag: `--lb-dst=${b.lbDst}` })),
    (missed) => `Only some load-balancer backends are reached: ${missed.join(', ')} not reached`,
  );
}
