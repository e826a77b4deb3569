// GET /probe (issue 17, item 7), in a real daemon on the demo network: a configured path and ad-hoc
// targets answer the exposition format (checked by promtool) with probe_success, probe_duration_seconds
// and ovncp_probe_reachable; an `expect: blocked` target that is open fails the probe; debug=true gives a
// readable trace; bad input is 400 naming the field; with tokens the probe needs one; it is in the
// OpenAPI document and counted by the load shedding.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOfRoute } from '../../src/api/load-shed.ts';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon, type DaemonOptions } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { find, parseMetrics } from '../monitor/metrics-text.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-probe-'));
const PATHS = `paths:
  - name: http-open
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
  - name: ssh-should-be-open
    source_port: vm1-port
    destination: vm2-port
    protocols: [tcp]
    ports: [22, 80]
  - name: empty-group
    source_group: pg_app
    destination_group: pg_app
    protocol: icmp
    expect: blocked
`;
const TOKEN = 'probe-token-0123456789';

async function start(
  env: Record<string, string> = {},
  opts: DaemonOptions = {},
  config = '',
): Promise<Daemon> {
  const topo = join(dir, 'net.yaml');
  writeFileSync(topo, readFileSync(DEMO_NETWORK_FILE, 'utf8'));
  writeFileSync(join(dir, 'paths.yaml'), PATHS);
  writeFileSync(join(dir, 'config.yaml'), config || 'web: {}\n');
  const settings = resolveSettings(
    {
      'config.file': join(dir, 'config.yaml'),
      'paths.file': join(dir, 'paths.yaml'),
      'topology.file': topo,
      'web.listen-address': '127.0.0.1:0',
    },
    {},
  );
  const saved = process.env.OVNCP_API_TOKENS;
  Object.assign(process.env, env);
  try {
    const d = createDaemon(settings, { logger: createLogger('fatal', 'json'), ...opts });
    await d.start();
    const end = Date.now() + 5000;
    const auth = env.OVNCP_API_TOKENS ? { authorization: `Bearer ${TOKEN}` } : {};
    while ((await d.app.inject({ url: '/-/ready', headers: auth })).statusCode !== 200) {
      if (Date.now() > end) throw new Error('not ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    return d;
  } finally {
    if (saved === undefined) delete process.env.OVNCP_API_TOKENS;
    else process.env.OVNCP_API_TOKENS = saved;
  }
}

let d: Daemon;
beforeAll(async () => {
  d = await start();
});
afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function probe(query: string) {
  const res = await d.app.inject(`/probe?${query}`);
  return { status: res.statusCode, type: String(res.headers['content-type']), body: res.body };
}

function samples(body: string) {
  execFileSync('promtool', ['check', 'metrics'], { input: body });
  const m = parseMetrics(body);
  return {
    success: find(m, 'probe_success')[0]?.value,
    duration: find(m, 'probe_duration_seconds')[0]?.value,
    reachable: find(m, 'ovncp_probe_reachable').map((s) => [s.labels.port, s.value]),
  };
}

describe('GET /probe', () => {
  it('probes a configured path: every check, in the exposition format', async () => {
    const r = await probe('path=http-open');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const s = samples(r.body);
    expect(s.success).toBe(1);
    expect(s.duration).toBeGreaterThan(0);
    expect(s.reachable).toEqual([['80', 1]]);
    expect(r.body).toContain(
      'ovncp_probe_reachable{source_port="vm1-port",destination="vm2-port",protocol="tcp",port="80"} 1',
    );
  });

  it('fails a path when one of its checks misses its expectation, and one with no check', async () => {
    const s = samples((await probe('path=ssh-should-be-open')).body);
    expect(s.success).toBe(0);
    expect(s.reachable.sort()).toEqual([
      ['22', 0],
      ['80', 1],
    ]);
    const empty = samples((await probe('path=empty-group')).body);
    expect(empty.success).toBe(0);
    expect(empty.reachable).toEqual([]);
  });

  it('probes ad-hoc targets, by port or IP, with expect=blocked', async () => {
    const open = samples(
      (await probe('source_port=vm1-port&destination=vm2-port&protocol=tcp&port=80')).body,
    );
    expect(open).toMatchObject({ success: 1, reachable: [['80', 1]] });
    const closed = 'source_port=vm1-port&destination_ip=10.0.0.2&protocol=tcp&port=22';
    expect(samples((await probe(closed)).body)).toMatchObject({ success: 0, reachable: [['22', 0]] });
    expect(samples((await probe(`${closed}&expect=blocked`)).body).success).toBe(1);
    // Open but expected blocked: the probe fails.
    const wrong = samples(
      (await probe('source_port=vm1-port&destination=vm2-port&port=80&expect=blocked')).body,
    );
    expect(wrong.success).toBe(0);
    const icmp = samples(
      (await probe('source_port=web-server-port&destination=db-server-port&protocol=icmp')).body,
    );
    expect(icmp).toMatchObject({ success: 1, reachable: [['', 1]] });
  });

  it('answers a readable trace with debug=true', async () => {
    const r = await probe('source_port=vm1-port&destination=vm2-port&port=80&debug=true');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; charset=utf-8/);
    expect(r.body).toContain('--- vm1-port -> vm2-port tcp/80, expect reachable');
    expect(r.body).toMatch(/^REACHED vm2-port \[engine model\]$/m);
    expect(r.body).toMatch(/^allowed by ls1 ls_in_acl: ACL "allow-http"/m);
    expect(r.body).toContain('probe_success 1');
  });

  const BAD: [string, string][] = [
    ['', 'source_port'],
    ['destination=vm2-port&port=80', 'source_port'],
    ['source_port=vm1-port&port=80', 'destination'],
    ['source_port=vm1-port&destination=vm2-port&destination_ip=10.0.0.2&port=80', 'destination'],
    ['source_port=vm1-port&destination_ip=10.0.0.999&port=80', 'destination_ip'],
    ['source_port=vm1-port&destination=vm9-port&port=80', 'destination'],
    ['source_port=vm1-prot&destination=vm2-port&port=80', 'source_port'],
    ['source_port=vm1-port&destination=vm2-port&protocol=sctp&port=80', 'protocol'],
    ['source_port=vm1-port&destination=vm2-port&protocol=tcp', 'port'],
    ['source_port=vm1-port&destination=vm2-port&port=65536', 'port'],
    ['source_port=vm1-port&destination=vm2-port&port=8x', 'port'],
    ['source_port=vm1-port&destination=vm2-port&protocol=icmp&port=1', 'port'],
    ['source_port=vm1-port&destination=vm2-port&port=80&expect=open', 'expect'],
    ['source_port=vm1-port&destination=vm2-port&port=80&debug=yes', 'debug'],
    ['source_port=vm1-port&destination=vm2-port&port=80&port=81', 'port'],
    ['source_port=vm1-port&destination=vm2-port&port=80&destinaton=x', 'destinaton'],
    ['path=nope', 'path'],
    ['path=http-open&port=22', 'port'],
  ];
  it.each(BAD)('refuses %j with 400 naming %s', async (query, field) => {
    const r = await probe(query);
    expect(r.status, r.body).toBe(400);
    expect(JSON.parse(r.body).error).toMatchObject({ code: 'OVNCP_ERR_INVALID_FIELD', field });
  });

  it('is described in /openapi.json and counted by the load shedding', async () => {
    const spec = (await d.app.inject('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(spec.paths['/probe']).toBeDefined();
    expect(engineOfRoute('/probe?path=x')).toBe('flow');
  });
});

describe('GET /probe with tokens', () => {
  it('needs a bearer token, like the API', async () => {
    const t = await start({ OVNCP_API_TOKENS: `prom:${TOKEN}` });
    try {
      expect((await t.app.inject('/probe?path=http-open')).statusCode).toBe(401);
      const ok = await t.app.inject({
        url: '/probe?path=http-open',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('probe_success 1');
    } finally {
      await t.stop();
    }
  });
});

describe('GET /probe past its deadline', () => {
  it('answers probe_success 0 at web.trace_timeout when the engine does not answer', async () => {
    const model = createModelEngine();
    const hanging: TraceEngine = { ...model, name: 'model', trace: () => new Promise(() => {}) };
    const t = await start(
      {},
      { traceEngines: { flowEngine: () => hanging, modelEngine: () => model } },
      'web: { trace_timeout: 300ms }\n',
    );
    try {
      const began = Date.now();
      const res = await t.app.inject('/probe?source_port=vm1-port&destination=vm2-port&port=80&debug=true');
      expect(Date.now() - began).toBeLessThan(3000);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('probe_success 0');
      expect(res.body).toMatch(/^error: .*time/im);
    } finally {
      await t.stop();
    }
  });
});
