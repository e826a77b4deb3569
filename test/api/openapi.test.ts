// GET /openapi.json describes every trace endpoint, and real responses (success and each error
// status) validate against the schemas it declares, checked with an independent JSON Schema
// validator (Ajv, draft 2020-12 as OpenAPI 3.1 uses).

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildApp, hangingEngine, unavailableEngine } from './harness.ts';

const TOKEN = 'openapi-token-0123456789';
let app: FastifyInstance;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown> };
};
let ajv: Ajv2020;

beforeAll(async () => {
  const model = createModelEngine();
  app = await buildApp({ engine: model, model, tokens: { u: TOKEN }, rate: 1000, burst: 1000 });
  const res = await app.inject({
    method: 'GET',
    url: '/openapi.json',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: 'https://ovncp.invalid/openapi.json' });
});
afterAll(() => app.close());

function esc(p: string): string {
  return p.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Validates `body` against the schema the document declares for this path/method/status. */
function check(path: string, method: string, status: number, body: unknown): void {
  const op = doc.paths[path]?.[method];
  expect(op, `${method} ${path} in the document`).toBeDefined();
  expect(op!.responses[String(status)], `${method} ${path} declares ${status}`).toBeDefined();
  const ref = `https://ovncp.invalid/openapi.json#/paths/${esc(path)}/${method}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.compile({ $ref: ref });
  const ok = validate(body);
  expect(ok, `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

function requestValid(path: string, body: unknown): boolean {
  const ref = `https://ovncp.invalid/openapi.json#/paths/${esc(path)}/post/requestBody/content/application~1json/schema`;
  return ajv.compile({ $ref: ref })(body) as boolean;
}

async function call(method: 'GET' | 'POST', url: string, payload?: object, a = app, auth = true) {
  const res = await a.inject({
    method,
    url,
    ...(payload ? { payload } : {}),
    headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
  });
  return { status: res.statusCode, body: res.json() };
}

describe('the OpenAPI document', () => {
  it('lists the five endpoints with bodies, bearer security and JSON Schema 2020-12 schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    // The seed's five; other features' routes (analysis, what-if) are checked by their own tests.
    expect(
      Object.keys(doc.paths)
        .filter((p) => p.startsWith('/api/v1/trace/'))
        .sort(),
    ).toEqual([
      '/api/v1/trace/connectivity',
      '/api/v1/trace/flow',
      '/api/v1/trace/multi-path',
      '/api/v1/trace/ports/{port}/addresses',
      '/api/v1/trace/simulate',
    ]);
    for (const p of ['flow', 'simulate', 'multi-path', 'connectivity']) {
      expect(doc.paths[`/api/v1/trace/${p}`]!.post!.requestBody).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('request schemas accept the seed requests and refuse unknown fields and bad ranges', () => {
    const flow = {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp',
      destination_port_num: 80,
    };
    expect(requestValid('/api/v1/trace/flow', flow)).toBe(true);
    expect(requestValid('/api/v1/trace/flow', { ...flow, colour: 'red' })).toBe(false);
    expect(requestValid('/api/v1/trace/flow', { ...flow, destination_port_num: 65536 })).toBe(false);
    expect(requestValid('/api/v1/trace/flow', { ...flow, protocol: 'gre' })).toBe(false);
    expect(requestValid('/api/v1/trace/connectivity', { source_port: 'a', target_ports: ['b'] })).toBe(true);
  });
});

describe('real responses match the document', () => {
  it('200s of every endpoint', async () => {
    const flow = {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocol: 'tcp',
      destination_port_num: 22,
      verbose: true,
    };
    for (const p of ['flow', 'simulate']) {
      const r = await call('POST', `/api/v1/trace/${p}`, flow);
      expect(r.status).toBe(200);
      check(`/api/v1/trace/${p}`, 'post', 200, r.body);
    }
    const lb = await call('POST', '/api/v1/trace/flow', {
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      protocol: 'tcp',
      destination_port_num: 80,
    });
    check('/api/v1/trace/flow', 'post', 200, lb.body);
    const mp = await call('POST', '/api/v1/trace/multi-path', {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
    });
    check('/api/v1/trace/multi-path', 'post', 200, mp.body);
    const cn = await call('POST', '/api/v1/trace/connectivity', {
      source_port: 'web-server-port',
      target_ports: ['db-server-port', 'app-server-port'],
    });
    check('/api/v1/trace/connectivity', 'post', 200, cn.body);
    const ad = await call('GET', '/api/v1/trace/ports/ls1-lr-core/addresses');
    check('/api/v1/trace/ports/{port}/addresses', 'get', 200, ad.body);
  });

  it('error statuses: 400, 401, 404, 429, 503, 504', async () => {
    const bad = await call('POST', '/api/v1/trace/flow', { source_port: 'vm1-port', source_mac: 'x' });
    expect(bad.status).toBe(400);
    check('/api/v1/trace/flow', 'post', 400, bad.body);
    const unauth = await call('POST', '/api/v1/trace/flow', { source_port: 'vm1-port' }, app, false);
    expect(unauth.status).toBe(401);
    check('/api/v1/trace/flow', 'post', 401, unauth.body);
    const missing = await call('GET', '/api/v1/trace/ports/ghost/addresses');
    expect(missing.status).toBe(404);
    check('/api/v1/trace/ports/{port}/addresses', 'get', 404, missing.body);

    const limited = await buildApp({ rate: 0.001, burst: 1 });
    const slow = await buildApp({ engine: hangingEngine(), timeoutMs: 50 });
    const down = await buildApp({ engine: unavailableEngine() });
    try {
      const body = { source_port: 'vm1-port', destination_ip: '10.0.0.2' };
      await call('POST', '/api/v1/trace/multi-path', body, limited, false);
      const r429 = await call('POST', '/api/v1/trace/multi-path', body, limited, false);
      expect(r429.status).toBe(429);
      check('/api/v1/trace/multi-path', 'post', 429, r429.body);
      const r504 = await call(
        'POST',
        '/api/v1/trace/connectivity',
        { source_port: 'vm1-port', target_ports: ['vm2-port'] },
        slow,
        false,
      );
      expect(r504.status).toBe(504);
      check('/api/v1/trace/connectivity', 'post', 504, r504.body);
      const r503 = await call('POST', '/api/v1/trace/flow', body, down, false);
      expect(r503.status).toBe(503);
      check('/api/v1/trace/flow', 'post', 503, r503.body);
    } finally {
      await Promise.all([limited.close(), slow.close(), down.close()]);
    }
  });
});
