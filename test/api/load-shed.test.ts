// Load shedding and timeouts over a real socket, against `serve` on the demo network with the model
// engine: heavy fan-outs beyond web.max_traces_in_flight get 503 OVNCP_ERR_OVERLOADED with Retry-After;
// while fan-outs run, /-/healthy and a light /flow stay fast; a slow-body client is cut off.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOfRoute } from '../../src/api/load-shed.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';

let dir = '';
let d: ServeHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ovncp-shed-'));
  const cfg = join(dir, 'ovncp.yaml');
  writeFileSync(
    cfg,
    'web:\n  max_traces_in_flight: 3\n  request_timeout: 2s\n  rate_limit: { rate: 1000, burst: 1000 }\n',
  );
  d = await serve([`--config.file=${cfg}`, '--engine=model']);
}, 60_000);

afterAll(async () => {
  await d?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** 500 traces: tcp and udp to 250 ports each. */
const heavy = {
  source_port: 'vm1-port',
  destination_ip: '10.0.0.2',
  protocols: ['tcp', 'udp'],
  ports: Array.from({ length: 250 }, (_, i) => 1000 + i),
};
const light = {
  source_port: 'vm1-port',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  destination_port_num: 80,
};

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${d.url}/api/v1/trace/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function timed(f: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const r = await f();
  await r.arrayBuffer();
  return { ms: performance.now() - t, status: r.status };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * p) - 1] ?? 0;

describe('load shedding', () => {
  it('maps trace routes to the engine they hold', () => {
    expect(engineOfRoute('/api/v1/trace/flow')).toBe('flow');
    expect(engineOfRoute('/api/v1/trace/multi-path?x=1')).toBe('flow');
    expect(engineOfRoute('/api/v1/trace/connectivity')).toBe('flow');
    expect(engineOfRoute('/api/v1/analysis/reachers')).toBe('flow');
    expect(engineOfRoute('/api/v1/analysis/services')).toBe('flow');
    expect(engineOfRoute('/api/v1/trace/simulate')).toBe('model');
    expect(engineOfRoute('/api/v1/trace/ports/a/addresses')).toBeNull();
    expect(engineOfRoute('/-/healthy')).toBeNull();
  });

  it('refuses fan-outs beyond the cap with 503 OVNCP_ERR_OVERLOADED and Retry-After', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => post('multi-path', heavy)));
    const shed = all.filter((r) => r.status === 503);
    expect(all.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const r of shed) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('OVNCP_ERR_OVERLOADED');
    }
    // Places are given back: once the fan-outs are done, a request is admitted again.
    expect((await post('flow', light)).status).toBe(200);
  }, 120_000);

  it('gives places back when clients go away mid-request', async () => {
    for (let i = 0; i < 6; i++) {
      const ctl = new AbortController();
      const r = fetch(`${d.url}/api/v1/trace/multi-path`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(heavy),
        signal: ctl.signal,
      }).catch(() => null);
      await new Promise((res) => setTimeout(res, 30));
      ctl.abort();
      await r;
    }
    await new Promise((res) => setTimeout(res, 2000)); // the abandoned fan-outs finish
    const all = await Promise.all([0, 1, 2].map(() => post('multi-path', heavy)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200]);
  }, 60_000);

  // Issue 18: p99 <= 50 ms (100 samples, so p99 is the second worst). The file runs in the "timing" group
  // (vitest.config.ts), alone, after the rest of the suite. Measured 2026-12-03 at load average 4-5 on 2
  // cores (two other jobs): /-/healthy p99 8.7-22.9 ms, /flow p99 8.1-18.0 ms over 6 runs; at load average
  // 14-25 (a machine shared by 8 sessions) p99 reached 72-191 ms: pauses of other processes, not ours.
  it('keeps /-/healthy and a light /flow under 50 ms p99 while two fan-outs run', async () => {
    let running = true;
    const fanOuts = [0, 1].map(async () => {
      let n = 0;
      while (running) {
        const r = await post('multi-path', heavy);
        expect(r.status).toBe(200);
        await r.arrayBuffer();
        n++;
      }
      return n;
    });
    await new Promise((r) => setTimeout(r, 300)); // both fan-outs under way
    const healthy: number[] = [];
    const flow: number[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        const h = await timed(() => fetch(`${d.url}/-/healthy`));
        expect(h.status).toBe(200);
        healthy.push(h.ms);
        const f = await timed(() => post('flow', light));
        expect(f.status).toBe(200);
        flow.push(f.ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      running = false;
    }
    expect((await Promise.all(fanOuts)).every((n) => n >= 1)).toBe(true);
    console.log(
      `load-shed latency over ${healthy.length} samples: /-/healthy p90 ${pct(healthy, 0.9).toFixed(1)} p99 ${pct(healthy, 0.99).toFixed(1)} ms; /flow p90 ${pct(flow, 0.9).toFixed(1)} p99 ${pct(flow, 0.99).toFixed(1)} ms`,
    );
    expect({ healthy: pct(healthy, 0.99), flow: pct(flow, 0.99) }).toEqual({
      healthy: expect.toSatisfy((ms: number) => ms <= 50),
      flow: expect.toSatisfy((ms: number) => ms <= 50),
    });
  }, 120_000);
});

describe('request timeout', () => {
  it('answers 408 and closes a connection whose body trickles in (web.request_timeout 2s)', async () => {
    const { port } = new URL(d.url);
    const sock = connect(Number(port), '127.0.0.1');
    let answer = '';
    sock.on('data', (b) => (answer += b.toString()));
    const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(performance.now())));
    const start = performance.now();
    sock.write(
      'POST /api/v1/trace/flow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
    );
    const drip = setInterval(() => sock.writable && sock.write('{'), 500);
    const end = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    clearInterval(drip);
    sock.destroy();
    expect(end).toBeGreaterThan(0);
    expect(end - start).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);
});
