// `/trace`: a form with the seed's request fields (GET, so a trace is a link that can be shared; it
// holds no token). A filled form is answered by POST /api/v1/trace/flow itself, injected with the
// caller's own Authorization header: the same validation, engine, deadline, rate limit and errors.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceResult } from '../../engine/types.ts';
import { esc, page } from './html.ts';
import { CYTOSCAPE_URL, renderTraceResult } from './trace-view.ts';

const TEXT_FIELDS = ['source_port', 'source_mac', 'source_ip', 'destination_mac', 'destination_ip'] as const;
const NUMBER_FIELDS = ['source_port_num', 'destination_port_num', 'max_hops'] as const;

/** The JSON body of a trace request from the form's query string (empty fields left out). */
export function requestOf(q: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) if (typeof q[f] === 'string' && q[f].trim()) body[f] = q[f].trim();
  if (typeof q.protocol === 'string' && q.protocol) body.protocol = q.protocol;
  // A number that does not parse is sent as text: the API then names the field in its error.
  for (const f of NUMBER_FIELDS) {
    const v = q[f];
    if (typeof v === 'string' && v.trim()) body[f] = /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  }
  if (q.verbose === 'on' || q.verbose === 'true') body.verbose = true;
  return body;
}

function input(name: string, q: Record<string, unknown>, label: string, hint = ''): string {
  const v = typeof q[name] === 'string' ? (q[name] as string) : '';
  return `<label>${label}<br><input name="${name}" id="f-${name}" value="${esc(v)}" placeholder="${esc(hint)}"></label>`;
}

function form(q: Record<string, unknown>): string {
  const proto = typeof q.protocol === 'string' ? q.protocol : '';
  const opts = ['', 'tcp', 'udp', 'icmp']
    .map((p) => `<option value="${p}"${p === proto ? ' selected' : ''}>${p || '(auto)'}</option>`)
    .join('');
  return `<form class="filters" method="get" action="/trace" id="trace-form">
${input('source_port', q, 'Source port *', 'vm1-port')}
${input('destination_ip', q, 'Destination IP', '10.0.0.2')}
<label>Protocol<br><select name="protocol" id="f-protocol">${opts}</select></label>
${input('destination_port_num', q, 'Destination port', '80')}
${input('source_port_num', q, 'Source port number', 'auto')}
${input('source_mac', q, 'Source MAC', 'auto')}
${input('source_ip', q, 'Source IP', 'auto')}
${input('destination_mac', q, 'Destination MAC', 'auto')}
${input('max_hops', q, 'Max hops', '50')}
<label><input type="checkbox" name="verbose"${q.verbose ? ' checked' : ''}> verbose</label>
<button type="submit">Trace</button>
</form>`;
}

interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function askApi(
  app: FastifyInstance,
  req: FastifyRequest,
  body: Record<string, unknown>,
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (typeof req.headers.authorization === 'string') headers.authorization = req.headers.authorization;
  const res = await app.inject({ method: 'POST', url: '/api/v1/trace/flow', headers, payload: body });
  let parsed: unknown = null;
  try {
    parsed = res.json();
  } catch {
    parsed = { error: { message: res.body } };
  }
  return { status: res.statusCode, body: parsed };
}

export async function renderTracePage(
  app: FastifyInstance,
  req: FastifyRequest<{ Querystring: Record<string, unknown> }>,
): Promise<string> {
  const q = req.query;
  let answer = '<p class="muted">Only the source port is required; the rest is filled from the topology.</p>';
  if (typeof q.source_port === 'string' && q.source_port.trim()) {
    const a = await askApi(app, req, requestOf(q));
    if (a.status === 200) answer = renderTraceResult(a.body as TraceResult);
    else {
      const e = (a.body as { error?: { code?: string; message?: string; field?: string } }).error ?? {};
      answer = `<div class="banner bad" id="trace-error">${a.status} ${esc(e.code ?? '')}: ${esc(e.message ?? '')}${e.field ? ` (field ${esc(e.field)})` : ''}</div>`;
    }
  }
  return page('Trace', `<h1>Trace a packet</h1>\n${form(q)}\n${answer}`, { scripts: [CYTOSCAPE_URL] });
}
