// Per-check Prometheus series of the path monitor, pre-rendered as text. prom-client needs ~400 ms to
// render 100k labelled series (DESIGN.md §6) and blocks the event loop meanwhile; here each check keeps
// its sample lines as strings, rebuilt only when its outcome changes, and a scrape only concatenates.
//
// A check whose last run errored has no verdict: its ovncp_path_reachable, ovncp_path_expectation_met
// and ovncp_path_blocked_info series are absent (never a made-up 0), while its
// ovncp_path_last_check_timestamp_seconds still advances and ovncp_path_check_errors_total{reason}
// counts the error. Per path, ovncp_path_status (monitor/path-status.ts) never disappears: alert on it,
// not on a missing 0.

import { createTask } from 'node-cron';
import { ownerLabel } from '../engine/result/outcome.ts';
import type { Schedule } from './paths-config.ts';
import type { CheckState } from './results.ts';
import { expectationMet } from './results.ts';

interface Family {
  readonly name: string;
  readonly help: string;
  /** The sample line(s) of one check for this family ('' = no series). */
  readonly line: (s: CheckState, labels: string) => string;
}

const FROM_LAST = 'Value from the last scheduled or change-driven check of this path';

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

export const PATH_FAMILIES: readonly Family[] = [
  {
    name: 'ovncp_path_reachable',
    help: `1 if the packet reached the destination, 0 if it was dropped. ${FROM_LAST}; absent while the check errors.`,
    line: (s, l) =>
      s.last && s.last.reachable !== null ? `ovncp_path_reachable${l} ${s.last.reachable ? 1 : 0}\n` : '',
  },
  {
    name: 'ovncp_path_expected_reachable',
    help: 'The configured expectation of the path: 1 = expect reachable, 0 = expect blocked.',
    line: (s, l) => `ovncp_path_expected_reachable${l} ${s.check.path.expect === 'reachable' ? 1 : 0}\n`,
  },
  {
    name: 'ovncp_path_expectation_met',
    help: `1 if the verdict matches the expectation, else 0. ${FROM_LAST}; absent while the check errors.`,
    line: (s, l) => {
      const met = expectationMet(s);
      return met === null ? '' : `ovncp_path_expectation_met${l} ${met ? 1 : 0}\n`;
    },
  },
  {
    name: 'ovncp_path_blocked_info',
    help: `Present (value 1) only while the path is blocked: what dropped the packet, the hop type, and who owns the rule (owner_kind: NetworkPolicy, AdminNetworkPolicy, neutron-security-group-rule, acl, default, …; owner: namespace/name, or which default). ${FROM_LAST}.`,
    line: (s, l) => {
      if (!s.last || s.last.reachable !== false) return '';
      const o = s.last.blockedOwner;
      return `ovncp_path_blocked_info${l.slice(0, -1)},blocked_by="${escapeLabel(s.last.blockedBy ?? '')}",hop_type="${escapeLabel(s.last.hopType ?? '')}",owner_kind="${escapeLabel(o?.kind ?? '')}",owner="${escapeLabel(o ? ownerLabel(o) : '')}"} 1\n`;
    },
  },
  {
    name: 'ovncp_path_last_check_timestamp_seconds',
    help: 'Unix time the last check of this path finished (also advances when the check errors).',
    line: (s, l) => (s.last ? `ovncp_path_last_check_timestamp_seconds${l} ${num(s.last.at / 1000)}\n` : ''),
  },
  {
    name: 'ovncp_path_last_change_timestamp_seconds',
    help: 'Unix time the verdict of this path last changed (reachable, blocked or error; the first verdict counts).',
    line: (s, l) =>
      s.lastChange !== null
        ? `ovncp_path_last_change_timestamp_seconds${l} ${num(s.lastChange / 1000)}\n`
        : '',
  },
  {
    name: 'ovncp_path_check_interval_seconds',
    help: 'Configured time between scheduled checks of this path (for a cron schedule: the gap between its next two runs).',
    line: (s, l) => {
      const sec = scheduleSeconds(s.check.path.schedule);
      return sec === null ? '' : `ovncp_path_check_interval_seconds${l} ${num(sec)}\n`;
    },
  },
];

