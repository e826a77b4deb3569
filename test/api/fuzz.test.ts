// Property-based fuzzing of the trace API in-process: thousands of malformed or odd bodies (random
// JSON, valid requests with one field replaced by anything, raw text) must never give a 5xx, and
// every 4xx must carry the API error body. Runs against the real model engine.

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildApp } from './harness.ts';

let app: FastifyInstance;
beforeAll(async () => {
  const model = createModelEngine();
  app = await buildApp({ engine: model, model });
});
afterAll(() => app.close());

const PATHS = ['flow', 'simulate', 'multi-path', 'connectivity'] as const;
const FIELDS = [
  'source_port',
  'source_mac',
  'source_ip',
  'destination_mac',
  'destination_ip',
  'protocol',
  'source_port_num',
  'destination_port_num',
  'verbose',
  'max_hops',
  'protocols',
  'ports',
  'target_ports',
];
const VALID: Record<(typeof PATHS)[number], Record<string, unknown>> = {
  flow: { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'tcp', destination_port_num: 80 },
  simulate: {
    source_port: 'dmz-port',
    destination_ip: '10.0.1.100',
    protocol: 'tcp',
    destination_port_num: 80,
  },
  'multi-path': {
    source_port: 'web-server-port',
    destination_ip: '10.0.2.10',
    protocols: ['tcp'],
    ports: [80],
  },
  connectivity: { source_port: 'web-server-port', target_ports: ['db-server-port'] },
};

// Values that sit on the edges of what the schemas accept.
const edgy = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    '',
    ' ',
    'vm1-port',
    '10.0.0.2',
    '::1',
    'fe80::1',
    '00:00:00:00:00:01',
    'tcp',
    'icmp',
    'ICMP',
    '10.0.0.256',
    '1.2.3',
    '00:00:00:00:00:0g',
    '__proto__',
    'constructor',
    '\u0000',
    'ls1-lr-core',
    'lr-core-db',
  ),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
  fc.constantFrom(0, 1, 100, 101, 65535, 65536, -0, Number.MAX_SAFE_INTEGER, 1e308),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constantFrom('tcp', 'udp', 'icmp', 'db-server-port'))),
);

async function send(path: string, payload: string) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/trace/${path}`,
    headers: { 'content-type': 'application/json' },
    payload,
  });
  if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${path} ${payload}: ${res.body}`);
  if (res.statusCode >= 400) {
    const b = res.json();
    expect(typeof b.error.code).toBe('string');
    expect(b.error.code).toMatch(/^OVNCP_ERR_/);
    expect(typeof b.error.message).toBe('string');
  } else expect(res.statusCode).toBe(200);
  return res.statusCode;
}

describe('fuzz: no 5xx, no crash', () => {
  it('random JSON values as bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.jsonValue(), async (path, v) => {
        await send(path, JSON.stringify(v));
      }),
      { numRuns: 1500 },
    );
  });

  it('valid requests with one field set to anything (or added)', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.constantFrom(...FIELDS),
        edgy,
        async (path, field, value) => {
          const body = { ...VALID[path], [field]: value };
          const text = JSON.stringify(body, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
          if (text === undefined) return;
          statuses.add(await send(path, text));
        },
      ),
      { numRuns: 3000 },
    );
    // The generator does reach both sides: some bodies are accepted, many refused.
    expect(statuses.has(200)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  });

  it('raw text and truncated JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
        ),
        async (path, text) => {
          await send(path, text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random port names in the addresses lookup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), async (name) => {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/trace/ports/${encodeURIComponent(name)}/addresses`,
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 500 },
    );
  });
});
