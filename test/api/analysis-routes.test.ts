// POST /api/v1/analysis/services and /reachers in-process (app.inject) with the real model engine on the
// demo network: the answers, 4xx naming the field at fault, the configured limits refused before any
// trace, and both routes in /openapi.json.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildApp } from './harness.ts';

let app: FastifyInstance;
beforeAll(async () => {
  const engine = createModelEngine();
  app = await buildApp({ engine, model: engine });
});
afterAll(() => app.close());

const post = (url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, payload: payload as object });

describe('POST /api/v1/analysis/services', () => {
  it('lists the open ranges with their deciding ACLs', async () => {
    const r = await post('/api/v1/analysis/services', {
      source_port: 'web-server-port',
      destination_ip: '10.0.2.10',
    });
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b.tcp.map((x: { from: number; to: number }) => [x.from, x.to])).toEqual([[3306, 3306]]);
    expect(
      b.tcp[0].allowed_by.map((a: { acl: { acl_name: string } | null }) => a.acl?.acl_name ?? null),
    ).toEqual([null, 'db-allow-mysql-from-web']);
    expect(b.udp).toEqual([]);
    expect(b.icmp.reachable).toBe(true);
    expect(b.closed_ranges).toEqual({ tcp: 2, udp: 1 });
    expect(b).toMatchObject({ source_port: 'web-server-port', destination_ip: '10.0.2.10', engine: 'model' });
  });

  it.each([
    [{ source_port: 'web-server-port', destination_ip: '10.0.2.10', protocol: 'tcp' }, 'protocol'],
    [{ source_port: 'web-server-port', destination_ip: 'not-an-ip' }, 'destination_ip'],
    [{ source_port: 'nope', destination_ip: '10.0.2.10' }, 'source_port'],
    [{ destination_ip: '10.0.2.10' }, 'source_port'],
  ])('4xx naming the field: %j', async (body, field) => {
    const r = await post('/api/v1/analysis/services', body);
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(r.json().error.field).toBe(field);
  });

  it('refuses above analysis.max_ranges', async () => {
    const small = await buildApp({ engine: createModelEngine(), maxRanges: 2 });
    const r = await small.inject({
      method: 'POST',
      url: '/api/v1/analysis/services',
      payload: { source_port: 'web-server-port', destination_ip: '10.0.2.10' },
    });
    await small.close();
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'OVNCP_ERR_INVALID_FIELD', field: 'destination_ip' });
    expect(r.json().error.message).toContain('analysis.max_ranges');
  });
});

describe('POST /api/v1/analysis/reachers', () => {
  it('answers who reaches the database on tcp/3306', async () => {
    const r = await post('/api/v1/analysis/reachers', { destination_port: 'db-server-port', port: 3306 });
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b.sources).toHaveLength(1);
    expect(b.sources[0]).toMatchObject({
      ports: ['web-server-2-port', 'web-server-port'],
      switch: 'ls-web',
      port_groups: ['pg_web'],
    });
    expect(b).toMatchObject({ protocol: 'tcp', port: 3306, reaching: 2, considered: 9, skipped: 0 });
  });

  it.each([
    [{ destination_port: 'db-server-port', protocol: 'udp' }, 'port', 400],
    [{ destination_port: 'db-server-port', port: 70000 }, 'port', 400],
    [{ destination_port: 'nope', port: 1 }, 'destination_port', 404],
    [{ destination_port: 'db-server-port', port: 1, extra: 1 }, 'extra', 400],
  ])('4xx naming the field: %j', async (body, field, status) => {
    const r = await post('/api/v1/analysis/reachers', body);
    expect(r.statusCode).toBe(status);
    expect(r.json().error.field).toBe(field);
  });

  it('refuses above analysis.max_sources', async () => {
    const small = await buildApp({ engine: createModelEngine(), maxSources: 3 });
    const r = await small.inject({
      method: 'POST',
      url: '/api/v1/analysis/reachers',
      payload: { destination_port: 'db-server-port', port: 3306 },
    });
    await small.close();
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toContain('analysis.max_sources');
  });
});

it('both routes are in /openapi.json', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining(['/api/v1/analysis/services', '/api/v1/analysis/reachers']),
  );
  expect(doc.paths['/api/v1/analysis/services'].post.requestBody).toBeDefined();
});
