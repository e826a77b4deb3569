// What the pages say about the daemon itself, above any path: where the topology comes from and how
// old it is, the OVN version that wrote it, the engine answering traces, and a banner for each thing
// that makes the verdicts below less trustworthy (NB/SB disconnected, a refused reload, an engine that
// cannot run, not ready yet). The runtime fills DaemonStatusView; the API layer sits below it and
// only sees this shape.

import type { Monitor } from '../../monitor/monitor.ts';
import type { OvnInfo, Topology } from '../../ovn/topology/types.ts';
import { VERSION } from '../../version.ts';
import { esc, timeTag } from './html.ts';

export interface EngineStatus {
  /** `--engine` as configured. */
  readonly configured: string;
  /** The engine that answers an on-demand trace now (null when none can). */
  readonly answering: string | null;
  /** Why the configured engine cannot run as asked (null when it can). */
  readonly problem: string | null;
  /** Why the engine's data may be behind the topology (null when current or unknown). */
  readonly stale?: string | null;
}

export interface DaemonStatusView {
  /** The current topology's origin, OVN and last swap time; null before the first one. */
  topology(): { source: Topology['source']; ovn: OvnInfo; updatedAt: number } | null;
  /** Whether the live NB connection is up; null when the topology does not come from a live NB. */
  nbConnected(): boolean | null;
  /** Whether the SB connection is up; null when nothing follows an SB (or it is unknown). */
  sbConnected?(): boolean | null;
  engine(): EngineStatus;
  readonly readiness: { isReady(): boolean; waitingFor(): string[] };
}

export interface Banner {
  readonly level: 'bad' | 'warn';
  /** Stable id (tests and CSS find a banner by it). */
  readonly id: string;
  readonly html: string;
}

function sourceText(s: Topology['source']): string {
  // A file source is named by kind only: the pages show the network's state, not the host's layout.
  if (s.kind === 'ovsdb') return 'live Northbound DB';
  if (s.kind === 'file') return 'snapshot file';
  if (s.kind === 'demo') return 'embedded demo network';
  return 'in-memory topology';
}

function ovnText(o: OvnInfo): string {
  const schemas = [o.nbSchema && `NB schema ${o.nbSchema}`, o.sbSchema && `SB schema ${o.sbSchema}`]
    .filter(Boolean)
    .join(', ');
  return `OVN ${esc(o.releaseRange)}${schemas ? ` (${esc(schemas)})` : ''}`;
}

/** A message without the directories of the files it names: the pages do not show the host's layout. */
export function withoutDirs(message: string): string {
  return message.replace(/(?:\/[^\s/:]+)+\/([^\s/:]+)/g, '$1');
}

/** Every banner that applies now, worst first. */
export function bannersOf(v: DaemonStatusView, m: Monitor, now = Date.now()): Banner[] {
  const out: Banner[] = [];
  const t = v.topology();
  const age = t ? `the last good topology, updated ${timeTag(t.updatedAt, now)}` : 'no topology yet';
  if (v.nbConnected() === false)
    out.push({
      level: 'bad',
      id: 'nb-disconnected',
      html: `<b>Northbound DB disconnected.</b> Verdicts and traces use ${age}; changes made since are not seen.`,
    });
  if (v.sbConnected?.() === false)
    out.push({
      level: 'bad',
      id: 'sb-disconnected',
      html: `<b>Southbound DB disconnected.</b> Engines that read the SB answer from what they last read.`,
    });
  const r = m.reloadStatus();
  if (r && !r.ok)
    out.push({
      level: 'bad',
      id: 'reload-failed',
      html: `<b>Paths reload failed</b> ${timeTag(r.at, now)}: ${esc(withoutDirs(r.error ?? 'unknown error'))}. The previous paths are still checked.`,
    });
  const e = v.engine();
  if (e.problem)
    out.push({
      level: e.answering ? 'warn' : 'bad',
      id: 'engine',
      html: `<b>Engine ${esc(e.configured)}:</b> ${esc(e.problem)}${e.answering ? ` (traces answered by ${esc(e.answering)})` : ' (on-demand traces fail)'}.`,
    });
  if (e.stale)
    out.push({ level: 'warn', id: 'engine-stale', html: `<b>Engine data stale:</b> ${esc(e.stale)}` });
  if (!v.readiness.isReady())
    out.push({
      level: 'warn',
      id: 'not-ready',
      html: `<b>Not ready:</b> waiting for ${esc(v.readiness.waitingFor().join(', '))}.`,
    });
  return out;
}

export function renderBanners(banners: readonly Banner[]): string {
  return banners
    .map((b) => `<div class="banner ${b.level}" id="banner-${b.id}" role="alert">${b.html}</div>`)
    .join('\n');
}

/** One line of facts: source and age, OVN version, engine, daemon version and shard. */
export function renderFacts(v: DaemonStatusView, m: Monitor, now = Date.now()): string {
  const t = v.topology();
  const e = v.engine();
  const shard = m.shardInfo();
  const parts = [
    t
      ? `Topology: <span id="fact-source">${sourceText(t.source)}</span>, updated ${timeTag(t.updatedAt, now)}`
      : 'Topology: not loaded yet',
    t ? `<span id="fact-ovn">${ovnText(t.ovn)}</span>` : '',
    `Engine: <span id="fact-engine">${esc(e.answering ?? 'none')}</span>${e.answering !== e.configured ? ` (--engine ${esc(e.configured)})` : ''}`,
    `ovncp-monitor ${esc(VERSION)}`,
    shard.total > 1 ? `shard ${shard.shard} of ${shard.total}` : '',
  ];
  return `<p class="facts">${parts.filter(Boolean).join(' · ')}</p>`;
}