const intervalCache = new Map<string, number | null>();

/** Seconds between runs: the interval, or for a cron schedule the gap between its next two runs. */
export function scheduleSeconds(s: Schedule): number | null {
  if (s.kind === 'interval') return s.ms / 1000;
  if (!intervalCache.has(s.expr)) {
    const task = createTask(s.expr, () => {});
    const [a, b] = task.getNextRuns(2);
    void task.destroy();
    intervalCache.set(s.expr, a && b ? (b.getTime() - a.getTime()) / 1000 : null);
  }
  return intervalCache.get(s.expr) ?? null;
}

export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `{path="…",source_port="…",destination="…",protocol="…",port="…",<configured labels sorted>}` */
export function labelsOf(s: CheckState): string {
  const c = s.check;
  const parts = [
    `path="${escapeLabel(c.path.name)}"`,
    `source_port="${escapeLabel(c.sourcePort)}"`,
    `destination="${escapeLabel(c.destination)}"`,
    `protocol="${c.protocol}"`,
    `port="${c.port ?? ''}"`,
  ];
  for (const k of Object.keys(c.path.labels).sort()) parts.push(`${k}="${escapeLabel(c.path.labels[k]!)}"`);
  return `{${parts.join(',')}}`;
}

/**
 * Rendered lines of one check, one Buffer per family (index = PATH_FAMILIES index). Buffers, not
 * strings: a scrape then only copies bytes (Buffer.concat), which is several times faster than
 * joining 100k strings and encoding the result.
 */
type Rendered = (Buffer | null)[];

