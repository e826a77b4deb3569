// Measures the trace API in-process (app.inject, model engine, demo network): single traces per second,
// and the latency of a default multi-path (15 traces) and of the seed's connectivity request.
// Run: npx tsx test/api/measure-api.ts

import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildApp } from './harness.ts';

const model = createModelEngine();
const app = await buildApp({ engine: model, model, rate: 1e9, burst: 1e9 });

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

const flow = () =>
  app.inject({
    method: 'POST',
    url: '/api/v1/trace/flow',
    payload: {
      source_port: 'dmz-port',
      destination_ip: '10.0.1.100',
      protocol: 'tcp',
      destination_port_num: 80,
    },
  });
const multi = () =>
  app.inject({
    method: 'POST',
    url: '/api/v1/trace/multi-path',
    payload: { source_port: 'vm1-port', destination_ip: '10.0.0.2' },
  });
const conn = () =>
  app.inject({
    method: 'POST',
    url: '/api/v1/trace/connectivity',
    payload: {
      source_port: 'web-server-port',
      target_ports: ['db-server-port', 'cache-server-port', 'app-server-port'],
    },
  });

const f = await timeIt(2000, flow);
const m = await timeIt(200, multi);
const c = await timeIt(200, conn);
console.log(
  `POST /flow (routed + LB, 2 backends): ${f.toFixed(3)} ms/request = ${Math.round(1000 / f)} requests/s`,
);
console.log(`POST /multi-path (defaults, 15 traces): ${m.toFixed(2)} ms/request`);
console.log(`POST /connectivity (seed example, 6 traces): ${c.toFixed(2)} ms/request`);
await app.close();
