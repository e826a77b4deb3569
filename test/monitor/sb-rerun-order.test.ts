// After a Southbound change, the checks that already ran (on the SB before northd's answer) re-run ahead
// of the queue still waiting from the NB change: at L the flipped check otherwise waited behind ~1,300
// others. Checks still queued keep their place (they have not run and will see the new SB).
// The monitor on the demo network with the model engine under the name of an SB engine, and an always
// fresh gate: what is tested is the order of the re-runs, not the tracing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { type FreshnessGate, Monitor } from '../../src/monitor/monitor.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-sb-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PORTS = [1, 2, 3, 4, 5, 6];
const PATHS = `concurrency: 1\npaths:\n${PORTS.map(
  (p) =>
    `  - name: p${p}\n    source_port: vm1-port\n    destination: vm2-port\n    protocol: tcp\n    port: ${p}\n    interval: 1h\n`,
).join('')}`;

const ALWAYS_FRESH: FreshnessGate = {
  gates: () => false,
  tracesSb: () => true,
  wait: async () => true,
  whenFresh: async () => true,
};

/**
 * A monitor of the six paths on the demo network whose engine is the model under an SB engine's name;
 * `traced` records each trace's destination port, `onTrace` runs after it is recorded.
 */
function tracingMonitor(name: string, freshness: FreshnessGate) {
  const file = join(dir, name);
  writeFileSync(file, PATHS);
  const store = new TopologyStore();
  store.set(loadDemoTopology(), ['initial']);
  const model = createModelEngine();
  const t = { traced: [] as number[], onTrace: () => {} };
  const asSb: TraceEngine = {
    name: 'lflow',
    trace: (req, o) => {
      t.traced.push(req.destination_port_num ?? 0);
      t.onTrace();
      return model.trace(req, o);
    },
  };
  const monitor = new Monitor({
    pathsFile: file,
    topology: store,
    engine: () => asSb,
    registry: new Registry(),
    logger: createLogger('fatal', 'json'),
    freshness,
  });
  return { monitor, t };
}

describe('Monitor: re-runs after an SB change', () => {
  it('the checks that already ran re-run before the queued ones; the running one right after them', async () => {
    const { monitor: m, t } = tracingMonitor('paths.yaml', ALWAYS_FRESH);
    const traced = t.traced;
    await m.start();
    await m.idle();
    expect(traced.sort()).toEqual(PORTS);
    traced.length = 0;
    // A change queues every check; the SB update arrives while the third one runs.
    t.onTrace = () => {
      if (traced.length === 3) m.sbChanged(null);
    };
    m.topologyStale();
    await m.idle();
    // p1, p2 ran on the old SB: first; p3 was running: its re-run next; p4..p6 had not run: once.
    expect(traced).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6]);
    await m.stop();
  });

  it('a check still waiting at the freshness gate is not re-run: it traces after the gate, on the new SB', async () => {
    let hold = false;
    let open = () => {};
    const gate: FreshnessGate = {
      ...ALWAYS_FRESH,
      gates: () => true,
      wait: () => (hold ? new Promise((r) => (open = () => r(true))) : Promise.resolve(true)),
    };
    const { monitor: m, t } = tracingMonitor('gate.yaml', gate);
    const traced = t.traced;
    await m.start();
    await m.idle();
    traced.length = 0;
    hold = true;
    m.topologyStale(); // p1 runs and waits at the gate (concurrency 1), p2..p6 queued
    await new Promise((r) => setTimeout(r, 10));
    expect(traced).toEqual([]);
    m.sbChanged(null); // the SB update arrives while p1 waits
    hold = false;
    open();
    await m.idle();
    expect(traced).toEqual(PORTS); // each once
    await m.stop();
  });
});

describe('Monitor: the batch order of checks', () => {
  it('runs a batch grouped by source switch (first-seen order), each group in config order', async () => {
    // Config order alternates switches: ls1, ls-web, ls1, ls-db, ls-web.
    const sources = ['vm1-port', 'web-server-port', 'mgmt-port', 'db-server-port', 'app-server-port'];
    const file = join(dir, 'batch.yaml');
    writeFileSync(
      file,
      `concurrency: 1\npaths:\n${sources
        .map(
          (s, i) =>
            `  - name: b${i}\n    source_port: ${s}\n    destination: dmz-port\n    protocol: tcp\n    port: ${i + 1}\n    interval: 1h\n`,
        )
        .join('')}`,
    );
    const store = new TopologyStore();
    store.set(loadDemoTopology(), ['initial']);
    const model = createModelEngine();
    const traced: string[] = [];
    const m = new Monitor({
      pathsFile: file,
      topology: store,
      engine: () => ({
        name: 'model',
        trace: (req, o) => {
          traced.push(String(req.source_port));
          return model.trace(req, o);
        },
      }),
      registry: new Registry(),
      logger: createLogger('fatal', 'json'),
    });
    await m.start();
    await m.idle();
    expect(traced).toEqual(['vm1-port', 'mgmt-port', 'web-server-port', 'app-server-port', 'db-server-port']);
    // A topology-driven re-run of every check: the same order.
    traced.length = 0;
    m.topologyStale();
    await m.idle();
    expect(traced).toEqual(['vm1-port', 'mgmt-port', 'web-server-port', 'app-server-port', 'db-server-port']);
    await m.stop();
  });
});