const HEADERS = PATH_FAMILIES.map((f) => Buffer.from(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} gauge\n`));
const LAST_CHECK = PATH_FAMILIES.findIndex((f) => f.name === 'ovncp_path_last_check_timestamp_seconds');

/** Everything but the last-check time that the lines of a check depend on (its definition aside). */
function outcomeSignature(s: CheckState): string {
  const o = s.last;
  return o
    ? `${o.reachable}|${o.blockedBy}|${o.hopType}|${o.blockedOwner?.kind}|${o.blockedOwner?.name}|${o.blockedOwner?.namespace}|${s.lastChange}`
    : `-|${s.lastChange}`;
}

/** What a check's lines were rendered from, so a run that only moves its check time re-renders one line. */
interface Source {
  readonly check: CheckState['check'];
  readonly labels: string;
  readonly signature: string;
}

/** Longest stretch of a /metrics render before it yields to the event loop. */
const RENDER_YIELD_MS = 10;

/** Checks per copied part of a family (a scrape yields between parts; a part is kept until it changes). */
const SLICE_SIZE = 5_000;

export class PathMetrics {
  private readonly rendered = new Map<string, Rendered>();
  private readonly sources = new Map<string, Source>();
  /**
   * Each family's parts as the last scrape copied them (index: family, then part), kept until a check
   * of the part changes a line of the family: most runs only move their last-check time, so a scrape
   * copies that family and reuses the others' bytes (at 10k paths, 13 MB copied per scrape otherwise).
   * `version` counts each part's changes: a part copied from rows a change has since overtaken is sent
   * but not kept.
   */
  private parts: (Buffer | null)[][] = PATH_FAMILIES.map(() => []);
  private version: number[][] = PATH_FAMILIES.map(() => []);
  /** Each check's place in `rendered` (its part is place / SLICE_SIZE); null after a check came or went. */
  private places: Map<string, number> | null = null;

  /** Re-renders one check (after a run, or when its definition changed on reload). */
  update(s: CheckState): void {
    const key = s.check.key;
    const signature = outcomeSignature(s);
    const src = this.sources.get(key);
    const old = this.rendered.get(key);
    if (old && src && src.check === s.check && src.signature === signature) {
      // The usual run: same verdict, same definition. A new array (not an edit in place): a scrape
      // in progress keeps the rows it started with.
      const next = old.slice();
      const line = PATH_FAMILIES[LAST_CHECK]!.line(s, src.labels);
      next[LAST_CHECK] = line === '' ? null : Buffer.from(line);
      this.rendered.set(key, next);
      this.changed(key, LAST_CHECK);
      return;
    }
    const labels = src?.check === s.check ? src.labels : labelsOf(s);
    this.sources.set(key, { check: s.check, labels, signature });
    if (!old) this.moved();
    this.rendered.set(
      key,
      PATH_FAMILIES.map((f) => {
        const line = f.line(s, labels);
        return line === '' ? null : Buffer.from(line);
      }),
    );
    if (old) this.changed(key, null);
  }

  remove(key: string): void {
    if (this.rendered.delete(key)) this.moved();
    this.sources.delete(key);
  }

  clear(): void {
    this.rendered.clear();
    this.sources.clear();
    this.moved();
  }

  /** A check's lines changed in one family (null: every family): its kept parts are out of date. */
  private changed(key: string, family: number | null): void {
    const place = this.places?.get(key);
    if (place === undefined) return; // no scrape since checks came or went: nothing is kept
    const part = Math.floor(place / SLICE_SIZE);
    for (let f = 0; f < PATH_FAMILIES.length; f++)
      if (family === null || f === family) {
        this.parts[f]![part] = null;
        this.version[f]![part] = (this.version[f]![part] ?? 0) + 1;
      }
  }

  /** A check came or went: every part after it moved, so none is kept (nor one a scrape still copies). */
  private moved(): void {
    if (this.places === null) return;
    this.places = null;
    this.parts = PATH_FAMILIES.map(() => []);
    this.version = PATH_FAMILIES.map(() => []);
  }

  get size(): number {
    return this.rendered.size;
  }

  /**
   * The exposition text of every per-check family, as chunks to send one after the other. Copies at
   * most SLICE_SIZE checks' lines at a time (a part kept from an earlier scrape is not copied again)
   * and yields to the event loop once a turn has copied for RENDER_YIELD_MS, so a 100k-series scrape
   * never holds it for long; no final copy of the whole text.
   */
  async renderChunks(): Promise<Buffer[]> {
    if (!this.places) this.places = new Map([...this.rendered.keys()].map((k, i) => [k, i]));
    const rows = [...this.rendered.values()];
    const { parts, version } = this;
    const versions = version.map((v) => v.slice());
    const out: Buffer[] = [];
    let since = performance.now();
    for (let f = 0; f < PATH_FAMILIES.length; f++) {
      out.push(HEADERS[f]!);
      for (let i = 0; i < rows.length; i += SLICE_SIZE) {
        const p = i / SLICE_SIZE;
        const kept = parts[f]![p];
        if (kept) {
          out.push(kept);
          continue;
        }
        const end = Math.min(rows.length, i + SLICE_SIZE);
        const part: Buffer[] = [];
        for (let j = i; j < end; j++) {
          const b = rows[j]![f];
          if (b) part.push(b);
        }
        const bytes = Buffer.concat(part);
        // Kept only if no change to the part came since this scrape took its rows.
        if (parts === this.parts && (version[f]![p] ?? 0) === (versions[f]![p] ?? 0)) parts[f]![p] = bytes;
        out.push(bytes);
        // Yield once this turn has copied for RENDER_YIELD_MS, not after every slice: while checks run, each
        // yield lets a whole slice of them (scheduler.ts, ~10 ms) in before the scrape goes on.
        if (performance.now() - since >= RENDER_YIELD_MS) {
          await new Promise<void>((r) => setImmediate(r));
          since = performance.now();
        }
      }
    }
    return out;
  }

  /** The same as text (the bytes are what /metrics sends; this is for tests and benchmarks). */
  async render(): Promise<string> {
    return Buffer.concat(await this.renderChunks()).toString('utf8');
  }

  /** Same text, synchronously (tests and tools). */
  renderSync(): string {
    const rows = [...this.rendered.values()];
    const out: Buffer[] = [];
    for (let f = 0; f < PATH_FAMILIES.length; f++) {
      out.push(HEADERS[f]!);
      for (const r of rows) if (r[f]) out.push(r[f]!);
    }
    return Buffer.concat(out).toString('utf8');
  }
}
