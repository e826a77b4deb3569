// Exposure monitoring: a path with `expect_services: ["tcp/5432", "icmp"]` says which services its
// destination may be reached on from its source, and nothing else. Each of its checks computes the exact
// allowed services (analysis/allowed-services.ts) and compares: an open range outside the expected ones
// is unexpected, an expected service that is not open is missing; either makes the check unmet.
// ovncp_path_unexpected_services{path} (rendered in path-status.ts) counts the unexpected ranges.

import type { ServicesAnswer } from '../analysis/allowed-services.ts';

/** One expected service: `tcp/5432`, `udp/8000-8100`, `icmp`. */
export type ExpectedService =
  | { readonly protocol: 'tcp' | 'udp'; readonly from: number; readonly to: number }
  | { readonly protocol: 'icmp' };

const SERVICE_RE = /^(tcp|udp)\/(\d{1,5})(?:-(\d{1,5}))?$/;

/** Parses one entry; a sentence saying what is wrong when it is malformed. */
export function parseExpectedService(text: string): ExpectedService | string {
  const t = text.trim().toLowerCase();
  if (t === 'icmp') return { protocol: 'icmp' };
  const m = SERVICE_RE.exec(t);
  if (!m) return 'must be icmp, tcp/PORT, udp/PORT or PROTOCOL/FROM-TO (e.g. tcp/5432, udp/8000-8100)';
  const from = Number(m[2]);
  const to = m[3] === undefined ? from : Number(m[3]);
  if (from < 1 || to > 65535 || from > to) return 'ports must be 1..65535 with FROM <= TO';
  return { protocol: m[1] as 'tcp' | 'udp', from, to };
}

/** What an expect_services check found: services as `tcp/80-90`, `icmp`. */
export interface Exposure {
  readonly open: readonly string[];
  /** Open ranges (or parts of them) outside expect_services. */
  readonly unexpected: readonly string[];
  /** Expected services that are not (wholly) open. */
  readonly missing: readonly string[];
}

export function serviceText(s: ExpectedService): string {
  if (s.protocol === 'icmp') return 'icmp';
  return s.from === s.to ? `${s.protocol}/${s.from}` : `${s.protocol}/${s.from}-${s.to}`;
}

/** Parts of `r` outside every interval in `cover` (sorted by from, may overlap). */
function subtract(r: { from: number; to: number }, cover: readonly { from: number; to: number }[]) {
  const out: { from: number; to: number }[] = [];
  let lo = r.from;
  for (const c of cover) {
    if (c.to < lo || c.from > r.to) continue;
    if (c.from > lo) out.push({ from: lo, to: c.from - 1 });
    lo = Math.max(lo, c.to + 1);
    if (lo > r.to) break;
  }
  if (lo <= r.to) out.push({ from: lo, to: r.to });
  return out;
}

export function compareExposure(a: ServicesAnswer, expected: readonly ExpectedService[]): Exposure {
  const open: string[] = [];
  const unexpected: string[] = [];
  const missing: string[] = [];
  for (const protocol of ['tcp', 'udp'] as const) {
    const want = expected
      .filter((e): e is Extract<ExpectedService, { from: number }> => e.protocol === protocol)
      .sort((x, y) => x.from - y.from);
    // Adjacent open ranges let through by different ACLs are one exposure here.
    const got: { from: number; to: number }[] = [];
    for (const r of a[protocol]) {
      if (!r.reachable) continue;
      const last = got[got.length - 1];
      if (last && last.to + 1 === r.from) last.to = r.to;
      else got.push({ from: r.from, to: r.to });
    }
    for (const r of got) {
      open.push(serviceText({ protocol, from: r.from, to: r.to }));
      for (const extra of subtract(r, want)) unexpected.push(serviceText({ protocol, ...extra }));
    }
    for (const w of want) if (subtract(w, got).length > 0) missing.push(serviceText(w));
  }
  const icmpWanted = expected.some((e) => e.protocol === 'icmp');
  if (a.icmp.reachable) {
    open.push('icmp');
    if (!icmpWanted) unexpected.push('icmp');
  } else if (icmpWanted) missing.push('icmp');
  return { open, unexpected, missing };
}
