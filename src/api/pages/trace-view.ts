// One trace on a page: the verdict, a hop table readable without JS (datapath, stage, hop type, the
// deciding ACL with its owner, NAT/LB rewrites in the description), what let it through each ACL stage,
// LB backends, warnings, and the data of the diagram pages.js draws with cytoscape: datapaths as boxes
// holding their hops, one edge per step, a branch per LB backend. It renders the API's TraceResult, so
// it shows exactly what POST /api/v1/trace/flow and GET /api/v1/paths/NAME answer.

import type { AclMatch, Hop, TraceResult } from '../../engine/types.ts';
import { esc, table } from './html.ts';

/** The served cytoscape build (cytoscape ~3.35, from node_modules; no CDN). */
export const CYTOSCAPE_URL = '/pages/assets/cytoscape.min.js';

/** An owner as a reference names it: an object (`kind`, `name`, `namespace`) or a plain string. */
export function ownerText(o: unknown): string | null {
  if (typeof o === 'string') return o;
  if (!o || typeof o !== 'object') return null;
  const { kind, name, namespace } = o as { kind?: string; name?: string; namespace?: string };
  if (!name) return null;
  return `${kind ? `${kind} ` : ''}${namespace && namespace !== name ? `${namespace}/` : ''}${name}`;
}

/**
 * Where the ACL sits and who it was written for. Read structurally: references carry `owner` (where it
 * is attached, or, with rule owners, an object naming the policy) and may carry `attached_to`.
 */
function aclPlace(a: AclMatch): string {
  const r = a as { owner?: unknown; attached_to?: unknown };
  const attached = typeof r.attached_to === 'string' ? r.attached_to : null;
  const owner = ownerText(r.owner);
  const parts = [
    attached && `on ${esc(attached)}`,
    owner && (typeof r.owner === 'string' ? `on ${esc(owner)}` : `owner <b class="owner">${esc(owner)}</b>`),
  ].filter(Boolean);
  return parts.length ? ` <span class="muted">${parts.join(', ')}</span>` : '';
}

function aclText(a: AclMatch): string {
  const name = a.acl_name ? `<b>${esc(a.acl_name)}</b>` : `<code>${esc(a.uuid ?? 'unnamed')}</code>`;
  return `${name} (${esc(a.action)}, priority ${a.priority})${aclPlace(a)}<br><code>${esc(a.match)}</code>`;
}

function hopRow(h: Hop): string[] {
  const acls = (h.acl_matches ?? []).map(aclText).join('<br>');
  const next = h.next_hop ? `<br><span class="muted">next hop ${esc(h.next_hop)}</span>` : '';
  return [
    String(h.index),
    esc(h.datapath ?? ''),
    h.stage ? `<code>${esc(h.stage)}</code>` : '',
    esc(h.type),
    esc(h.action),
    acls,
    `${esc(h.description)}${next}`,
  ];
}

function hopTable(r: TraceResult): string {
  const head = ['#', 'Datapath', 'Stage', 'Type', 'Action', 'Deciding ACL', 'What happened'];
  // The hop the packet died at reads red without JS too.
  const drop = r.dropped_at?.index;
  return table(head, r.hops.map(hopRow), 'hops', (i) => (r.hops[i]!.index === drop ? 'drop' : null));
}

interface GraphElement {
  data: Record<string, string>;
  classes?: string;
  /** Preset layout: datapaths left to right in the order first entered, each one's hops top down. */
  position?: { x: number; y: number };
}

const COLUMN = 230;
const ROW = 64;

/** Places hop nodes: a column per datapath (first entry order), hops in order down it. */
class Grid {
  private readonly columns = new Map<string, number>();
  private readonly depth = new Map<string, number>();

  place(dp: string): { x: number; y: number; isNew: boolean } {
    const isNew = !this.columns.has(dp);
    if (isNew) this.columns.set(dp, this.columns.size);
    const row = this.depth.get(dp) ?? 0;
    this.depth.set(dp, row + 1);
    return { x: this.columns.get(dp)! * COLUMN, y: row * ROW, isNew };
  }

