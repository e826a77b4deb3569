// Every error path of the trace API, in-process with app.inject(): each gives the documented status
// and the body {error:{code,message,field}}.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, hangingEngine, unavailableEngine } from './harness.ts';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp();
});
afterAll(() => app.close());

const ok = {
  source_port: 'vm1-port',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  destination_port_num: 80,
};

async function post(path: string, body: unknown, a: FastifyInstance = app) {
  const res = await a.inject({
    method: 'POST',
    url: `/api/v1/trace/${path}`,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    body: res.json() as { error: { code: string; message: string; field?: string } },
  };
}

describe('trace request validation (400)', () => {
  const cases: [string, unknown, string, string, RegExp][] = [
    ['malformed JSON', '{"source_port": ', 'OVNCP_ERR_BAD_REQUEST', 'body', /JSON/i],
    ['array body', '[1,2]', 'OVNCP_ERR_BAD_REQUEST', '', /must be a JSON object/],
    ['null body', 'null', 'OVNCP_ERR_BAD_REQUEST', '', /must be a JSON object/],
    [
      'unknown field',
      { ...ok, colour: 'red' },
      'OVNCP_ERR_INVALID_FIELD',
      'colour',
      /^Unknown field: colour$/,
    ],
    [
      'missing source_port',
      { destination_ip: '10.0.0.2' },
      'OVNCP_ERR_INVALID_FIELD',
      'source_port',
      /required/,
    ],
    [
      'source_port wrong type',
      { ...ok, source_port: 7 },
      'OVNCP_ERR_INVALID_FIELD',
      'source_port',
      /port name/,
    ],
    [
      'bad MAC',
      { ...ok, source_mac: '00:00:00:00:00' },
      'OVNCP_ERR_INVALID_MAC',
      'source_mac',
      /^Invalid MAC address: 00:00:00:00:00$/,
    ],
    [
      'bad destination MAC',
      { ...ok, destination_mac: 'zz:00:00:00:00:02' },
      'OVNCP_ERR_INVALID_MAC',
      'destination_mac',
      /^Invalid MAC address: /,
    ],
    [
      'bad IP',
      { ...ok, destination_ip: '10.0.0.256' },
      'OVNCP_ERR_INVALID_IP',
      'destination_ip',
      /^Invalid IP address: 10.0.0.256$/,
    ],
    [
      'bad source IP',
      { ...ok, source_ip: 'fe80:::1' },
      'OVNCP_ERR_INVALID_IP',
      'source_ip',
      /^Invalid IP address: /,
    ],
    [
      'port too big',
      { ...ok, destination_port_num: 65536 },
      'OVNCP_ERR_INVALID_FIELD',
      'destination_port_num',
      /0\.\.65535/,
    ],
    [
      'port negative',
      { ...ok, source_port_num: -1 },
      'OVNCP_ERR_INVALID_FIELD',
      'source_port_num',
      /0\.\.65535/,
    ],
    [
      'port not integer',
      { ...ok, destination_port_num: 80.5 },
      'OVNCP_ERR_INVALID_FIELD',
      'destination_port_num',
      /0\.\.65535/,
    ],
    [
      'port as string',
      { ...ok, destination_port_num: '80' },
      'OVNCP_ERR_INVALID_FIELD',
      'destination_port_num',
      /0\.\.65535/,
    ],
    [
      'unknown protocol',
      { ...ok, protocol: 'sctp' },
      'OVNCP_ERR_UNKNOWN_PROTOCOL',
      'protocol',
      /^Unknown protocol: "sctp"/,
    ],
    ['max_hops 0', { ...ok, max_hops: 0 }, 'OVNCP_ERR_INVALID_FIELD', 'max_hops', /1\.\.100/],
    ['max_hops 101', { ...ok, max_hops: 101 }, 'OVNCP_ERR_INVALID_FIELD', 'max_hops', /1\.\.100/],
    ['verbose not boolean', { ...ok, verbose: 'yes' }, 'OVNCP_ERR_INVALID_FIELD', 'verbose', /boolean/],
  ];
  for (const [name, body, code, field, message] of cases) {
    for (const path of ['flow', 'simulate']) {
      it(`${path}: ${name}`, async () => {
        const r = await post(path, body);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe(code);
        if (field) expect(r.body.error.field).toBe(field);
        else expect(r.body.error.field).toBeUndefined();
        expect(r.body.error.message).toMatch(message);
      });
    }
  }

  it('multi-path: unknown protocol inside the list names the element', async () => {
    const r = await post('multi-path', {
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocols: ['tcp', 'gre'],
    });
    expect(r).toMatchObject({
      status: 400,
      body: { error: { code: 'OVNCP_ERR_UNKNOWN_PROTOCOL', field: 'protocols[1]' } },
    });
  });

  it('multi-path: destination_ip is required', async () => {
    const r = await post('multi-path', { source_port: 'vm1-port' });
    expect(r).toMatchObject({
      status: 400,
      body: { error: { code: 'OVNCP_ERR_INVALID_FIELD', field: 'destination_ip' } },
    });
  });

  it('connectivity: a port number out of range names the element', async () => {
    const r = await post('connectivity', {
      source_port: 'web-server-port',
      target_ports: ['db-server-port'],
      ports: [80, 70000],
    });
    expect(r).toMatchObject({
      status: 400,
      body: { error: { code: 'OVNCP_ERR_INVALID_FIELD', field: 'ports[1]' } },
    });
  });

  it('wrong content type is 415, not 5xx', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/trace/flow',
      headers: { 'content-type': 'application/xml' },
      payload: 'hi',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('OVNCP_ERR_BAD_REQUEST');
  });

  it('a prototype-poisoning body is refused with 400', async () => {
    const r = await post('flow', '{"source_port":"vm1-port","__proto__":{"x":1}}');
    expect(r.status).toBe(400);
  });
});

