// Registers the operator's pages: `/` (landing), `/paths/NAME` (a path, its matrix and a trace),
// `/trace` (the trace form), `/docs` (interactive API docs from /openapi.json's document), and the
// assets they load (our script and cytoscape, from node_modules). Access rules are the API's
// (access.ts); here a refused page answers HTML a browser can act on: the login shell for a 401.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOvncpError } from '../../errors.ts';
import type { Monitor } from '../../monitor/monitor.ts';
import { renderAuthShell } from './auth-shell.ts';
import { ASSETS_PREFIX, esc, page } from './html.ts';
import { filterOf, renderLanding } from './landing.ts';
import { renderPathPage } from './path-page.ts';
import type { DaemonStatusView } from './status-view.ts';
import { renderTracePage } from './trace-form.ts';

export interface PagesDeps {
  readonly monitor: Monitor;
  readonly status: DaemonStatusView;
}

/** The browser's session storage, seen by the function below (which runs in the docs page, not here). */
declare const sessionStorage: { getItem(k: string): string | null };

/**
 * Sends the token from the tab's session storage with every request the docs page makes (the
 * document at /docs/json included). @fastify/swagger-ui writes this function's source into the page,
 * so it must use nothing but its argument and browser globals.
 */
function docsRequestInterceptor(req: { headers: Record<string, string> }) {
  const t = sessionStorage.getItem('ovncp-token');
  if (t) req.headers.Authorization = `Bearer ${t}`;
  return req;
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** Browsers navigating ask for HTML; scripts (fetch, curl) get the API's JSON error body. */
function wantsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function pageError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!isOvncpError(err)) {
    req.log.error({ err }, 'page failed');
    return html(reply, page('Error', '<h1>500</h1><p>The page failed; see the daemon log.</p>'), 500);
  }
  if (!wantsHtml(req)) return reply.code(err.status).send(err.toBody());
  if (err.code === 'OVNCP_ERR_UNAUTHORIZED')
    return html(reply, renderAuthShell(req.headers.authorization ? 'invalid' : 'missing'), 401);
  return html(reply, page('Error', `<h1>${err.status}</h1><p>${esc(err.message)}</p>`), err.status);
}

function assetRoutes(app: FastifyInstance): void {
  const require = createRequire(import.meta.url);
  const cytoscape = readFileSync(require.resolve('cytoscape/dist/cytoscape.min.js'));
  const ours = readFileSync(new URL('./assets/pages.js', import.meta.url));
  const js = (body: Buffer) => (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(body);
  app.get(`${ASSETS_PREFIX}pages.js`, { schema: { hide: true } }, js(ours));
  app.get(`${ASSETS_PREFIX}cytoscape.min.js`, { schema: { hide: true } }, js(cytoscape));
}

async function pageRoutes(app: FastifyInstance, deps: PagesDeps, root: FastifyInstance): Promise<void> {
  const { monitor, status } = deps;
  app.get<{ Querystring: Record<string, unknown> }>('/', { schema: { hide: true } }, async (req, reply) =>
    html(reply, renderLanding(monitor, status, filterOf(req.query))),
  );
  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>(
    '/paths/:name',
    { schema: { hide: true } },
    async (req, reply) => {
      const p = monitor.currentConfig().paths.find((x) => x.name === req.params.name);
      if (!p)
        return html(
          reply,
          page(
            'Not found',
            `<h1>404</h1><p>No path named "${esc(req.params.name)}" (on this shard).</p><p><a href="/">All paths</a></p>`,
          ),
          404,
        );
      return html(reply, await renderPathPage(monitor, status, p, req.query.check));
    },
  );
  app.get<{ Querystring: Record<string, unknown> }>(
    '/trace',
    { schema: { hide: true } },
    async (req, reply) => html(reply, await renderTracePage(root, req)),
  );
}

/** Call on the root instance after setupTraceApi (it needs @fastify/swagger and the access hook). */
export function registerPages(app: FastifyInstance, deps: PagesDeps): void {
  app.register(async (inst) => {
    inst.setErrorHandler(pageError);
    assetRoutes(inst);
    await pageRoutes(inst, deps, app);
    await inst.register(swaggerUi, {
      routePrefix: '/docs',
      // A function here is written into the page's initializer as its source text.
      uiConfig: { requestInterceptor: docsRequestInterceptor as never, deepLinking: true },
      theme: { title: 'ovncp-monitor API' },
    });
  });
}