  /** The next free slot of an extra column after the datapaths': LB backends, then delivered ports. */
  end(kind: 'backends' | 'outputs'): { x: number; y: number } {
    return this.place(`\u0000${kind}`);
  }
}

/**
 * Cytoscape elements: a compound node per datapath, a node per hop, edges in hop order, a dashed branch
 * per LB backend (to the ports it delivered to), the delivered ports last. Nodes come before edges.
 */
export function graphOf(r: TraceResult): GraphElement[] {
  const nodes: GraphElement[] = [];
  const edges: GraphElement[] = [];
  const edge = (source: string, target: string, classes?: string) =>
    edges.push({ data: { id: `e:${source}-${target}`, source, target }, ...(classes ? { classes } : {}) });
  const grid = new Grid();
  let prev: string | null = null;
  let lbHop: string | null = null;
  for (const h of r.hops) {
    const dp = h.datapath ?? '(unknown datapath)';
    const { x, y, isNew } = grid.place(dp);
    if (isNew) nodes.push({ data: { id: `dp:${dp}`, label: dp }, classes: 'datapath' });
    const id = `hop:${h.index}`;
    const cls = h.action === 'drop' ? 'hop drop' : h.type === 'acl' ? 'hop acl' : 'hop';
    const acl = h.acl_matches?.[0]?.acl_name;
    const label = `${h.index}. ${h.stage ?? h.type}${acl ? `\n${acl}` : ''}`;
    nodes.push({ data: { id, parent: `dp:${dp}`, label }, classes: cls, position: { x, y } });
    if (prev) edge(prev, id);
    if (h.type === 'load_balancer') lbHop = id;
    prev = id;
  }
  for (const b of r.backends ?? []) {
    const id = `backend:${b.backend}`;
    const cls = b.reached ? 'backend reached' : 'backend';
    nodes.push({ data: { id, label: `backend ${b.backend}` }, classes: cls, position: grid.end('backends') });
    const from = lbHop ?? prev;
    if (from) edge(from, id, 'branch');
    for (const p of b.output_ports) edge(id, `out:${p}`, 'branch');
  }
  for (const p of r.output_ports) {
    nodes.push({
      data: { id: `out:${p}`, label: `→ ${p}` },
      classes: 'output',
      position: grid.end('outputs'),
    });
    if (prev && !r.backends?.length) edge(prev, `out:${p}`);
  }
  return [...nodes, ...edges];
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function renderTraceResult(r: TraceResult): string {
  const verdict = r.reaches_destination
    ? `<h2 class="ok" id="verdict">Reached ${esc(r.output_ports.join(', ') || 'the destination')}</h2>`
    : `<h2 class="unmet" id="verdict">Blocked${r.dropped_at ? ` at hop ${r.dropped_at.index} (${esc(r.dropped_at.datapath ?? '')} ${esc(r.dropped_at.stage ?? r.dropped_at.type)})` : ''}</h2>`;
  const allowed = r.allowed_by.length
    ? `<h3>Allowed by</h3><ul>${r.allowed_by
        .map(
          (a) =>
            `<li>${esc(a.datapath)} <code>${esc(a.stage)}</code>: ${a.acl ? aclText(a.acl) : esc(a.reason)}</li>`,
        )
        .join('')}</ul>`
    : '';
  const backends = r.backends?.length
    ? `<h3>Load-balancer backends</h3><ul>${r.backends
        .map(
          (b) =>
            `<li class="${b.reached ? 'ok' : 'unmet'}">${esc(b.backend)}: ${b.reached ? `reached (${esc(b.output_ports.join(', '))})` : 'not reached'}</li>`,
        )
        .join('')}</ul>`
    : '';
  const warnings = r.warnings.length
    ? `<h3>Warnings</h3><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
    : '';
  return `${verdict}
<p id="summary">${esc(r.summary)} <span class="muted">[engine ${esc(r.engine)}]</span></p>
<div id="diagram" aria-label="trace diagram"></div>
<script type="application/json" id="trace-graph">${scriptJson(graphOf(r))}</script>
${hopTable(r)}
${allowed}${backends}${warnings}`;
}