describe('lookups that fail (404)', () => {
  it('unknown source port', async () => {
    const r = await post('flow', { ...ok, source_port: 'nope-port' });
    expect(r).toEqual({
      status: 404,
      body: {
        error: {
          code: 'OVNCP_ERR_SOURCE_PORT_NOT_FOUND',
          message: 'Source port not found: nope-port',
          field: 'source_port',
        },
      },
    });
  });

  it('unknown target port in connectivity', async () => {
    const r = await post('connectivity', {
      source_port: 'web-server-port',
      target_ports: ['db-server-port', 'ghost'],
    });
    expect(r).toEqual({
      status: 404,
      body: {
        error: {
          code: 'OVNCP_ERR_PORT_NOT_FOUND',
          message: 'Target port not found: ghost',
          field: 'target_ports[1]',
        },
      },
    });
  });

  it('unknown port in the addresses lookup', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/trace/ports/ghost/addresses' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'OVNCP_ERR_PORT_NOT_FOUND', message: 'Port not found: ghost', field: 'port' },
    });
  });
});

describe('engine trouble (503, 504) and bounds', () => {
  it('engine unavailable gives 503', async () => {
    const a = await buildApp({ engine: unavailableEngine() });
    try {
      const r = await post('flow', ok, a);
      expect(r).toEqual({
        status: 503,
        body: { error: { code: 'OVNCP_ERR_ENGINE_UNAVAILABLE', message: 'ovn-trace is not installed' } },
      });
    } finally {
      await a.close();
    }
  });

  it('no topology yet gives 503', async () => {
    const a = await buildApp({ topology: null });
    try {
      const r = await post('flow', ok, a);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('OVNCP_ERR_NOT_READY');
    } finally {
      await a.close();
    }
  });

  it('a trace past its deadline gives 504 and the engine is told to stop', async () => {
    const engine = hangingEngine();
    const a = await buildApp({ engine, timeoutMs: 150 });
    try {
      const t0 = Date.now();
      const r = await post('flow', ok, a);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(r).toEqual({
        status: 504,
        body: {
          error: { code: 'OVNCP_ERR_TIMEOUT', message: 'Trace timed out after 0.15s (web.trace_timeout)' },
        },
      });
      expect(engine.aborted()).toBe(true);
      const m = await post('multi-path', { source_port: 'vm1-port', destination_ip: '10.0.0.2' }, a);
      expect(m.status).toBe(504);
    } finally {
      await a.close();
    }
  });

  it('multi-path over the per-request trace bound is refused before tracing', async () => {
    const a = await buildApp({ maxTracesPerRequest: 10 });
    try {
      // tcp × 6 ports + icmp = 7 traces: allowed; tcp,udp × 6 + icmp = 13: refused.
      const small = await post(
        'multi-path',
        {
          source_port: 'vm1-port',
          destination_ip: '10.0.0.2',
          protocols: ['tcp', 'icmp'],
          ports: [1, 2, 3, 4, 5, 6],
        },
        a,
      );
      expect(small.status).toBe(200);
      const big = await post(
        'multi-path',
        { source_port: 'vm1-port', destination_ip: '10.0.0.2', ports: [1, 2, 3, 4, 5, 6] },
        a,
      );
      expect(big).toEqual({
        status: 400,
        body: {
          error: {
            code: 'OVNCP_ERR_INVALID_FIELD',
            field: 'ports',
            message: 'This request needs 13 traces; the limit is 10 per request (web.max_traces_per_request)',
          },
        },
      });
    } finally {
      await a.close();
    }
  });
});
